// The pads list (/pads): create, import, mine and recent. A chunk of its own, so that the list
// does not download the editor (CodeMirror, marked, DOMPurify) that the pad page needs.
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import type { ComponentChildren } from "preact";
import { useCallback, useState } from "preact/hooks";
import { ApiError, api } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { IconArrowRight, IconPad } from "../components/icons.tsx";
import { Alert, Button, Card, EmptyState, ErrorAlert, Link, Loading, PageHeader, TextField, useAsync } from "../components/ui.tsx";
import { type DevicePad, forgetPad, rememberPad, rememberedPads } from "../device.ts";
import { formatDateTime, type Translate } from "../i18n/index.ts";
import { navigate } from "../router.ts";
import { FileButton } from "./file-button.tsx";
import { identity } from "./identity.ts";
import { padRequestError } from "./password.tsx";
import { postFile } from "./upload.ts";
import type { User } from "../types.ts";
import { FavouriteMark } from "../favourites.tsx";

interface PadListItem {
  id: string;
  rev: number;
  updated_at: string;
  visited_at: string | null;
  owned: boolean;
}

const enc = encodeURIComponent;

export function PadsHomePage() {
  const { t, user, lang } = useApp();
  useTitle(t("tool.pads.name"));
  const [name, setName] = useState("");
  const { busy, error, run } = useSubmit();
  const list = useAsync(() => (user ? api.get<PadListItem[]>("/api/v1/pads") : Promise.resolve([] as PadListItem[])), [user?.id]);

  const create = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const me = await identity(user);
      const n = name.trim();
      const res = await api.post<{ pad: { id: string } }>("/api/v1/pads", n ? { name: n } : {});
      if (me.guest) rememberPad(res.pad);
      navigate(`/p/${enc(res.pad.id)}`);
      return STAY_BUSY;
    });
  };

  const mine = (list.data ?? []).filter((p) => p.owned);
  const recent = (list.data ?? []).filter((p) => !p.owned);

  return (
    <div class="container page">
      <PageHeader
        title={t("tool.pads.name")}
        subtitle={t("tool.pads.desc")}
        icon={
          <span class="tool-icon tool-pads">
            <IconPad size={28} />
          </span>
        }
      />
      <div class="stack">
        <Card title={t("pads.new")} description={t("pads.newDesc")} id="new-pad">
          <form class="inline-form" onSubmit={create}>
            <TextField
              class="pad-new-name"
              label={t("pads.name")}
              optional
              name="pad-name"
              value={name}
              onValue={setName}
              maxLength={64}
              autocomplete="off"
              spellcheck={false}
              placeholder={t("pads.namePlaceholder")}
            />
            <Button type="submit" loading={busy}>
              <IconPad size={16} />
              {t("pads.create")}
            </Button>
          </form>
          <p class="field-hint pad-new-hint">{t("pads.nameHint")}</p>
          <ErrorAlert error={error} />
          {!user && <p class="muted small">{t("pads.guestNote")}</p>}
        </Card>
        {!user && <DevicePads />}
        {/* The two lists, and the card under them, come together once the list is known:
            a list filling in would push what is below it down under the reader. */}
        {user && list.loading ? (
          <Loading />
        ) : (
          <>
            {user && (
              <>
                <PadList id="my-pads" title={t("pads.mine")} empty={t("pads.mineEmpty")} items={mine} error={list.error} lang={lang} t={t} />
                <PadList id="recent-pads" title={t("pads.recent")} empty={t("pads.recentEmpty")} items={recent} error={list.error} lang={lang} t={t} />
              </>
            )}
            <EtherpadImport user={user} />
          </>
        )}
      </div>
    </div>
  );
}

