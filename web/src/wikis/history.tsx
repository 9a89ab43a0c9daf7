// A page's history: revisions with two radio columns to pick what to compare, the diff (inline, or
// side by side on wide screens), a revert button per revision.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { Alert, Button, EmptyState, ErrorAlert, Link, Loading, cx, useConfirm } from "../components/ui.tsx";
import { formatDateTime } from "../i18n/index.ts";
import { navigate } from "../router.ts";
import { ensureIdentity } from "../hooks/identity.ts";
import { useMediaQuery } from "../hooks/media.ts";
import { wikisApi } from "./api.ts";
import { DiffView } from "./content.tsx";
import { isEmptyDiff } from "./diffview.ts";
import { IconRestore } from "./icons.tsx";
import { displayName, formatSizeChange, pageHref } from "./names.ts";
import { useWiki } from "./shell.tsx";
import type { DiffAnswer, History, Revision } from "./types.ts";
import { personName } from "../people.ts";

export function KindBadge({ kind }: { kind: string }) {
  const { t } = useApp();
  const known = ["create", "edit", "revert", "rename", "delete"].includes(kind);
  return <span class={cx("badge", "wiki-kind", `wiki-kind-${known ? kind : "edit"}`)}>{known ? t(`wiki.kind.${kind as "edit"}`) : kind}</span>;
}

export function SizeChange({ n }: { n: number }) {
  const { t } = useApp();
  return (
    <span class={cx("wiki-size", n > 0 && "is-plus", n < 0 && "is-minus")} title={t("wiki.history.sizeTitle")}>
      {formatSizeChange(n)}
    </span>
  );
}

