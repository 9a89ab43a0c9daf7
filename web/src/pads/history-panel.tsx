// The pad page's history panel: saved revisions, the timeline of revisions, a past revision's
// text with its authors, and restoring it.
import { personName } from "../people.ts";
import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { useSubmit } from "../hooks/submit.ts";
import { errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { IconDownload, IconStar } from "../components/icons.tsx";
import { Avatar, Button, ErrorAlert, TextField, cx, useConfirm } from "../components/ui.tsx";
import { formatDateTime } from "../i18n/index.ts";
import { parseRuns, runsToRanges } from "./authorship.ts";
import { authorClass } from "./colors.ts";
import { type Author } from "./session.ts";
import { type RevisionInfo, type RevisionText, type SavedRevision, padsApi } from "./api.ts";

const enc = encodeURIComponent;

export function HistoryPanel({
  id,
  readonly,
  headRev,
  authors,
  toast,
}: {
  id: string;
  readonly: boolean;
  headRev: number;
  authors: Record<string, Author>;
  toast: (s: string) => void;
}) {
  const { t, lang } = useApp();
  const [rev, setRev] = useState(headRev);
  const [follow, setFollow] = useState(true);
  const [shown, setShown] = useState<RevisionText | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [list, setList] = useState<RevisionInfo[]>([]);
  const [playing, setPlaying] = useState(false);
  const [dialog, confirm] = useConfirm();
  // Restoring and starring a revision; a failure is told by a toast.
  const { busy, run } = useSubmit<void>((e) => toast(errorText(t, e)));
  const [saved, setSaved] = useState<SavedRevision[]>([]);
  const [savedTick, setSavedTick] = useState(0);
  const [saving, setSaving] = useState(false);
  const [label, setLabel] = useState("");
  const { busy: saveBusy, run: runSave } = useSubmit<void>((e) => toast(errorText(t, e)));

  // Saved (starred) revisions.
  useEffect(() => {
    let alive = true;
    padsApi.savedRevisions(id).then(
      (l) => alive && setSaved(Array.isArray(l) ? l : []),
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [id, savedTick]);

  const jump = (r: number) => {
    setPlaying(false);
    setFollow(r >= headRev);
    setRev(r);
  };

  const saveRevision = async (e: Event) => {
    e.preventDefault();
    await runSave(async () => {
      const s = await padsApi.saveRevision(id, rev, label.trim());
      toast(t("pad.revisionSaved", { rev: s.rev }));
      setSaving(false);
      setLabel("");
      setSavedTick((n) => n + 1);
    });
  };

  // Follow the newest revision until the user moves the slider.
  useEffect(() => {
    if (follow) setRev(headRev);
  }, [headRev, follow]);

  // Revision list, newest first; older pages as the slider goes back.
  useEffect(() => {
    let alive = true;
    padsApi.revisions(id).then(
      (l) => alive && setList(l),
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [id, headRev]);
  const oldest = list.length ? list[list.length - 1]!.rev : 0;
  useEffect(() => {
    if (!list.length || rev >= oldest || oldest <= 1) return;
    let alive = true;
    padsApi.revisions(id, oldest).then(
      (more) => alive && more.length && setList((l) => [...l, ...more.filter((m) => m.rev < oldest)]),
      () => {},
    );
    return () => {
      alive = false;
    };
  }, [rev, oldest, id, list.length]);

  // The text at the chosen revision.
  useEffect(() => {
    let alive = true;
    const timer = setTimeout(() => {
      padsApi.revision(id, rev).then(
        (r) => {
          if (!alive) return;
          setShown(r);
          setError(null);
        },
        (e) => alive && setError(e),
      );
    }, 80);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [id, rev]);

  // Play: one revision every 250 ms up to the newest.
  useEffect(() => {
    if (!playing) return;
    if (rev >= headRev) {
      setPlaying(false);
      return;
    }
    const timer = setTimeout(() => setRev((r) => Math.min(headRev, r + 1)), 250);
    return () => clearTimeout(timer);
  }, [playing, rev, headRev]);

  const info = list.find((r) => r.rev === rev);
  const allAuthors = useMemo(() => {
    const m: Record<string, Author> = { ...authors };
    for (const a of shown?.authors ?? []) if (!m[a.id]) m[a.id] = a;
    return m;
  }, [authors, shown]);
  const ranges = useMemo(() => (shown ? runsToRanges(shown.text, parseRuns(shown.authorship)) : []), [shown]);
  // Who has text in the pad at this revision, in the order their text first appears (as
  // Etherpad's timeslider lists them).
  const present = useMemo(() => [...new Set(ranges.map((r) => r.author).filter((a) => a))], [ranges]);
  const spans = useMemo(() => {
    if (!shown) return [] as ComponentChildren[];
    const out: ComponentChildren[] = [];
    let pos = 0;
    for (const r of ranges) {
      if (r.from > pos) out.push(shown.text.slice(pos, r.from));
      const a = allAuthors[r.author];
      out.push(
        <span key={r.from} class={authorClass(r.author, a?.color)} title={a ? personName(t, a.name) : undefined}>
          {shown.text.slice(r.from, r.to)}
        </span>,
      );
      pos = r.to;
    }
    if (pos < shown.text.length) out.push(shown.text.slice(pos));
    return out;
  }, [shown, ranges, allAuthors]);

  const restore = async () => {
    const ok = await confirm({ title: t("pad.restoreConfirm", { rev }), body: t("pad.restoreBody"), confirmLabel: t("pad.restore") });
    if (!ok) return;
    await run(async () => {
      await padsApi.restore(id, rev);
      toast(t("pad.restored", { rev }));
      setFollow(true);
    });
  };

  const author = info ? allAuthors[info.author_id] : undefined;
  return (
    <div class="stack pad-history">
      <div class="pad-slider">
        <Button
          variant="secondary"
          size="sm"
          onClick={() => {
            if (!playing && rev >= headRev) setRev(0);
            setFollow(false);
            setPlaying(!playing);
          }}
          aria-pressed={playing ? "true" : "false"}
        >
          {playing ? t("pad.pause") : t("pad.play")}
        </Button>
        <label class="visually-hidden" for="pad-rev">
          {t("pad.revision")}
        </label>
        <div class="pad-range-wrap">
          <input
            id="pad-rev"
            class="pad-range"
            type="range"
            min={0}
            max={headRev}
            step={1}
            value={rev}
            onInput={(e) => jump(Number((e.currentTarget as HTMLInputElement).value))}
          />
          {headRev > 0 && saved.length > 0 && (
            <div class="pad-range-marks" aria-hidden="true">
              {saved
                .filter((s) => s.rev <= headRev)
                .map((s) => (
                  <span
                    key={s.rev}
                    class={cx("pad-range-mark", s.rev === rev && "is-current")}
                    title={t("pad.savedMark", { rev: s.rev, label: s.label })}
                    style={{ left: `calc(8px + (100% - 16px) * ${s.rev / headRev})` }}
                    onClick={() => jump(s.rev)}
                  />
                ))}
            </div>
          )}
        </div>
      </div>
      <p class="pad-rev-meta">
        <strong>{t("pad.revisionOf", { rev, head: headRev })}</strong>
        {info && (
          <span class="muted small">
            {" · "}
            {author ? personName(t, author.name) : "?"}
            {" · "}
            {formatDateTime(lang, info.created_at)}
          </span>
        )}
      </p>
      {present.length > 0 && (
        <div class="pad-ts-authors">
          <span class="muted small">{t("pad.authorsAt")}</span>
          <ul class="pad-ts-author-list" aria-label={t("pad.authorsAt")}>
            {present.map((id) => {
              const a = allAuthors[id];
              return (
                <li key={id} class="pad-ts-author">
                  <Avatar name={a?.name ?? "?"} color={a?.color ?? "#888888"} size="sm" />
                  <span class="pad-ts-author-name">{a ? personName(t, a.name) : "?"}</span>
                </li>
              );
            })}
          </ul>
        </div>
      )}
      <ErrorAlert error={error} />
      <pre class="pad-ts-text pad-show-authors" aria-label={t("pad.revisionText", { rev })} data-rev={shown?.rev}>
        {shown ? spans : null}
      </pre>
      <div class="pad-export">
        <a class="btn btn-secondary btn-sm" href={`/api/v1/pads/${enc(id)}/export?format=txt&rev=${rev}`} download>
          <IconDownload size={16} />
          {t("pad.exportRevision")}
        </a>
        {!readonly && (
          <Button variant="secondary" size="sm" onClick={restore} loading={busy} disabled={rev >= headRev}>
            {t("pad.restore")}
          </Button>
        )}
        {!readonly && !saving && (
          <Button variant="secondary" size="sm" onClick={() => setSaving(true)}>
            <IconStar size={16} />
            {t("pad.saveRevision")}
          </Button>
        )}
      </div>
      {!readonly && saving && (
        <form class="form pad-save-form" onSubmit={saveRevision}>
          <TextField
            label={t("pad.saveRevisionLabel", { rev })}
            optional
            name="revision-label"
            value={label}
            onValue={setLabel}
            maxLength={200}
            autocomplete="off"
            placeholder={t("pad.saveRevisionPlaceholder")}
          />
          <div class="form-actions">
            <Button type="submit" size="sm" loading={saveBusy}>
              <IconStar size={16} />
              {t("pad.saveRevisionConfirm", { rev })}
            </Button>
            <Button variant="ghost" size="sm" onClick={() => setSaving(false)}>
              {t("common.cancel")}
            </Button>
          </div>
        </form>
      )}
      <section class="pad-section" aria-labelledby="pad-saved-title">
        <h3 class="pad-section-title" id="pad-saved-title">
          {t("pad.savedRevisions")}
        </h3>
        {saved.length === 0 ? (
          <p class="muted small">{t("pad.savedRevisionsEmpty")}</p>
        ) : (
          <ul class="pad-saved-list">
            {[...saved].reverse().map((s) => (
              <li key={s.rev}>
                <button type="button" class={cx("pad-saved", s.rev === rev && "is-current")} onClick={() => jump(s.rev)} aria-current={s.rev === rev ? "true" : undefined}>
                  <IconStar size={16} />
                  <span class="pad-saved-main">
                    <span class="pad-saved-label">{s.label}</span>
                    <span class="muted small">{t("pad.savedMeta", { rev: s.rev, name: s.saved_by, date: formatDateTime(lang, s.created_at) ?? "" })}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {dialog}
    </div>
  );
}
