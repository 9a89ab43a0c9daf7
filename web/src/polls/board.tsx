// The poll board: the results table with the voting row (wide screens) or the list of options with
// totals, bars and toggles (phones), the participants' rows (edit / delete), the final option and
// the comments. Used by the public page and the admin page.
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import type { ComponentChildren } from "preact";
import { useEffect, useId, useMemo, useState } from "preact/hooks";
import { ApiError, errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { IconDownload, IconVideo } from "../components/icons.tsx";
import { navigate } from "../router.ts";
import { openLinkedRoom } from "../linked-room.ts";
import { Alert, Badge, Button, CopyField, cx, useConfirm } from "../components/ui.tsx";
import { type Lang, type MessageKey, type Translate, formatDateTime } from "../i18n/index.ts";
import { type PollTarget, editPage, finalIcsUrl, pollRoomName, pollsApi } from "./api.ts";
import { forgetAnswer, rememberAnsweredPoll } from "./device.ts";
import { LIMITS, nameProblem } from "./form.ts";
import { IconEdit, IconMaybe, IconNo, IconStar, IconTrash, IconYes } from "./icons.tsx";
import { type Ballot, answerChoices, ballotBody, barWidths, bestIds, hiddenReason, initialBallot, pickAnswer, totalsText, yesBlocked } from "./tally.ts";
import { browserTimeZone, dateOptionLabel, dayLabel, groupByDay, zoneCity } from "./time.ts";
import type { Answer, AnswerMode, Participant, PollOption, PollView, VoteAnswer } from "./types.ts";
import { personName } from "../people.ts";

// ---------------------------------------------------------------- option labels

export interface OptionLabel {
  /** The day for the viewer (date polls), "" for classic options. */
  day: string;
  dayText: string;
  /** Time for the viewer, or "whole day"; the label for classic options. */
  main: string;
  /** The poll-zone time when it reads differently for the viewer. */
  original: string | null;
  /** Everything in one line (aria labels, selects). */
  text: string;
}

export function optionLabels(view: PollView, lang: Lang, t: Translate, viewerZone = browserTimeZone()): Map<number, OptionLabel> {
  const out = new Map<number, OptionLabel>();
  const years = new Set(view.options.map((o) => (o.date ?? "").slice(0, 4)));
  const withYear = years.size > 1 || (years.size === 1 && !years.has(String(new Date().getFullYear())));
  for (const o of view.options) {
    if (view.poll.kind === "date") {
      const l = dateOptionLabel(o, view.poll.timezone, viewerZone);
      const dayText = dayLabel(lang, l.day, { year: withYear });
      const main = l.time ?? t("polls.wholeDay");
      const original = l.original
        ? t("polls.originalTime", {
            time: l.original.day !== l.day ? `${dayLabel(lang, l.original.day)} ${l.original.time}` : l.original.time,
            zone: zoneCity(l.original.zone),
          })
        : null;
      out.set(o.id, { day: l.day, dayText, main, original, text: `${dayText}, ${main}` });
    } else {
      out.set(o.id, { day: "", dayText: "", main: o.label, original: null, text: o.label });
    }
  }
  return out;
}

const ANSWER_KEY: Record<Answer, MessageKey> = { yes: "polls.answer.yes", maybe: "polls.answer.maybe", no: "polls.answer.no" };

function AnswerIcon({ a, size = 16 }: { a: Answer; size?: number }) {
  return a === "yes" ? <IconYes size={size} /> : a === "maybe" ? <IconMaybe size={size} /> : <IconNo size={size} />;
}

/** A participant's answer: icon + word, coloured. */
function AnswerMark({ a, t }: { a: Answer | null; t: Translate }) {
  if (!a) {
    return (
      <span class="poll-ans poll-ans-none">
        <span aria-hidden="true">–</span>
        <span class="visually-hidden">{t("polls.answer.none")}</span>
      </span>
    );
  }
  return (
    <span class={`poll-ans poll-ans-${a}`}>
      <AnswerIcon a={a} />
      <span class="poll-ans-text">{t(ANSWER_KEY[a])}</span>
    </span>
  );
}

/** The answer buttons of one option: yes / if need be / no, each aria-pressed. */
function AnswerToggle({
  option,
  label,
  value,
  mode,
  onPick,
  blockedYes,
  compact,
  t,
}: {
  option: PollOption;
  label: string;
  value: Answer | null;
  mode: AnswerMode;
  onPick: (a: Answer) => void;
  blockedYes: boolean;
  compact: boolean;
  t: Translate;
}) {
  return (
    <div class={cx("poll-toggle", compact && "poll-toggle-wide")} role="group" aria-label={label} data-option={option.id}>
      {answerChoices(mode).map((a) => {
        const disabled = a === "yes" && blockedYes;
        return (
          <button
            key={a}
            type="button"
            class={cx("poll-toggle-btn", `poll-toggle-${a}`)}
            aria-pressed={value === a ? "true" : "false"}
            data-answer={a}
            disabled={disabled}
            title={disabled ? t("polls.full") : `${t(ANSWER_KEY[a])} — ${label}`}
            onClick={() => onPick(a)}
          >
            <AnswerIcon a={a} size={compact ? 16 : 18} />
            <span class={compact ? "poll-toggle-text" : "visually-hidden"}>{t(ANSWER_KEY[a])}</span>
          </button>
        );
      })}
    </div>
  );
}

/** Text of an error when voting or changing a row: the server's reason stays visible. */
export function voteErrorText(t: Translate, err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === "conflict") return err.message && err.message !== err.code ? `${t("polls.err.voteRefused")} ${err.message}` : t("polls.err.voteRefused");
    if (err.code === "forbidden") return t("polls.err.forbiddenRow");
  }
  return errorText(t, err);
}