/** "Import an Etherpad pad": an .etherpad export becomes a new pad, history included. */
function EtherpadImport({ user }: { user: User | null }) {
  const { t } = useApp();
  const [name, setName] = useState("");
  const { busy, error, run } = useSubmit((err) =>
    err instanceof ApiError && (err.code === "invalid_json" || err.code === "validation_failed")
      ? /^pad name/i.test(err.message)
        ? t("pads.importBadName")
        : t("pads.importInvalid")
      : err instanceof ApiError && err.code === "conflict"
        ? t("pads.importNameTaken")
        : padRequestError(t, err),
  );
  const pick = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    await run(async () => {
      const me = await identity(user);
      const n = name.trim();
      const res = await postFile<{ pad: { id: string } }>(`/api/v1/pads/import-etherpad${n ? `?name=${enc(n)}` : ""}`, file);
      if (me.guest) rememberPad(res.pad);
      navigate(`/p/${enc(res.pad.id)}`);
      return STAY_BUSY;
    });
  };
  return (
    <Card title={t("pads.import")} description={t("pads.importDesc")} id="import-pad">
      <div class="inline-form">
        <TextField
          class="pad-new-name"
          label={t("pads.importName")}
          optional
          name="import-name"
          value={name}
          onValue={setName}
          maxLength={64}
          autocomplete="off"
          spellcheck={false}
          placeholder={t("pads.importNamePlaceholder")}
        />
        <FileButton label={t("pads.importFile")} accept=".etherpad,application/json" busy={busy} onChange={pick} />
      </div>
      {error && (
        <Alert kind="error" class="pad-import-error">
          {error}
        </Alert>
      )}
    </Card>
  );
}

function PadList({ id, title, empty, items, error, lang, t }: { id: string; title: string; empty: string; items: PadListItem[]; error: unknown; lang: "en" | "fr"; t: Translate }) {
  return (
    <Card title={title} id={id}>
      {error ? (
        <ErrorAlert error={error} />
      ) : items.length === 0 ? (
        <EmptyState>{empty}</EmptyState>
      ) : (
        <ul class="list">
          {items.map((p) => (
            <PadRow key={p.id} id={p.id}>
              <span>{t(new Intl.PluralRules(lang).select(p.rev) === "one" ? "pads.revisions.one" : "pads.revisions.other", { count: p.rev })}</span>
              <span>{t("pads.updated", { date: formatDateTime(lang, p.updated_at) ?? "" })}</span>
              {p.visited_at && <span>{t("pads.visited", { date: formatDateTime(lang, p.visited_at) ?? "" })}</span>}
            </PadRow>
          ))}
        </ul>
      )}
    </Card>
  );
}

/** The pads a guest created in this browser: kept only here (see device.ts). */
function DevicePads() {
  const { t, lang } = useApp();
  const [pads, setPads] = useState<DevicePad[]>(() => rememberedPads());
  const forget = useCallback((id: string) => {
    forgetPad(id);
    setPads(rememberedPads());
  }, []);
  if (pads.length === 0) return null;
  return (
    <Card title={t("pads.device.title")} description={t("pads.device.desc")} id="device-pads">
      <ul class="list">
        {pads.map((p) => (
          <PadRow
            key={p.id}
            id={p.id}
            action={
              <Button variant="ghost" size="sm" onClick={() => forget(p.id)} aria-label={t("pads.device.forgetNamed", { name: p.id })}>
                {t("pads.device.forget")}
              </Button>
            }
          >
            <span>{t("pads.device.createdOn", { date: formatDateTime(lang, new Date(p.createdAt).toISOString()) ?? "" })}</span>
          </PadRow>
        ))}
      </ul>
    </Card>
  );
}

/** One pad of a list: its name and facts, an "Open" button, and maybe another action. */
function PadRow({ id, action, children }: { id: string; action?: ComponentChildren; children: ComponentChildren }) {
  const { t } = useApp();
  return (
    <li class="list-item">
      <div class="list-main">
        <Link href={`/p/${enc(id)}`} class="list-title pad-link">
          {id}
          <FavouriteMark kind="pad" id={id} />
        </Link>
        <div class="list-meta">{children}</div>
      </div>
      <Link href={`/p/${enc(id)}`} class="btn btn-secondary btn-sm" aria-label={t("pads.openNamed", { name: id })}>
        {t("pads.open")}
        <IconArrowRight size={16} />
      </Link>
      {action}
    </li>
  );
}
