// Polls: my polls (/polls), create (/poll/new), view and vote (/poll/:id, ?edit=token), administer
// (/poll/admin/:token). Loaded on demand (its own chunk, declared in index.tsx). Contract: docs/polls-api.md.
import { PasswordGate } from "../components/password-gate.tsx";
import { personName } from "../people.ts";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { STAY_BUSY, useKeyedSubmit, useSubmit } from "../hooks/submit.ts";
import { ApiError } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { IconArrowRight, IconDownload, IconEdit, IconPoll, IconSettings, IconTrash } from "../components/icons.tsx";
import { EmbedCode } from "../components/embed-code.tsx";
import { Alert, Badge, Button, Card, CopyField, EmptyState, ErrorAlert, Link, Loading, PageHeader, cx, useAsync, useConfirm } from "../components/ui.tsx";
import { FavouriteMark, StarButton } from "../favourites.tsx";
import { type MessageKey, formatDate, formatDateTime } from "../i18n/index.ts";
import { ensureIdentity } from "../hooks/identity.ts";
import { type PollTarget, adminPage, csvUrl, editPage, finalIcsUrl, pollPage, pollsApi, sitePath } from "./api.ts";
import { Comments, FinalBanner, PollBoard, optionLabels } from "./board.tsx";
import { AboutFields, ClassicOptionsEditor, DateOptionsEditor, SettingsFields } from "./editors.tsx";
import { type SettingsErrors, type SettingsForm, LIMITS, createBody, defaultSettings, settingsFromView, settingsPatch, validateSettings } from "./form.ts";
import { IconCalendar, IconList, IconLock, IconPlus } from "./icons.tsx";
import { useMediaQuery } from "../hooks/media.ts";
import { usePollLive } from "./live.ts";
import {
  type ClassicItem,
  type ClassicProblem,
  type DayEntry,
  type SlotProblem,
  buildClassicOptions,
  buildDateOptions,
  classicFromOptions,
  classicItem,
  daysFromOptions,
  removedWithAnswers,
} from "./options.ts";
import { type DevicePoll, POLLS_KEY, forgetPoll, noteTitle, rememberCreatedPoll, rememberedPolls } from "./device.ts";
import { browserTimeZone } from "./time.ts";
import type { MyPoll, OptionInput, PollKind, PollView } from "./types.ts";
import { navigate } from "../router.ts";

/** The compact poll layout: a viewport narrower than 600 px. */
const COMPACT = "(max-width: 599.98px)";

function PollIcon() {
  return (
    <span class="tool-icon tool-polls">
      <IconPoll size={28} />
    </span>
  );
}

// ---------------------------------------------------------------- /polls

export function MyPollsPage() {
  const { t, user } = useApp();
  useTitle(t("tool.polls.name"));
  const list = useAsync(() => (user ? pollsApi.mine() : Promise.resolve([])), [user?.id]);
  const [device, forget] = useDevicePolls();
  // Signed in, the device adds only what the account does not already list (polls made or
  // answered here as a guest); until the account's list is known, it waits.
  const inAccount = new Set((list.data ?? []).map((p) => p.poll.id));
  const deviceOnly = user ? (list.data ? device.filter((p) => !inAccount.has(p.id)) : []) : device;
  return (
    <div class="container page">
      <PageHeader title={t("tool.polls.name")} subtitle={t("tool.polls.desc")} icon={<PollIcon />}>
        <Link href="/poll/new" class="btn btn-primary">
          <IconPlus size={16} />
          {t("polls.newPoll")}
        </Link>
      </PageHeader>
      <div class="stack">
        {user ? (
          <Card title={t("polls.mine")} id="my-polls">
            {list.loading ? (
              <Loading />
            ) : list.error ? (
              <ErrorAlert error={list.error} />
            ) : !list.data || list.data.length === 0 ? (
              <EmptyState>{t("polls.mineEmpty")}</EmptyState>
            ) : (
              <ul class="list">
                {list.data.map((item) => (
                  <AccountPollItem key={item.poll.id} item={item} />
                ))}
              </ul>
            )}
          </Card>
        ) : (
          <Card>
            <p>{t("polls.guestIntro")}</p>
            <p class="muted small poll-guest-note">
              {t("polls.guestLogin")} <Link href="/login?next=%2Fpolls">{t("nav.login")}</Link>
            </p>
          </Card>
        )}
        {deviceOnly.length > 0 && <DevicePolls polls={deviceOnly} onForget={forget} />}
      </div>
    </div>
  );
}