function Remaining({ o, t }: { o: PollOption; t: Translate }) {
  if (o.remaining === null) return null;
  return <span class={cx("poll-remaining", o.remaining === 0 && "is-full")}>{o.remaining === 0 ? t("polls.full") : t("polls.remaining", { count: o.remaining })}</span>;
}

// ---------------------------------------------------------------- the board

interface Editing {
  id: number;
  name: string;
  ballot: Ballot;
}

export function PollBoard({
  view,
  target,
  editToken,
  admin,
  compact,
  onReload,
}: {
  view: PollView;
  target: PollTarget;
  editToken: string | null;
  admin: boolean;
  compact: boolean;
  onReload: () => void;
}) {
  const { t, lang, user } = useApp();
  const { poll, options } = view;
  const labels = useMemo(() => optionLabels(view, lang, t), [view, lang, t]);
  const best = bestIds(view);
  const open = !poll.closed;
  const reason = hiddenReason(view);
  const mine = new Set(view.me?.rows ?? []);

  const defaultName = user ? user.display_name || user.username : "";
  const [name, setName] = useState(defaultName);
  const [ballot, setBallot] = useState<Ballot>(() => initialBallot(options));
  const [editing, setEditing] = useState<Editing | null>(null);
  // Voting and saving an edited row: one runs at a time, each with its own error.
  const voting = useSubmit((err) => voteErrorText(t, err));
  const saving = useSubmit((err) => voteErrorText(t, err));
  const { error: voteError, setError: setVoteError } = voting;
  const { error: editError, setError: setEditError } = saving;
  const busy = voting.busy ? "vote" : saving.busy ? "edit" : null;
  const [voted, setVoted] = useState<VoteAnswer | null>(null);
  const [dialog, confirm] = useConfirm();
  const formId = `vote${useId()}`;
  const editFormId = `edit${useId()}`;

  // Options added or removed (admin edits, live): keep the answers already chosen.
  const signature = options.map((o) => o.id).join(",");
  useEffect(() => {
    setBallot((b) => {
      const fresh = initialBallot(options);
      for (const o of options) if (b[o.id] !== undefined) fresh[o.id] = b[o.id]!;
      return fresh;
    });
    setEditing(null);
  }, [signature]);

  // A row being edited that disappeared (deleted elsewhere).
  useEffect(() => {
    if (editing && !view.participants.some((p) => p.id === editing.id)) setEditing(null);
  }, [view, editing]);

  const canEdit = (p: Participant) => admin || p.editable;

  const submitVote = async (e: Event) => {
    e.preventDefault();
    const problem = nameProblem(name);
    if (problem) {
      setVoteError(t(problem));
      return;
    }
    await voting.run(async () => {
      const res = await pollsApi.vote(poll.id, name.trim(), ballotBody(options, ballot));
      // An account finds it in "My polls"; a guest has this browser only.
      if (!user) rememberAnsweredPoll({ id: poll.id, title: poll.title, editToken: res.edit_token });
      setVoted(res);
      setBallot(initialBallot(options));
      setName(defaultName);
      onReload();
    });
  };

  const startEdit = (p: Participant) => {
    setEditError(null);
    setEditing({ id: p.id, name: p.name, ballot: initialBallot(options, p) });
  };

  const saveEdit = async (e: Event) => {
    e.preventDefault();
    if (!editing) return;
    const problem = nameProblem(editing.name);
    if (problem) {
      setEditError(t(problem));
      return;
    }
    await saving.run(async () => {
      await pollsApi.updateVote(target, editing.id, editing.name.trim(), ballotBody(options, editing.ballot), editToken);
      setEditing(null);
      onReload();
    });
  };

  const removeRow = async (p: Participant) => {
    const ok = await confirm({ title: t("polls.deleteRowConfirm", { name: p.name }), body: t("polls.deleteRowBody"), confirmLabel: t("polls.deleteRow"), danger: true });
    if (!ok) return;
    try {
      await pollsApi.deleteVote(target, p.id, editToken);
      if (!admin && !user && mine.has(p.id) && mine.size === 1) forgetAnswer(poll.id);
      if (editing?.id === p.id) setEditing(null);
      onReload();
    } catch (err) {
      setEditError(voteErrorText(t, err));
    }
  };

  const pick = (which: "new" | "edit", optionId: number, a: Answer) => {
    if (which === "new") setBallot((b) => pickAnswer(b, optionId, a, poll.one_choice));
    else setEditing((ed) => (ed ? { ...ed, ballot: pickAnswer(ed.ballot, optionId, a, poll.one_choice) } : ed));
  };

  /** Was this option a "yes" of the row being edited (it keeps its place when the option is full). */
  const hadYes = (rowId: number | null, index: number) => {
    if (rowId === null) return false;
    const row = view.participants.find((p) => p.id === rowId);
    return row?.answers[index] === "yes";
  };

  const rowButtons = (p: Participant) =>
    canEdit(p) && (open || admin) ? (
      <span class="poll-row-actions">
        <button
          type="button"
          class="icon-btn poll-icon-sm"
          onClick={() => startEdit(p)}
          aria-label={t("polls.editRow", { name: p.name })}
          title={t("polls.editRow", { name: p.name })}
        >
          <IconEdit size={16} />
        </button>
        <button
          type="button"
          class="icon-btn poll-icon-sm poll-danger"
          onClick={() => void removeRow(p)}
          aria-label={t("polls.deleteRowNamed", { name: p.name })}
          title={t("polls.deleteRowNamed", { name: p.name })}
        >
          <IconTrash size={16} />
        </button>
      </span>
    ) : null;

  const votedPanel = voted && (
    <Alert kind="success" title={t("polls.voted")} class="poll-voted">
      <p>{t("polls.votedBody")}</p>
      <CopyField label={t("polls.editLink")} value={location.origin + editPage(poll.id, voted.edit_token)} />
    </Alert>
  );

  const hidden = reason && (
    <Alert kind="info" class="poll-hidden">
      {reason === "after_voting" ? t("polls.hiddenAfterVoting") : t("polls.hiddenAdmin")}
    </Alert>
  );

  const editingRow = editing ? view.participants.find((p) => p.id === editing.id) : null;

  return (
    <div class="poll-board" data-participants={view.participants.length}>
      {hidden}
      {!open && !admin && <p class="muted small">{t("polls.closedNoVote")}</p>}
      {compact ? (
        <CompactBoard
          view={view}
          labels={labels}
          best={best}
          t={t}
          name={editing ? editing.name : name}
          onName={(v) => (editing ? setEditing({ ...editing, name: v }) : setName(v))}
          ballot={editing ? editing.ballot : ballot}
          onPick={(id, a) => pick(editing ? "edit" : "new", id, a)}
          editingName={editingRow?.name ?? null}
          onSubmit={editing ? saveEdit : submitVote}
          onCancel={() => setEditing(null)}
          busy={busy !== null}
          error={editing ? editError : voteError}
          canVote={open || (admin && !!editing)}
          rowButtons={rowButtons}
          hadYes={(i) => hadYes(editing?.id ?? null, i)}
          mine={mine}
        />
      ) : (
        <div class="table-wrap poll-table-wrap">
          <form id={formId} onSubmit={submitVote} />
          <form id={editFormId} onSubmit={saveEdit} />
          <table class={cx("poll-table", poll.kind === "classic" && "poll-table-classic")}>
            <caption class="visually-hidden">{t("polls.tableCaption")}</caption>
            <TableHead view={view} labels={labels} best={best} t={t} />
            <tbody>
              {view.participants.map((p) =>
                editing?.id === p.id ? (
                  <tr key={p.id} class="poll-row is-editing">
                    <th scope="row" class="poll-name-cell">
                      <div class="poll-name-form">
                        <label class="visually-hidden" for={`${editFormId}-name`}>
                          {t("polls.yourName")}
                        </label>
                        <input
                          id={`${editFormId}-name`}
                          form={editFormId}
                          class="input poll-name-input"
                          value={editing.name}
                          maxLength={LIMITS.name}
                          onInput={(e) => setEditing({ ...editing, name: (e.currentTarget as HTMLInputElement).value })}
                          required
                        />
                        <span class="poll-row-actions">
                          <Button type="submit" size="sm" form={editFormId} loading={busy === "edit"}>
                            {t("common.save")}
                          </Button>
                          <Button variant="ghost" size="sm" onClick={() => setEditing(null)}>
                            {t("common.cancel")}
                          </Button>
                        </span>
                      </div>
                    </th>
                    {options.map((o, i) => (
                      <td key={o.id} class="poll-vote-cell">
                        <AnswerToggle
                          option={o}
                          label={labels.get(o.id)!.text}
                          value={editing.ballot[o.id] ?? null}
                          mode={poll.answers}
                          onPick={(a) => pick("edit", o.id, a)}
                          blockedYes={yesBlocked(o, hadYes(p.id, i))}
                          compact={false}
                          t={t}
                        />
                      </td>
                    ))}
                  </tr>
                ) : (
                  <tr key={p.id} class={cx("poll-row", mine.has(p.id) && "is-mine")} data-row={p.id}>
                    <th scope="row" class="poll-name-cell">
                      <span class="poll-name">{personName(t, p.name)}</span>
                      {mine.has(p.id) && <Badge tone="accent">{t("polls.you")}</Badge>}
                      {rowButtons(p)}
                    </th>
                    {options.map((o, i) => (
                      <td key={o.id} class={cx("poll-cell", p.answers[i] && `poll-cell-${p.answers[i]}`, best.has(o.id) && "is-best", poll.final_option === o.id && "is-final")}>
                        <AnswerMark a={p.answers[i] ?? null} t={t} />
                      </td>
                    ))}
                  </tr>
                ),
              )}
              {open && (
                <tr class="poll-row poll-new-row">
                  <th scope="row" class="poll-name-cell">
                    <div class="poll-name-form">
                      <label class="visually-hidden" for={`${formId}-name`}>
                        {t("polls.yourName")}
                      </label>
                      <input
                        id={`${formId}-name`}
                        name="participant-name"
                        form={formId}
                        class="input poll-name-input"
                        value={name}
                        maxLength={LIMITS.name}
                        placeholder={t("polls.yourName")}
                        autocomplete="name"
                        onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
                      />
                      <Button type="submit" size="sm" form={formId} loading={busy === "vote"} class="poll-submit">
                        {t("polls.vote")}
                      </Button>
                    </div>
                  </th>
                  {options.map((o) => (
                    <td key={o.id} class="poll-vote-cell">
                      <AnswerToggle
                        option={o}
                        label={labels.get(o.id)!.text}
                        value={ballot[o.id] ?? null}
                        mode={poll.answers}
                        onPick={(a) => pick("new", o.id, a)}
                        blockedYes={yesBlocked(o, false)}
                        compact={false}
                        t={t}
                      />
                    </td>
                  ))}
                </tr>
              )}
            </tbody>
            {view.results_visible && (
              <tfoot>
                <tr class="poll-totals">
                  <th scope="row">{t("polls.total")}</th>
                  {options.map((o) => (
                    <td key={o.id} class={cx("poll-total", best.has(o.id) && "is-best", poll.final_option === o.id && "is-final")} data-option={o.id}>
                      <span class="poll-total-num" title={t("polls.totalsTitle", { yes: o.yes ?? 0, maybe: o.maybe ?? 0 })}>
                        {totalsText(o.yes, o.maybe, poll.answers)}
                      </span>
                    </td>
                  ))}
                </tr>
              </tfoot>
            )}
          </table>
        </div>
      )}
      {!compact && (voteError || editError) && <Alert kind="error">{editError ?? voteError}</Alert>}
      {votedPanel}
      {dialog}
    </div>
  );
}

