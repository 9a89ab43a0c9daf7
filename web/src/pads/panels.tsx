// The pad page's side panels: the people on the pad (and my name and colour), and sharing
// (links, embedding, password, deletion).
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import { useState } from "preact/hooks";
import { ApiError, api, errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { IconDownload } from "../components/icons.tsx";
import { Alert, Avatar, Badge, Button, CopyField, ErrorAlert, TextField, useConfirm } from "../components/ui.tsx";
import { navigate } from "../router.ts";
import { IMPORT_ACCEPT, importFormat } from "./chat.ts";
import { PasswordSettings, padRequestError } from "./password.tsx";
import { PadSession, type PadUi } from "./session.ts";
import { postFile } from "./upload.ts";
import { FileButton } from "./file-button.tsx";
import { EmbedCode } from "../components/embed-code.tsx";
import { type Me } from "./identity.ts";
import { ColorSwatches } from "../components/swatches.tsx";
import type { User } from "../types.ts";
import { padsApi } from "./api.ts";

const enc = encodeURIComponent;

export function PeoplePanel({
  ui,
  me,
  readonly,
  session,
  onMe,
  toast,
}: {
  ui: PadUi | null;
  me: Me;
  readonly: boolean;
  session: PadSession | null;
  onMe: (m: Me) => void;
  toast: (s: string) => void;
}) {
  const { t, updateUser } = useApp();
  const [name, setName] = useState(me.name);
  const [color, setColor] = useState(me.color);
  const { busy, error, run } = useSubmit();
  const people = ui?.people ?? [];

  const save = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const body = { display_name: name.trim(), avatar_color: color };
      if (me.guest) {
        await api.patch("/api/v1/guest", body);
      } else {
        updateUser(await api.patch<User>("/api/v1/me", body));
      }
      // The socket carries the name and colour it had when it connected: reconnect.
      session?.renamed(body.display_name, color);
      session?.reconnect();
      toast(t("pad.nameSaved"));
      // Own name updated in place: the session keeps the same identity (and caret).
      onMe({ ...me, name: body.display_name, color });
    });
  };

  return (
    <div class="stack">
      <ul class="pad-people">
        {people.map((p) => (
          <li key={p.id} class="pad-person">
            <Avatar name={p.name} color={p.color} size="sm" />
            <span class="pad-person-name">{p.name}</span>
            {p.id === me.id && <Badge tone="accent">{t("pad.you")}</Badge>}
            {p.guest && p.id !== me.id && <Badge>{t("pad.guest")}</Badge>}
          </li>
        ))}
      </ul>
      {!readonly && (
        <form class="form" onSubmit={save}>
          <TextField label={t("pad.yourName")} name="display_name" value={name} onValue={setName} maxLength={64} required autocomplete="nickname" />
          <ColorSwatches legend={t("pad.yourColor")} name="pad_color" value={color} onChange={setColor} />
          <ErrorAlert error={error} />
          <div class="form-actions">
            <Button type="submit" size="sm" loading={busy}>
              {t("common.save")}
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}

export function SharePanel({
  id,
  readonly,
  readonlyId,
  isOwner,
  isProtected,
  onProtected,
  toast,
}: {
  id: string;
  readonly: boolean;
  readonlyId: string | null;
  isOwner: boolean;
  isProtected: boolean;
  onProtected: (p: boolean) => void;
  toast: (s: string) => void;
}) {
  const { t } = useApp();
  const [dialog, confirm] = useConfirm();
  // A failed deletion is told by a toast.
  const { busy, run: runRemove } = useSubmit<void>((e) => toast(errorText(t, e)));
  const {
    busy: importing,
    error: importError,
    setError: setImportError,
    run: runImport,
  } = useSubmit((err) => (err instanceof ApiError && err.code === "validation_failed" ? t("pad.importInvalid") : padRequestError(t, err)));
  const origin = location.origin;
  const remove = async () => {
    const ok = await confirm({ title: t("pad.deleteConfirm"), body: t("pad.deleteBody"), confirmLabel: t("pad.delete"), danger: true });
    if (!ok) return;
    await runRemove(async () => {
      await padsApi.remove(id);
      navigate("/pads");
      return STAY_BUSY;
    });
  };
  const importFile = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    setImportError(null);
    const format = importFormat(file.name, file.type);
    if (!format) {
      setImportError(t("pad.importFormat"));
      return;
    }
    const ok = await confirm({ title: t("pad.importConfirm", { name: file.name }), body: t("pad.importBody"), confirmLabel: t("pad.importReplace"), danger: true });
    if (!ok) return;
    await runImport(async () => {
      const res = await postFile<{ rev: number }>(`/api/v1/pads/${enc(id)}/import?format=${format}`, file);
      toast(t("pad.imported", { rev: res.rev }));
    });
  };
  return (
    <div class="stack">
      {!readonly && <CopyField label={t("pad.editLink")} value={`${origin}/p/${id}`} />}
      {readonlyId && <CopyField label={t("pad.readonlyLink")} value={`${origin}/p/${readonlyId}`} />}
      <EmbedCode path={`/p/${enc(id)}`} title={id} />
      <div>
        <p class="field-label">{t("pad.export")}</p>
        <div class="pad-export">
          {(["txt", "md", "html", "docx", "odt", "etherpad"] as const).map((f) => (
            <a key={f} class="btn btn-secondary btn-sm" href={`/api/v1/pads/${enc(id)}/export?format=${f}`} download>
              <IconDownload size={16} />
              {t(`pad.export.${f}`)}
            </a>
          ))}
          <a class="btn btn-secondary btn-sm" href={`/api/v1/pads/${enc(id)}/export?format=html&print=1`} target="_blank" rel="noopener">
            {t("pad.export.print")}
          </a>
        </div>
      </div>
      {!readonly && (
        <div>
          <p class="field-label">{t("pad.import")}</p>
          <FileButton label={t("pad.importFile")} accept={IMPORT_ACCEPT} busy={importing} onChange={importFile} />
          <p class="field-hint">{t("pad.importHint")}</p>
          {importError && (
            <Alert kind="error" class="pad-import-error">
              {importError}
            </Alert>
          )}
        </div>
      )}
      {isOwner ? <PasswordSettings id={id} isProtected={isProtected} onChange={onProtected} toast={toast} /> : isProtected && <p class="muted small">{t("pad.passwordOn")}</p>}
      {isOwner && (
        <div>
          <Button variant="danger" size="sm" onClick={remove} loading={busy}>
            {t("pad.delete")}
          </Button>
        </div>
      )}
      {dialog}
    </div>
  );
}