function AccountPollItem({ item }: { item: MyPoll }) {
  const { t, lang } = useApp();
  const { poll } = item;
  return (
    <li class="list-item" data-poll={poll.id} data-role={item.role}>
      <div class="list-main">
        <Link href={pollPage(poll.id)} class="list-title poll-list-title">
          {poll.title}
          <FavouriteMark kind="poll" id={poll.id} />
          {item.role === "answered" && <Badge tone="accent">{t("polls.role.answered")}</Badge>}
          {poll.closed && <Badge tone="warning">{t("polls.closed")}</Badge>}
          {poll.final_option !== null && <Badge tone="success">{t("polls.finalised")}</Badge>}
        </Link>
        <div class="list-meta">
          <span>{poll.kind === "date" ? t("polls.kind.date") : t("polls.kind.classic")}</span>
          {item.participants !== null && (
            <span>
              {t(new Intl.PluralRules(lang).select(item.participants) === "one" ? "polls.participantCount.one" : "polls.participantCount.other", { count: item.participants })}
            </span>
          )}
          <span>{t("polls.activityOn", { date: formatDate(lang, item.activity_at) ?? "" })}</span>
        </div>
      </div>
      <div class="row-actions">
        <Link href={pollPage(poll.id)} class="btn btn-secondary btn-sm" aria-label={t("polls.openNamed", { title: poll.title })}>
          {t("polls.open")}
          <IconArrowRight size={16} />
        </Link>
        {item.admin_url && (
          <Link href={sitePath(item.admin_url)} class="btn btn-ghost btn-sm" aria-label={t("polls.adminNamed", { title: poll.title })}>
            <IconSettings size={16} />
            {t("polls.administer")}
          </Link>
        )}
      </div>
    </li>
  );
}

/** The polls remembered in this browser, kept in step with the other tabs. */
function useDevicePolls(): [DevicePoll[], (id: string) => void] {
  const [polls, setPolls] = useState<DevicePoll[]>(rememberedPolls);
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key === null || e.key === POLLS_KEY) setPolls(rememberedPolls());
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);
  const forget = useCallback((id: string) => {
    forgetPoll(id);
    setPolls(rememberedPolls());
  }, []);
  return [polls, forget];
}

function DevicePolls({ polls, onForget }: { polls: DevicePoll[]; onForget: (id: string) => void }) {
  const { t, lang } = useApp();
  const [dialog, confirm] = useConfirm();
  const forget = async (p: DevicePoll) => {
    const title = p.title || t("polls.device.untitled");
    const ok = await confirm({
      title: t("polls.device.forgetConfirm", { title }),
      body: p.adminToken ? t("polls.device.forgetAdminBody") : t("polls.device.forgetBody"),
      confirmLabel: t("polls.device.forget"),
      danger: Boolean(p.adminToken),
    });
    if (ok) onForget(p.id);
  };
  return (
    <Card title={t("polls.device.title")} description={t("polls.device.desc")} id="device-polls">
      <ul class="list">
        {polls.map((p) => {
          const title = p.title || t("polls.device.untitled");
          return (
            <li key={p.id} class="list-item" data-poll={p.id}>
              <div class="list-main">
                <Link href={pollPage(p.id)} class="list-title poll-list-title">
                  {title}
                </Link>
                <div class="list-meta">
                  {p.createdAt !== null && <span>{t("polls.device.createdOn", { date: formatDate(lang, new Date(p.createdAt).toISOString()) ?? "" })}</span>}
                  {p.answeredAt !== null && <span>{t("polls.device.answeredOn", { date: formatDate(lang, new Date(p.answeredAt).toISOString()) ?? "" })}</span>}
                </div>
              </div>
              <div class="row-actions">
                <Link href={pollPage(p.id)} class="btn btn-secondary btn-sm" aria-label={t("polls.openNamed", { title })}>
                  {t("polls.open")}
                  <IconArrowRight size={16} />
                </Link>
                {p.adminToken && (
                  <Link href={adminPage(p.adminToken)} class="btn btn-ghost btn-sm" aria-label={t("polls.adminNamed", { title })}>
                    <IconSettings size={16} />
                    {t("polls.administer")}
                  </Link>
                )}
                {p.editToken && (
                  <Link href={editPage(p.id, p.editToken)} class="btn btn-ghost btn-sm" aria-label={t("polls.device.changeNamed", { title })}>
                    <IconEdit size={16} />
                    {t("polls.device.change")}
                  </Link>
                )}
                <Button variant="ghost" size="sm" onClick={() => void forget(p)} aria-label={t("polls.device.forgetNamed", { title })}>
                  <IconTrash size={16} />
                  {t("polls.device.forget")}
                </Button>
              </div>
            </li>
          );
        })}
      </ul>
      {dialog}
    </Card>
  );
}