function TableHead({ view, labels, best, t }: { view: PollView; labels: Map<number, OptionLabel>; best: Set<number>; t: Translate }) {
  const { poll, options } = view;
  const header = (o: PollOption) => {
    const l = labels.get(o.id)!;
    return (
      <th key={o.id} scope="col" class={cx("poll-opt", best.has(o.id) && "is-best", poll.final_option === o.id && "is-final")} data-option={o.id}>
        <span class="poll-opt-main">{l.main}</span>
        {l.original && <span class="poll-opt-orig">{l.original}</span>}
        {poll.kind === "classic" && <OptionLinks o={o} t={t} />}
        <Remaining o={o} t={t} />
        {poll.final_option === o.id ? (
          <span class="poll-flag poll-flag-final">
            <IconYes size={14} />
            {t("polls.chosen")}
          </span>
        ) : (
          best.has(o.id) && (
            <span class="poll-flag poll-flag-best">
              <IconStar size={14} />
              {t("polls.best")}
            </span>
          )
        )}
      </th>
    );
  };
  if (poll.kind === "date") {
    const groups = groupByDay(options, (o) => labels.get(o.id)!.day);
    return (
      <thead>
        <tr>
          <th rowSpan={2} scope="col" class="poll-name-head">
            {t("polls.participants", { count: view.participants.length })}
          </th>
          {groups.map((g) => (
            <th key={`${g.day}-${g.items[0]!.id}`} colSpan={g.items.length} scope="colgroup" class="poll-group-head">
              {labels.get(g.items[0]!.id)!.dayText}
            </th>
          ))}
        </tr>
        <tr>{options.map(header)}</tr>
      </thead>
    );
  }
  return (
    <thead>
      <tr>
        <th scope="col" class="poll-name-head">
          {t("polls.participants", { count: view.participants.length })}
        </th>
        {options.map(header)}
      </tr>
    </thead>
  );
}