export function HistoryPage({ name, from, to }: { name: string; from: number | null; to: number | null }) {
  const { t, lang, user } = useApp();
  const { wiki } = useWiki();
  const pageName = displayName(name || wiki.home_page);
  useTitle(`${t("wiki.history.title", { name: pageName })} · ${wiki.title}`);
  const [hist, setHist] = useState<History | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [more, setMore] = useState<{ busy: boolean; done: boolean }>({ busy: false, done: false });
  const [tick, setTick] = useState(0);
  const [pick, setPick] = useState<{ from: number | null; to: number | null }>({ from, to });
  const [flash, setFlashMsg] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [dialog, confirm] = useConfirm();

  useEffect(() => {
    let alive = true;
    wikisApi.history(wiki.slug, pageName).then(
      (h) => {
        if (!alive) return;
        setHist(h);
        setMore({ busy: false, done: h.revisions.length < 100 });
        setPick((p) => ({
          to: p.to ?? h.revisions[0]?.rev ?? null,
          from: p.from ?? h.revisions[1]?.rev ?? null,
        }));
      },
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [wiki.slug, pageName, tick]);

  useEffect(() => setPick({ from, to }), [from, to]);

  const loadMore = async () => {
    if (!hist) return;
    const last = hist.revisions[hist.revisions.length - 1];
    if (!last) return;
    setMore({ busy: true, done: false });
    try {
      const h = await wikisApi.history(wiki.slug, pageName, last.rev);
      setHist({ ...hist, revisions: [...hist.revisions, ...h.revisions] });
      setMore({ busy: false, done: h.revisions.length < 100 });
    } catch (e) {
      setActionError(e);
      setMore({ busy: false, done: false });
    }
  };

  const revert = async (r: Revision) => {
    if (!(await confirm({ title: t("wiki.rev.restoreConfirm", { rev: r.rev }), body: t("wiki.rev.restoreBody"), confirmLabel: t("wiki.rev.restore") }))) return;
    setActionError(null);
    try {
      await ensureIdentity(user);
      const res = await wikisApi.revert(wiki.slug, pageName, r.rev);
      setFlashMsg(t("wiki.rev.restored", { rev: r.rev, newRev: res.rev }));
      setPick({ from: null, to: null });
      navigate(pageHref(wiki.slug, pageName, "history"), { replace: true });
      setTick((n) => n + 1);
    } catch (e) {
      setActionError(e);
    }
  };

  const compare = (e: Event) => {
    e.preventDefault();
    if (pick.from === null || pick.to === null || pick.from === pick.to) return;
    const a = Math.min(pick.from, pick.to);
    const b = Math.max(pick.from, pick.to);
    history.replaceState(history.state, "", `${pageHref(wiki.slug, pageName, "history")}?from=${a}&to=${b}`);
    setCompared({ from: a, to: b });
  };
  const [compared, setCompared] = useState<{ from: number; to: number } | null>(from !== null && to !== null ? { from, to } : null);
  useEffect(() => setCompared(from !== null && to !== null ? { from, to } : null), [from, to]);

  const name1 = hist?.page ?? pageName;
  return (
    <div class="wiki-article">
      {dialog}
      <header class="wiki-page-head">
        <div class="wiki-page-heading">
          <h1>{t("wiki.history.title", { name: name1 })}</h1>
          <p class="muted small wiki-page-meta">
            <Link href={pageHref(wiki.slug, name1)}>{t("wiki.history.backToPage")}</Link>
            {hist?.deleted && <span class="badge badge-danger">{t("wiki.history.deleted")}</span>}
          </p>
        </div>
      </header>
      {flash && <Alert kind="success">{flash}</Alert>}
      <ErrorAlert error={actionError} />
      {error ? (
        <ErrorAlert error={error} />
      ) : !hist ? (
        <Loading />
      ) : hist.revisions.length === 0 ? (
        <EmptyState>{t("wiki.history.empty")}</EmptyState>
      ) : (
        <form class="wiki-history" onSubmit={compare}>
          <div class="wiki-history-bar">
            <p class="muted small">{t("wiki.history.pickHint")}</p>
            <Button type="submit" size="sm" disabled={pick.from === null || pick.to === null || pick.from === pick.to}>
              {t("wiki.history.compare")}
            </Button>
          </div>
          <ol class="wiki-revs">
            {hist.revisions.map((r, i) => (
              <li key={r.rev} class="wiki-rev" data-rev={r.rev}>
                <span class="wiki-rev-picks">
                  <input
                    type="radio"
                    name="from"
                    value={r.rev}
                    checked={pick.from === r.rev}
                    onChange={() => setPick((p) => ({ ...p, from: r.rev }))}
                    aria-label={t("wiki.history.pickFrom", { rev: r.rev })}
                  />
                  <input
                    type="radio"
                    name="to"
                    value={r.rev}
                    checked={pick.to === r.rev}
                    onChange={() => setPick((p) => ({ ...p, to: r.rev }))}
                    aria-label={t("wiki.history.pickTo", { rev: r.rev })}
                  />
                </span>
                <div class="wiki-rev-main">
                  <div class="wiki-rev-line">
                    <Link href={`${pageHref(wiki.slug, name1)}?rev=${r.rev}`} class="wiki-rev-num">
                      {t("wiki.history.rev", { rev: r.rev })}
                    </Link>
                    <span class="muted small">{formatDateTime(lang, r.created_at)}</span>
                    <strong class="small">{personName(t, r.author_name)}</strong>
                    <KindBadge kind={r.kind} />
                    <SizeChange n={r.size_change} />
                    {i === 0 && hist.rev === r.rev && !hist.deleted && <span class="badge badge-accent">{t("wiki.history.current")}</span>}
                  </div>
                  {r.summary && <p class="wiki-rev-summary">{r.summary}</p>}
                </div>
                <div class="row-actions">
                  {r.kind !== "delete" && (
                    <Link
                      href={`${pageHref(wiki.slug, name1, "history")}?from=${r.rev - 1}&to=${r.rev}`}
                      class="btn btn-ghost btn-sm"
                      aria-label={t("wiki.history.diffPrevOf", { rev: r.rev })}
                    >
                      {t("wiki.history.diffPrev")}
                    </Link>
                  )}
                  {wiki.can_edit && !(i === 0 && hist.rev === r.rev && !hist.deleted) && (
                    <Button variant="ghost" size="sm" onClick={() => revert(r)} aria-label={t("wiki.history.revertTo", { rev: r.rev })}>
                      <IconRestore />
                      {t("wiki.history.revert")}
                    </Button>
                  )}
                </div>
              </li>
            ))}
          </ol>
          {!more.done && (
            <Button variant="secondary" size="sm" onClick={loadMore} loading={more.busy}>
              {t("wiki.loadMore")}
            </Button>
          )}
        </form>
      )}
      {compared && <DiffPanel name={name1} from={compared.from} to={compared.to} />}
    </div>
  );
}

export function DiffPanel({ name, from, to }: { name: string; from: number; to: number }) {
  const { t } = useApp();
  const { wiki } = useWiki();
  const narrow = useMediaQuery("(max-width: 760px)");
  const [mode, setMode] = useState<"inline" | "side">("inline");
  const [state, setState] = useState<{ data: DiffAnswer | null; error: unknown }>({ data: null, error: null });
  useEffect(() => {
    let alive = true;
    setState({ data: null, error: null });
    wikisApi.diff(wiki.slug, name, from, to).then(
      (d) => {
        if (!alive) return;
        setState({ data: d, error: null });
        // The diff is below the list: bring it into view (and to screen readers).
        requestAnimationFrame(() => {
          const h = document.getElementById("wiki-diff-title");
          h?.closest("section")?.scrollIntoView({ block: "start" });
          h?.setAttribute("tabindex", "-1");
          h?.focus({ preventScroll: true });
        });
      },
      (e) => alive && setState({ data: null, error: e }),
    );
    return () => {
      alive = false;
    };
  }, [wiki.slug, name, from, to]);
  const shown = narrow ? "inline" : mode;
  return (
    <section class="card wiki-diff-card" id="wiki-diff" aria-labelledby="wiki-diff-title">
      <header class="wiki-diff-head">
        <div>
          <h2 id="wiki-diff-title" class="card-title">
            {from === 0 ? t("wiki.diff.titleFromEmpty", { to }) : t("wiki.diff.title", { from, to })}
          </h2>
          {state.data && (
            <p class="small muted">
              <span class="wiki-size is-plus">{t("wiki.diff.linesAdded", { n: state.data.diff.added })}</span>{" "}
              <span class="wiki-size is-minus">{t("wiki.diff.linesRemoved", { n: state.data.diff.removed })}</span>
            </p>
          )}
        </div>
        {!narrow && (
          <div class="wiki-seg" role="group" aria-label={t("wiki.diff.layout")}>
            <button
              type="button"
              class={cx("wiki-seg-btn", shown === "inline" && "is-active")}
              aria-pressed={shown === "inline" ? "true" : "false"}
              onClick={() => setMode("inline")}
            >
              {t("wiki.diff.inline")}
            </button>
            <button type="button" class={cx("wiki-seg-btn", shown === "side" && "is-active")} aria-pressed={shown === "side" ? "true" : "false"} onClick={() => setMode("side")}>
              {t("wiki.diff.side")}
            </button>
          </div>
        )}
      </header>
      {state.error ? (
        <p class="field-error">{errorText(t, state.error)}</p>
      ) : !state.data ? (
        <Loading />
      ) : isEmptyDiff(state.data.diff) ? (
        <EmptyState>{t("wiki.diff.identical")}</EmptyState>
      ) : (
        <DiffView diff={state.data.diff} mode={shown} />
      )}
    </section>
  );
}