// ---------------------------------------------------------------- /poll/new

/** The admin token of the poll this tab just created: its admin page says so, once. */
let justCreated: string | null = null;

export function NewPollPage() {
  const { t, user, lang } = useApp();
  useTitle(t("polls.new.pageTitle"));
  const [kind, setKind] = useState<PollKind>("date");
  const [f, setF] = useState<SettingsForm>(() => defaultSettings(browserTimeZone(), user ? user.display_name || user.username : ""));
  const set = (p: Partial<SettingsForm>) => setF((cur) => ({ ...cur, ...p }));
  const [days, setDays] = useState<DayEntry[]>([]);
  const [items, setItems] = useState<ClassicItem[]>(() => [classicItem(), classicItem()]);
  const [tried, setTried] = useState(false);
  const { busy, error, setError, run } = useSubmit();
  const summaryRef = useRef<HTMLDivElement>(null);

  const errors: SettingsErrors = tried ? validateSettings(f, { creating: true }) : {};
  const built = kind === "date" ? buildDateOptions(days) : buildClassicOptions(items);
  const optionsProblem: MessageKey | null =
    built.options.length === 0 ? (kind === "date" ? "polls.err.noDays" : "polls.err.noOptions") : built.options.length > LIMITS.options ? "polls.err.tooManyOptions" : null;
  const problems = tried ? built.problems : {};
  const problemCount = Object.keys(errors).length + Object.keys(problems).length + (tried && optionsProblem ? 1 : 0);

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setError(null);
    const errs = validateSettings(f, { creating: true });
    if (Object.keys(errs).length || Object.keys(built.problems).length || optionsProblem) {
      setTimeout(() => summaryRef.current?.focus(), 0);
      return;
    }
    const created = await run(async () => {
      await ensureIdentity(user);
      const res = await pollsApi.create(createBody(kind, f, built.options, lang));
      // A signed-in author finds it in "My polls"; a guest has this browser only.
      if (!user) rememberCreatedPoll({ id: res.poll.id, title: res.poll.title, adminToken: res.admin_token });
      justCreated = res.admin_token;
      // The admin page holds both links and survives a reload; Back skips the spent form.
      navigate(adminPage(res.admin_token), { replace: true });
      window.scrollTo(0, 0);
      return STAY_BUSY;
    });
    if (!created) setTimeout(() => summaryRef.current?.focus(), 0);
  };

  return (
    <div class="container page poll-new">
      <PageHeader title={t("polls.new.pageTitle")} subtitle={t("polls.new.subtitle")} icon={<PollIcon />} />
      <form class="stack" onSubmit={submit} noValidate>
        <fieldset class="poll-kinds">
          <legend class="section-title">{t("polls.new.kind")}</legend>
          <div class="poll-kind-grid">
            {(["date", "classic"] as const).map((k) => (
              <label key={k} class={cx("poll-kind", kind === k && "is-selected")}>
                <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
                <span class="poll-kind-icon">{k === "date" ? <IconCalendar size={22} /> : <IconList size={22} />}</span>
                <span class="poll-kind-text">
                  <strong>{k === "date" ? t("polls.kind.date") : t("polls.kind.classic")}</strong>
                  <span class="muted small">{k === "date" ? t("polls.kind.dateDesc") : t("polls.kind.classicDesc")}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <Card title={t("polls.new.about")} id="poll-about">
          <AboutFields f={f} set={set} errors={errors} />
        </Card>
        <Card
          title={kind === "date" ? t("polls.new.dates") : t("polls.new.options")}
          description={kind === "date" ? t("polls.new.datesDesc") : t("polls.new.optionsDesc")}
          id="poll-options"
        >
          {kind === "date" ? (
            <DateOptionsEditor days={days} onDays={setDays} problems={problems as Record<string, SlotProblem>} timezone={f.timezone} onTimezone={(z) => set({ timezone: z })} />
          ) : (
            <ClassicOptionsEditor items={items} onItems={setItems} problems={problems as Record<string, ClassicProblem>} />
          )}
          {tried && optionsProblem && <p class="field-error poll-options-error">{t(optionsProblem)}</p>}
        </Card>
        <details class="card poll-more" id="poll-more">
          <summary class="poll-more-summary">
            <span class="card-title">{t("polls.new.more")}</span>
            <span class="muted small">{t("polls.new.moreDesc")}</span>
          </summary>
          <SettingsFields f={f} set={set} errors={errors} showZone={kind === "classic"} />
        </details>
        <div ref={summaryRef} tabIndex={-1} class="poll-summary">
          {tried && problemCount > 0 && <Alert kind="error">{t("polls.err.fixFields", { count: problemCount })}</Alert>}
          <ErrorAlert error={error} />
        </div>
        <div class="form-actions">
          <Button type="submit" loading={busy}>
            {t("polls.new.create")}
          </Button>
        </div>
        {!user && <p class="muted small">{t("polls.new.guestNote")}</p>}
      </form>
    </div>
  );
}

// ---------------------------------------------------------------- loading a view (public or admin)

function usePollView(target: PollTarget, editToken: string | null) {
  const { user } = useApp();
  const [view, setView] = useState<PollView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [locked, setLocked] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const seq = useRef(0);
  const shown = useRef(false);
  shown.current = view !== null;
  const load = useCallback(async () => {
    const n = ++seq.current;
    try {
      await ensureIdentity(user);
      const v = await pollsApi.view(target, editToken);
      if (n !== seq.current) return;
      noteTitle(v.poll.id, v.poll.title);
      setView(v);
      setLocked(false);
      setError(null);
    } catch (e) {
      if (n !== seq.current) return;
      if (e instanceof ApiError && e.code === "password_required") {
        setLocked(true);
        setView(null);
      } else if (e instanceof ApiError && e.status === 404 && shown.current) {
        // It was there a moment ago.
        setDeleted(true);
      } else {
        setError(e);
      }
    }
  }, [target.kind, target.key, editToken, user?.id]);
  useEffect(() => {
    setView(null);
    setDeleted(false);
    setError(null);
    void load();
  }, [load]);
  const live = usePollLive(
    view && !deleted ? view.poll.id : null,
    () => void load(),
    () => setDeleted(true),
  );
  // Keep what a write answered (admin PATCH/finalise return the new view).
  const replace = useCallback((v: PollView) => {
    seq.current += 1;
    setView(v);
  }, []);
  return { view, error, locked, deleted, live, load, replace, setDeleted };
}

function PollHeader({ view, admin }: { view: PollView; admin?: boolean }) {
  const { t, lang } = useApp();
  const { poll } = view;
  return (
    <PageHeader
      title={poll.title}
      subtitle={
        <>
          {t("polls.by", { name: personName(t, poll.author_name) })}
          <span aria-hidden="true"> · </span>
          {t("polls.createdOn", { date: formatDate(lang, poll.created_at) ?? "" })}
        </>
      }
      icon={<PollIcon />}
    >
      <div class="poll-badges">
        <StarButton kind="poll" id={poll.id} />
        {admin && <Badge tone="accent">{t("polls.adminBadge")}</Badge>}
        {poll.protected && (
          <Badge>
            <IconLock size={12} /> {t("polls.protected")}
          </Badge>
        )}
      </div>
    </PageHeader>
  );
}

function StatusBanner({ view }: { view: PollView }) {
  const { t, lang } = useApp();
  const { poll } = view;
  if (poll.closed) {
    return (
      <Alert kind="warning" class="poll-status" title={poll.closed_reason === "deadline" ? t("polls.deadlinePassed") : t("polls.closedTitle")}>
        {poll.deadline && poll.closed_reason === "deadline" ? t("polls.deadlineWas", { date: formatDateTime(lang, poll.deadline) ?? "" }) : t("polls.closedBody")}
      </Alert>
    );
  }
  if (poll.deadline) {
    return <p class="poll-deadline muted">{t("polls.deadline", { date: formatDateTime(lang, poll.deadline) ?? "" })}</p>;
  }
  return null;
}

function Description({ view }: { view: PollView }) {
  if (!view.poll.description_html.trim()) return null;
  // description_html is rendered and sanitised by the server (Markdown + sanitiser).
  return <div class="poll-description" dangerouslySetInnerHTML={{ __html: view.poll.description_html }} />;
}

function Missing({ admin }: { admin: boolean }) {
  const { t } = useApp();
  useTitle(t("polls.notFound"));
  return (
    <div class="container page page-narrow">
      <PageHeader title={t("polls.notFound")} icon={<PollIcon />} />
      <Alert kind="warning">{admin ? t("polls.adminNotFoundBody") : t("polls.notFoundBody")}</Alert>
      <div class="poll-actions-row">
        <Link href="/poll/new" class="btn btn-primary">
          {t("polls.newPoll")}
        </Link>
      </div>
    </div>
  );
}

function Deleted() {
  const { t } = useApp();
  return (
    <div class="container page page-narrow">
      <PageHeader title={t("polls.deletedTitle")} icon={<PollIcon />} />
      <Alert kind="error" class="poll-deleted">
        {t("polls.deleted")}
      </Alert>
      <div class="poll-actions-row">
        <Link href="/poll/new" class="btn btn-primary">
          {t("polls.newPoll")}
        </Link>
      </div>
    </div>
  );
}

// ---------------------------------------------------------------- /poll/:id

export function PollPage({ id, editToken }: { id: string; editToken: string | null }) {
  const { t } = useApp();
  const target = useMemo<PollTarget>(() => ({ kind: "public", key: id }), [id]);
  const { view, error, locked, deleted, live, load } = usePollView(target, editToken);
  const compact = useMediaQuery(COMPACT);
  useTitle(view?.poll.title ?? t("tool.polls.name"));

  if (locked) return <PollPasswordGate id={id} onUnlocked={() => void load()} />;
  if (error && !view) {
    if (error instanceof ApiError && error.status === 404) return <Missing admin={false} />;
    return (
      <div class="container page page-narrow">
        <ErrorAlert error={error} />
        <Button variant="secondary" onClick={() => void load()}>
          {t("app.retry")}
        </Button>
      </div>
    );
  }
  if (!view) return <Loading />;
  if (deleted) return <Deleted />;
  return (
    <div class={cx("container page poll-page", compact && "is-compact")} data-live={live ?? "connecting"} data-version={view.poll.version}>
      <PollHeader view={view} />
      <div class="stack">
        {error ? <ErrorAlert error={error} /> : null}
        <StatusBanner view={view} />
        <Description view={view} />
        <FinalBanner view={view} />
        {editToken && <Alert kind="info">{view.participants.some((p) => p.editable) ? t("polls.editLinkOpened") : t("polls.editLinkNoRow")}</Alert>}
        <PollBoard view={view} target={target} editToken={editToken} admin={false} compact={compact} onReload={() => void load()} />
        <Comments view={view} adminToken={null} onReload={() => void load()} />
      </div>
    </div>
  );
}

function PollPasswordGate({ id, onUnlocked }: { id: string; onUnlocked: () => void }) {
  const { t, user } = useApp();
  useTitle(t("polls.lockedTitle"));
  return (
    <PasswordGate
      id="poll-unlock"
      icon={
        <span class="tool-icon tool-polls">
          <IconLock size={28} />
        </span>
      }
      title={t("polls.lockedTitle")}
      body={t("polls.lockedBody")}
      label={t("polls.password")}
      name="poll-password"
      autocomplete="current-password"
      submitLabel={t("polls.unlock")}
      wrongPassword={t("polls.wrongPassword")}
      unlock={async (password) => {
        await ensureIdentity(user);
        await pollsApi.unlock(id, password);
      }}
      onUnlocked={onUnlocked}
    />
  );
}

// ---------------------------------------------------------------- /poll/admin/:token

export function PollAdminPage({ token }: { token: string }) {
  const { t } = useApp();
  const target = useMemo<PollTarget>(() => ({ kind: "admin", key: token }), [token]);
  const { view, error, deleted, live, load, replace, setDeleted } = usePollView(target, null);
  const compact = useMediaQuery(COMPACT);
  useTitle(view ? t("polls.adminTitle", { title: view.poll.title }) : t("polls.administer"));
  const [fresh] = useState(() => {
    const mine = justCreated === token;
    if (mine) justCreated = null;
    return mine;
  });

  if (error && !view) {
    if (error instanceof ApiError && error.status === 404) return <Missing admin />;
    return (
      <div class="container page page-narrow">
        <ErrorAlert error={error} />
        <Button variant="secondary" onClick={() => void load()}>
          {t("app.retry")}
        </Button>
      </div>
    );
  }
  if (deleted) return <Deleted />;
  if (!view) return <Loading />;
  return (
    <div class={cx("container page poll-page poll-admin", compact && "is-compact")} data-live={live ?? "connecting"} data-version={view.poll.version}>
      <PollHeader view={view} admin />
      <div class="stack">
        {error ? <ErrorAlert error={error} /> : null}
        {fresh && <CreatedBanner />}
        <AdminLinks view={view} token={token} />
        <AdminStatus view={view} token={token} onView={replace} />
        <Description view={view} />
        <FinalBanner view={view} />
        <PollBoard view={view} target={target} editToken={null} admin compact={compact} onReload={() => void load()} />
        <Comments view={view} adminToken={token} onReload={() => void load()} />
        <AdminSettings key={view.poll.id} view={view} token={token} onView={replace} />
        <AdminOptions key={`o-${view.poll.id}`} view={view} token={token} onView={replace} />
        <AdminDelete
          token={token}
          onDeleted={() => {
            forgetPoll(view.poll.id);
            setDeleted(true);
          }}
        />
      </div>
    </div>
  );
}

/** Right after creating: what the two links are for (a reload shows the admin page alone). */
function CreatedBanner() {
  const { t, user } = useApp();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div ref={ref} tabIndex={-1} class="poll-created">
      <Alert kind="success" title={t("polls.created.title")}>
        <p>{t("polls.created.next")}</p>
        {!user && <p class="muted small">{t("polls.created.remembered")}</p>}
      </Alert>
    </div>
  );
}

function AdminLinks({ view, token }: { view: PollView; token: string }) {
  const { t, lang } = useApp();
  const { poll } = view;
  return (
    <Card title={t("polls.admin.links")} id="poll-links">
      <div class="stack">
        <CopyField label={t("polls.created.publicLink")} value={location.origin + pollPage(poll.id)} />
        <p class="field-hint">{t("polls.created.publicHint")}</p>
        <CopyField label={t("polls.created.adminLink")} value={location.origin + adminPage(token)} />
        <p class="field-hint">{t("polls.created.adminWarning")}</p>
        <EmbedCode path={pollPage(poll.id)} title={poll.title} />
        {view.admin?.purge_at && <p class="muted small poll-purge">{t("polls.admin.purge", { date: formatDate(lang, view.admin.purge_at) ?? "" })}</p>}
        <div class="poll-actions-row">
          <Link href={pollPage(poll.id)} class="btn btn-secondary btn-sm">
            {t("polls.admin.openPublic")}
            <IconArrowRight size={16} />
          </Link>
          <a class="btn btn-secondary btn-sm" href={csvUrl(token)} download>
            <IconDownload size={16} />
            {t("polls.admin.csv")}
          </a>
          {poll.final_option !== null && poll.kind === "date" && (
            <a class="btn btn-secondary btn-sm" href={finalIcsUrl(poll.id)} download>
              <IconDownload size={16} />
              {t("polls.admin.ics")}
            </a>
          )}
        </div>
      </div>
    </Card>
  );
}

function AdminStatus({ view, token, onView }: { view: PollView; token: string; onView: (v: PollView) => void }) {
  const { t, lang } = useApp();
  const { poll } = view;
  const labels = useMemo(() => optionLabels(view, lang, t), [view, lang, t]);
  const [choice, setChoice] = useState<string>(() => String(poll.final_option ?? view.best[0] ?? view.options[0]?.id ?? ""));
  const { busy, error, run: runAs } = useKeyedSubmit<"close" | "final" | "undo">();
  useEffect(() => {
    if (!view.options.some((o) => String(o.id) === choice)) setChoice(String(view.best[0] ?? view.options[0]?.id ?? ""));
  }, [view.options, view.best, choice]);
  const run = (which: "close" | "final" | "undo", fn: () => Promise<PollView>) => runAs(which, async () => onView(await fn()));
  const finalOpt = poll.final_option === null ? null : labels.get(poll.final_option);
  return (
    <Card title={t("polls.admin.status")} id="poll-status">
      <div class="stack">
        <div class="poll-status-row">
          <p>{poll.closed ? (poll.closed_reason === "deadline" ? t("polls.admin.closedDeadline") : t("polls.admin.closedNow")) : t("polls.admin.openNow")}</p>
          {!(poll.closed && poll.closed_reason === "deadline") && (
            <Button variant="secondary" size="sm" loading={busy === "close"} onClick={() => void run("close", () => pollsApi.patch(token, { closed: !poll.closed }))}>
              {poll.closed ? t("polls.admin.reopen") : t("polls.admin.close")}
            </Button>
          )}
        </div>
        {poll.closed && poll.closed_reason === "deadline" && <p class="field-hint">{t("polls.admin.reopenHint")}</p>}
        {finalOpt ? (
          <div class="poll-status-row">
            <p>
              {t("polls.admin.finalIs")} <strong>{finalOpt.text}</strong>
            </p>
            <Button variant="secondary" size="sm" loading={busy === "undo"} onClick={() => void run("undo", () => pollsApi.finalise(token, null))}>
              {t("polls.admin.unfinalise")}
            </Button>
          </div>
        ) : (
          view.options.length > 0 && (
            <form
              class="inline-form poll-finalise"
              onSubmit={(e) => {
                e.preventDefault();
                if (choice) void run("final", () => pollsApi.finalise(token, Number(choice)));
              }}
            >
              <div class="field">
                <label for="poll-final-choice" class="field-label">
                  {t("polls.admin.finalise")}
                </label>
                <select id="poll-final-choice" class="select" value={choice} onChange={(e) => setChoice((e.currentTarget as HTMLSelectElement).value)}>
                  {view.options.map((o) => (
                    <option key={o.id} value={String(o.id)}>
                      {labels.get(o.id)!.text}
                      {view.best.includes(o.id) ? ` ★ ${t("polls.best")}` : ""}
                    </option>
                  ))}
                </select>
                <p class="field-hint">{t("polls.admin.finaliseHint")}</p>
              </div>
              <Button type="submit" loading={busy === "final"}>
                {t("polls.admin.finaliseButton")}
              </Button>
            </form>
          )
        )}
        <ErrorAlert error={error} />
      </div>
    </Card>
  );
}

function AdminSettings({ view, token, onView }: { view: PollView; token: string; onView: (v: PollView) => void }) {
  const { t } = useApp();
  const [baseline, setBaseline] = useState<PollView>(view);
  const [f, setF] = useState<SettingsForm>(() => settingsFromView(view));
  const set = (p: Partial<SettingsForm>) => {
    setSaved(false);
    setF((cur) => ({ ...cur, ...p }));
  };
  const [tried, setTried] = useState(false);
  const { busy, error, setError, run } = useSubmit();
  const [saved, setSaved] = useState(false);
  const errors = tried ? validateSettings(f, { creating: false }) : {};
  const patch = settingsPatch(f, baseline);
  const dirty = Object.keys(patch).length > 0;
  const save = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setError(null);
    if (Object.keys(validateSettings(f, { creating: false })).length) return;
    if (!dirty) return;
    await run(async () => {
      const v = await pollsApi.patch(token, patch);
      onView(v);
      setBaseline(v);
      setF(settingsFromView(v));
      setTried(false);
      setSaved(true);
    });
  };
  const reset = () => {
    setBaseline(view);
    setF(settingsFromView(view));
    setTried(false);
    setError(null);
  };
  return (
    <Card title={t("polls.admin.settings")} id="poll-settings">
      <form class="stack" onSubmit={save} noValidate>
        <AboutFields f={f} set={set} errors={errors} />
        <SettingsFields f={f} set={set} errors={errors} showZone hadPassword={view.poll.protected} />
        {Object.keys(errors).length > 0 && <Alert kind="error">{t("polls.err.fixFields", { count: Object.keys(errors).length })}</Alert>}
        <ErrorAlert error={error} />
        {saved && !dirty && <Alert kind="success">{t("polls.admin.saved")}</Alert>}
        <div class="form-actions">
          <Button variant="ghost" onClick={reset} disabled={busy}>
            {t("polls.admin.reset")}
          </Button>
          <Button type="submit" loading={busy} disabled={!dirty}>
            {t("polls.admin.saveSettings")}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function AdminOptions({ view, token, onView }: { view: PollView; token: string; onView: (v: PollView) => void }) {
  const { t, lang } = useApp();
  const isDate = view.poll.kind === "date";
  const [days, setDays] = useState<DayEntry[]>(() => daysFromOptions(view.options));
  const [items, setItems] = useState<ClassicItem[]>(() => classicFromOptions(view.options));
  const [tried, setTried] = useState(false);
  const { busy, error, setError, run } = useSubmit();
  const [saved, setSaved] = useState(false);
  const [dialog, confirm] = useConfirm();
  const built = isDate ? buildDateOptions(days) : buildClassicOptions(items);
  const problems = tried ? built.problems : {};
  const labels = useMemo(() => optionLabels(view, lang, t), [view, lang, t]);
  const empty = built.options.length === 0;

  const reset = () => {
    setDays(daysFromOptions(view.options));
    setItems(classicFromOptions(view.options));
    setTried(false);
    setError(null);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setError(null);
    setSaved(false);
    if (Object.keys(built.problems).length || empty || built.options.length > LIMITS.options) return;
    const lost = removedWithAnswers(view.options, view.participants, built.options);
    if (lost.length) {
      const ok = await confirm({
        title: t("polls.admin.removeAnsweredTitle", { count: lost.length }),
        body: t("polls.admin.removeAnsweredBody", { options: lost.map((o) => labels.get(o.id)?.text ?? "").join(" ; ") }),
        confirmLabel: t("polls.admin.removeAnsweredConfirm"),
        danger: true,
      });
      if (!ok) return;
    }
    await run(async () => {
      const v = await pollsApi.patchOptions(token, built.options as OptionInput[]);
      onView(v);
      setDays(daysFromOptions(v.options));
      setItems(classicFromOptions(v.options));
      setTried(false);
      setSaved(true);
    });
  };

  return (
    <Card title={isDate ? t("polls.admin.dates") : t("polls.admin.options")} description={t("polls.admin.optionsDesc")} id="poll-edit-options">
      <form class="stack" onSubmit={save} noValidate>
        {isDate ? (
          <DateOptionsEditor
            days={days}
            onDays={(d) => {
              setSaved(false);
              setDays(d);
            }}
            problems={problems as Record<string, SlotProblem>}
            timezone={view.poll.timezone}
            onTimezone={null}
          />
        ) : (
          <ClassicOptionsEditor
            items={items}
            onItems={(i) => {
              setSaved(false);
              setItems(i);
            }}
            problems={problems as Record<string, ClassicProblem>}
          />
        )}
        {tried && empty && <p class="field-error">{isDate ? t("polls.err.noDays") : t("polls.err.noOptions")}</p>}
        <ErrorAlert error={error} />
        {saved && <Alert kind="success">{t("polls.admin.optionsSaved")}</Alert>}
        <div class="form-actions">
          <Button variant="ghost" onClick={reset} disabled={busy}>
            {t("polls.admin.reset")}
          </Button>
          <Button type="submit" loading={busy}>
            {t("polls.admin.saveOptions")}
          </Button>
        </div>
      </form>
      {dialog}
    </Card>
  );
}

function AdminDelete({ token, onDeleted }: { token: string; onDeleted: () => void }) {
  const { t } = useApp();
  const [dialog, confirm] = useConfirm();
  const { busy, error, run } = useSubmit();
  const remove = async () => {
    const ok = await confirm({ title: t("polls.admin.deleteConfirm"), body: t("polls.admin.deleteBody"), confirmLabel: t("polls.admin.delete"), danger: true });
    if (!ok) return;
    await run(async () => {
      await pollsApi.remove(token);
      onDeleted();
      return STAY_BUSY;
    });
  };
  return (
    <Card title={t("polls.admin.danger")} class="card-danger" id="poll-danger">
      <div class="stack">
        <p class="muted small">{t("polls.admin.deleteBody")}</p>
        <ErrorAlert error={error} />
        <div>
          <Button variant="danger" onClick={() => void remove()} loading={busy}>
            {t("polls.admin.delete")}
          </Button>
        </div>
      </div>
      {dialog}
    </Card>
  );
}