/** A classic option's link and image, as links (images are never loaded: no third-party request). */
function OptionLinks({ o, t }: { o: PollOption; t: Translate }) {
  if (!o.url && !o.image_url) return null;
  return (
    <span class="poll-opt-links">
      {o.url && (
        <a href={o.url} target="_blank" rel="noopener noreferrer nofollow" aria-label={t("polls.linkOf", { label: o.label })}>
          {t("polls.link")}
        </a>
      )}
      {o.image_url && (
        <a href={o.image_url} target="_blank" rel="noopener noreferrer nofollow" aria-label={t("polls.imageOf", { label: o.label })}>
          {t("polls.image")}
        </a>
      )}
    </span>
  );
}

// ---------------------------------------------------------------- phones

function CompactBoard({
  view,
  labels,
  best,
  t,
  name,
  onName,
  ballot,
  onPick,
  editingName,
  onSubmit,
  onCancel,
  busy,
  error,
  canVote,
  rowButtons,
  hadYes,
  mine,
}: {
  view: PollView;
  labels: Map<number, OptionLabel>;
  best: Set<number>;
  t: Translate;
  name: string;
  onName: (v: string) => void;
  ballot: Ballot;
  onPick: (id: number, a: Answer) => void;
  editingName: string | null;
  onSubmit: (e: Event) => void;
  onCancel: () => void;
  busy: boolean;
  error: string | null;
  canVote: boolean;
  rowButtons: (p: Participant) => ComponentChildren;
  hadYes: (index: number) => boolean;
  mine: Set<number>;
}) {
  const { poll, options, participants } = view;
  const nameId = `n${useId()}`;
  const voting = canVote || editingName !== null;
  return (
    <div class="poll-compact">
      <form class="form poll-compact-form" onSubmit={onSubmit}>
        {voting && (
          <div class="field">
            <label for={nameId} class="field-label">
              {editingName !== null ? t("polls.editingRow", { name: editingName }) : t("polls.yourName")}
            </label>
            <input
              id={nameId}
              name="participant-name"
              class="input"
              value={name}
              maxLength={LIMITS.name}
              autocomplete="name"
              onInput={(e) => onName((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
        )}
        <ul class="poll-cards">
          {options.map((o, i) => {
            const l = labels.get(o.id)!;
            const bars = barWidths(o, participants.length);
            const who = (a: Answer) => participants.filter((p) => p.answers[i] === a).map((p) => p.name);
            return (
              <li key={o.id} class={cx("poll-card", best.has(o.id) && "is-best", poll.final_option === o.id && "is-final")} data-option={o.id}>
                <div class="poll-card-head">
                  <div class="poll-card-label">
                    {poll.kind === "date" && <span class="poll-card-day">{l.dayText}</span>}
                    <span class="poll-card-main">{l.main}</span>
                    {l.original && <span class="poll-opt-orig">{l.original}</span>}
                    {poll.kind === "classic" && <OptionLinks o={o} t={t} />}
                  </div>
                  <div class="poll-card-flags">
                    {poll.final_option === o.id ? (
                      <span class="poll-flag poll-flag-final">
                        <IconYes size={14} />
                        {t("polls.chosen")}
                      </span>
                    ) : (
                      best.has(o.id) && (
                        <span class="poll-flag poll-flag-best">
                          <IconStar size={14} />
                          {t("polls.best")}
                        </span>
                      )
                    )}
                    <Remaining o={o} t={t} />
                  </div>
                </div>
                {view.results_visible && (
                  <div class="poll-card-results">
                    <span class="poll-total" data-option={o.id}>
                      <span class="poll-total-num">{totalsText(o.yes, o.maybe, poll.answers)}</span>{" "}
                      <span class="muted small">
                        {o.maybe && poll.answers === "yes_maybe_no" ? `(${t("polls.totalsTitle", { yes: o.yes ?? 0, maybe: o.maybe })})` : t("polls.yesWord")}
                      </span>
                    </span>
                    <span class="poll-bar" role="img" aria-label={t("polls.barLabel", { yes: o.yes ?? 0, count: participants.length })}>
                      <span class="poll-bar-yes" style={{ width: `${bars.yes}%` }} />
                      <span class="poll-bar-maybe" style={{ width: `${bars.maybe}%` }} />
                    </span>
                    {participants.length > 0 && (
                      <details class="poll-who">
                        <summary>{t("polls.whoAnswered")}</summary>
                        <dl>
                          {answerChoices(poll.answers).map((a) => {
                            const names = who(a);
                            return names.length ? (
                              <div key={a} class={`poll-who-row poll-who-${a}`}>
                                <dt>
                                  <AnswerMark a={a} t={t} />
                                </dt>
                                <dd>{names.join(", ")}</dd>
                              </div>
                            ) : null;
                          })}
                        </dl>
                      </details>
                    )}
                  </div>
                )}
                {voting && (
                  <AnswerToggle
                    option={o}
                    label={l.text}
                    value={ballot[o.id] ?? null}
                    mode={poll.answers}
                    onPick={(a) => onPick(o.id, a)}
                    blockedYes={yesBlocked(o, hadYes(i))}
                    compact
                    t={t}
                  />
                )}
              </li>
            );
          })}
        </ul>
        {error && <Alert kind="error">{error}</Alert>}
        {voting && (
          <div class="form-actions">
            {editingName !== null && (
              <Button variant="secondary" onClick={onCancel}>
                {t("common.cancel")}
              </Button>
            )}
            <Button type="submit" loading={busy}>
              {editingName !== null ? t("polls.saveRow") : t("polls.vote")}
            </Button>
          </div>
        )}
      </form>
      {participants.length > 0 && (
        <section class="poll-people" aria-labelledby={`${nameId}-people`}>
          {/* Under the page's title (h1) in the phone layout: a level-2 heading, no level skipped. */}
          <h2 class="poll-subtitle" id={`${nameId}-people`}>
            {t("polls.participants", { count: participants.length })}
          </h2>
          <ul class="poll-people-list">
            {participants.map((p) => (
              <li key={p.id} class="poll-person" data-row={p.id}>
                <span class="poll-name">{personName(t, p.name)}</span>
                {mine.has(p.id) && <Badge tone="accent">{t("polls.you")}</Badge>}
                <span class="poll-person-answers">
                  {p.answers.map((a, i) => (
                    <span
                      key={i}
                      class={cx("poll-dot", a && `poll-dot-${a}`)}
                      title={`${labels.get(options[i]?.id ?? -1)?.text ?? ""}: ${a ? t(ANSWER_KEY[a]) : t("polls.answer.none")}`}
                    >
                      {a ? <AnswerIcon a={a} size={12} /> : <span aria-hidden="true">–</span>}
                      <span class="visually-hidden">{`${labels.get(options[i]?.id ?? -1)?.text ?? ""}: ${a ? t(ANSWER_KEY[a]) : t("polls.answer.none")}`}</span>
                    </span>
                  ))}
                </span>
                {rowButtons(p)}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- final option, comments

export function FinalBanner({ view }: { view: PollView }) {
  const { t, lang } = useApp();
  const { poll } = view;
  const o = poll.final_option === null ? null : view.options.find((x) => x.id === poll.final_option);
  const labels = useMemo(() => optionLabels(view, lang, t), [view, lang, t]);
  if (!o) return null;
  const l = labels.get(o.id)!;
  return (
    <section class="poll-final" aria-labelledby="poll-final-title">
      <span class="poll-final-icon">
        <IconYes size={22} />
      </span>
      <div class="poll-final-body">
        <h2 id="poll-final-title" class="poll-final-title">
          {t("polls.finalTitle")}
        </h2>
        <p class="poll-final-option">
          <strong>{poll.kind === "date" ? `${l.dayText} · ${l.main}` : l.main}</strong>
          {l.original && <span class="poll-opt-orig"> {l.original}</span>}
        </p>
      </div>
      <div class="poll-final-actions">
        {poll.kind === "date" && (
          <a class="btn btn-secondary btn-sm" href={finalIcsUrl(poll.id)} download>
            <IconDownload size={16} />
            {t("polls.addToCalendar")}
          </a>
        )}
        <MeetingRoomButton view={view} label={l.main} />
      </div>
    </section>
  );
}

/** Opens the poll's video room (created by whoever asks first), titled after the poll. */
function MeetingRoomButton({ view, label }: { view: PollView; label: string }) {
  const { t, user } = useApp();
  const { busy, error, run } = useSubmit();
  const open = async () => {
    await run(async () => {
      navigate(await openLinkedRoom(user, pollRoomName(view.poll.id), `${view.poll.title} · ${label}`));
      return STAY_BUSY;
    });
  };
  return (
    <>
      <Button variant="secondary" size="sm" loading={busy} onClick={() => void open()}>
        <IconVideo size={16} />
        {t("polls.videoRoom")}
      </Button>
      {error ? <Alert kind="error">{errorText(t, error)}</Alert> : null}
    </>
  );
}

export function Comments({ view, adminToken, onReload }: { view: PollView; adminToken: string | null; onReload: () => void }) {
  const { t, lang, user } = useApp();
  const [name, setName] = useState(user ? user.display_name || user.username : "");
  const [text, setText] = useState("");
  const { busy, error, setError, run } = useSubmit((err) => errorText(t, err));
  const [dialog, confirm] = useConfirm();
  const nameId = `cn${useId()}`;
  const textId = `ct${useId()}`;
  const submit = async (e: Event) => {
    e.preventDefault();
    const problem = nameProblem(name);
    if (problem) {
      setError(t(problem));
      return;
    }
    if (!text.trim()) {
      setError(t("polls.err.commentEmpty"));
      return;
    }
    await run(async () => {
      await pollsApi.comment(view.poll.id, name.trim(), text.trim());
      setText("");
      onReload();
    });
  };
  const remove = async (id: number, author: string) => {
    if (!adminToken) return;
    const ok = await confirm({ title: t("polls.deleteCommentConfirm", { name: author }), confirmLabel: t("polls.deleteComment"), danger: true });
    if (!ok) return;
    try {
      await pollsApi.deleteComment(adminToken, id);
      onReload();
    } catch (err) {
      setError(errorText(t, err));
    }
  };
  return (
    <section class="card poll-comments" aria-labelledby="poll-comments-title" id="poll-comments">
      <h2 class="card-title" id="poll-comments-title">
        {t("polls.comments", { count: view.comments.length })}
      </h2>
      {view.comments.length === 0 ? (
        <p class="muted small">{t("polls.noComments")}</p>
      ) : (
        <ul class="poll-comment-list">
          {view.comments.map((c) => (
            <li key={c.id} class="poll-comment" data-comment={c.id}>
              <div class="poll-comment-head">
                <strong class="poll-comment-author">{personName(t, c.author_name)}</strong>
                <time class="muted small" dateTime={c.created_at}>
                  {formatDateTime(lang, c.created_at)}
                </time>
                {adminToken && (
                  <button
                    type="button"
                    class="icon-btn poll-icon-sm poll-danger"
                    onClick={() => void remove(c.id, c.author_name)}
                    aria-label={t("polls.deleteCommentOf", { name: personName(t, c.author_name) })}
                    title={t("polls.deleteCommentOf", { name: personName(t, c.author_name) })}
                  >
                    <IconTrash size={16} />
                  </button>
                )}
              </div>
              <p class="poll-comment-text">{c.text}</p>
            </li>
          ))}
        </ul>
      )}
      {
        <form class="form poll-comment-form" onSubmit={submit}>
          <div class="field">
            <label for={nameId} class="field-label">
              {t("polls.yourName")}
            </label>
            <input
              id={nameId}
              name="comment-name"
              class="input"
              value={name}
              maxLength={LIMITS.name}
              autocomplete="name"
              onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <div class="field">
            <label for={textId} class="field-label">
              {t("polls.commentText")}
            </label>
            <textarea
              id={textId}
              name="comment-text"
              class="input poll-textarea"
              rows={3}
              maxLength={LIMITS.comment}
              value={text}
              onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
            />
          </div>
          {error && <Alert kind="error">{error}</Alert>}
          <div class="form-actions">
            <Button type="submit" loading={busy}>
              {t("polls.addComment")}
            </Button>
          </div>
        </form>
      }
      {dialog}
    </section>
  );
}
