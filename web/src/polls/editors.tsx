// Form pieces shared by the create page and the admin page: the date options editor (calendar +
// days with time slots), the classic options editor, the time zone select and the settings.
import type { ComponentChildren } from "preact";
import { useId, useMemo } from "preact/hooks";
import { useApp } from "../context.tsx";
import { IconClose } from "../components/icons.tsx";
import { Button, TextField, cx } from "../components/ui.tsx";
import type { MessageKey } from "../i18n/index.ts";
import { DayPicker } from "./calendar-view.tsx";
import { IconDown, IconPlus, IconUp } from "./icons.tsx";
import { type SettingsErrors, type SettingsForm, LIMITS } from "./form.ts";
import {
  type ClassicItem,
  type ClassicProblem,
  type DayEntry,
  type SlotProblem,
  LABEL_MAX,
  addSlot,
  classicItem,
  copyTimesToAll,
  moveItem,
  removeSlot,
  toggleDay,
  updateSlot,
} from "./options.ts";
import { browserTimeZone, dayLabel, timeZoneList } from "./time.ts";
import type { AnswerMode, EditMode, ResultsMode } from "./types.ts";

const SLOT_PROBLEM: Record<SlotProblem, MessageKey> = {
  start_missing: "polls.err.startMissing",
  start_invalid: "polls.err.timeInvalid",
  end_invalid: "polls.err.timeInvalid",
  end_before_start: "polls.err.endBeforeStart",
  duplicate: "polls.err.duplicateTime",
};

const CLASSIC_PROBLEM: Record<ClassicProblem, MessageKey> = {
  label_missing: "polls.err.labelMissing",
  label_too_long: "polls.err.labelTooLong",
  url_invalid: "polls.err.urlInvalid",
  image_invalid: "polls.err.urlInvalid",
  duplicate: "polls.err.duplicateLabel",
};

export function DateOptionsEditor({
  days,
  onDays,
  problems,
  timezone,
  onTimezone,
}: {
  days: DayEntry[];
  onDays: (d: DayEntry[]) => void;
  problems: Record<string, SlotProblem>;
  timezone: string;
  /** Null: the zone is shown, and changed elsewhere (the admin's settings). */
  onTimezone: ((z: string) => void) | null;
}) {
  const { t, lang } = useApp();
  const selected = useMemo(() => new Set(days.map((d) => d.date)), [days]);
  const years = new Set(days.map((d) => d.date.slice(0, 4)));
  const withYear = years.size > 1 || (years.size === 1 && !years.has(String(new Date().getFullYear())));
  return (
    <div class="poll-dates">
      <DayPicker selected={selected} onToggle={(iso) => onDays(toggleDay(days, iso))} initial={days[0]?.date} />
      <div class="poll-days">
        <h3 class="poll-subtitle">{t("polls.new.selectedDays", { count: days.length })}</h3>
        {days.length === 0 ? (
          <p class="muted small poll-days-empty">{t("polls.new.noDays")}</p>
        ) : (
          <ul class="poll-day-list">
            {days.map((d) => {
              const label = dayLabel(lang, d.date, { long: true, year: withYear });
              const timed = d.slots.filter((s) => !s.whole);
              return (
                <li key={d.date} class="poll-day-item" data-day={d.date}>
                  <div class="poll-day-head">
                    <strong>{label}</strong>
                    <button
                      type="button"
                      class="icon-btn poll-icon-sm"
                      onClick={() => onDays(toggleDay(days, d.date))}
                      aria-label={t("polls.new.removeDay", { day: label })}
                      title={t("polls.new.removeDay", { day: label })}
                    >
                      <IconClose size={16} />
                    </button>
                  </div>
                  <ul class="poll-slots">
                    {d.slots.map((s, i) =>
                      s.whole ? (
                        <li key={s.key} class="poll-slot">
                          <span class="poll-whole">{t("polls.wholeDay")}</span>
                          {d.slots.length > 1 && (
                            <button
                              type="button"
                              class="icon-btn poll-icon-sm"
                              onClick={() => onDays(removeSlot(days, d.date, s.key))}
                              aria-label={t("polls.new.removeWholeDay", { day: label })}
                            >
                              <IconClose size={16} />
                            </button>
                          )}
                        </li>
                      ) : (
                        <li key={s.key} class="poll-slot">
                          <TimeInput
                            label={t("polls.new.start")}
                            aria={t("polls.new.startOf", { day: label, n: i + 1 })}
                            value={s.start}
                            onValue={(v) => onDays(updateSlot(days, d.date, s.key, { start: v }))}
                            invalid={!!problems[s.key]}
                          />
                          <span aria-hidden="true" class="poll-slot-dash">
                            –
                          </span>
                          <TimeInput
                            label={t("polls.new.end")}
                            aria={t("polls.new.endOf", { day: label, n: i + 1 })}
                            value={s.end}
                            onValue={(v) => onDays(updateSlot(days, d.date, s.key, { end: v }))}
                            invalid={problems[s.key] === "end_before_start" || problems[s.key] === "end_invalid"}
                          />
                          <button
                            type="button"
                            class="icon-btn poll-icon-sm"
                            onClick={() => onDays(removeSlot(days, d.date, s.key))}
                            aria-label={t("polls.new.removeTime", { day: label, n: i + 1 })}
                            title={t("polls.new.removeTime", { day: label, n: i + 1 })}
                          >
                            <IconClose size={16} />
                          </button>
                          {problems[s.key] && <p class="field-error poll-slot-error">{t(SLOT_PROBLEM[problems[s.key]!])}</p>}
                        </li>
                      ),
                    )}
                  </ul>
                  <div class="poll-day-actions">
                    <Button variant="ghost" size="sm" onClick={() => onDays(addSlot(days, d.date))} aria-label={t("polls.new.addTimeTo", { day: label })}>
                      <IconPlus size={16} />
                      {t("polls.new.addTime")}
                    </Button>
                    {timed.length > 0 && days.length > 1 && (
                      <Button variant="ghost" size="sm" onClick={() => onDays(copyTimesToAll(days, d.date))}>
                        {t("polls.new.copyTimes")}
                      </Button>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
        )}
        {onTimezone ? (
          <TimeZoneSelect value={timezone} onValue={onTimezone} hint={t("polls.new.zoneHint")} />
        ) : (
          <p class="field-hint">{t("polls.admin.zoneIs", { zone: timezone.replace(/_/g, " ") })}</p>
        )}
      </div>
    </div>
  );
}

function TimeInput({ label, aria, value, onValue, invalid }: { label: string; aria: string; value: string; onValue: (v: string) => void; invalid: boolean }) {
  const id = `t${useId()}`;
  return (
    <span class="poll-time-field">
      <label for={id} class="poll-time-label">
        {label}
      </label>
      <input
        id={id}
        type="time"
        class={cx("input poll-time-input", invalid && "is-invalid")}
        value={value}
        aria-label={aria}
        aria-invalid={invalid ? "true" : undefined}
        onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
        onChange={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
      />
    </span>
  );
}

export function TimeZoneSelect({ value, onValue, hint }: { value: string; onValue: (z: string) => void; hint?: string }) {
  const { t } = useApp();
  const id = `z${useId()}`;
  const zones = useMemo(() => timeZoneList([value, browserTimeZone()]), [value]);
  return (
    <div class="field poll-zone">
      <label for={id} class="field-label">
        {t("polls.new.timezone")}
      </label>
      <select id={id} class="select" value={value} onChange={(e) => onValue((e.currentTarget as HTMLSelectElement).value)} aria-describedby={hint ? `${id}-hint` : undefined}>
        {zones.map((z) => (
          <option key={z} value={z}>
            {z.replace(/_/g, " ")}
          </option>
        ))}
      </select>
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

export function ClassicOptionsEditor({ items, onItems, problems }: { items: ClassicItem[]; onItems: (i: ClassicItem[]) => void; problems: Record<string, ClassicProblem> }) {
  const { t } = useApp();
  const set = (key: string, patch: Partial<ClassicItem>) => onItems(items.map((it) => (it.key === key ? { ...it, ...patch } : it)));
  return (
    <div class="poll-classic">
      <ol class="poll-classic-list">
        {items.map((it, i) => {
          const n = i + 1;
          const problem = problems[it.key];
          return (
            <li key={it.key} class="poll-classic-item" data-option-index={n}>
              <div class="poll-classic-main">
                <TextField
                  label={t("polls.new.optionN", { n })}
                  value={it.label}
                  onValue={(v) => set(it.key, { label: v })}
                  maxLength={LABEL_MAX}
                  autocomplete="off"
                  error={problem === "label_missing" || problem === "label_too_long" || problem === "duplicate" ? t(CLASSIC_PROBLEM[problem]) : null}
                />
                <div class="poll-classic-links">
                  <TextField
                    label={t("polls.new.link")}
                    optional
                    type="url"
                    value={it.url}
                    onValue={(v) => set(it.key, { url: v })}
                    placeholder="https://…"
                    autocomplete="off"
                    spellcheck={false}
                    error={problem === "url_invalid" ? t(CLASSIC_PROBLEM.url_invalid) : null}
                  />
                  <TextField
                    label={t("polls.new.image")}
                    optional
                    type="url"
                    value={it.image_url}
                    onValue={(v) => set(it.key, { image_url: v })}
                    placeholder="https://…"
                    autocomplete="off"
                    spellcheck={false}
                    error={problem === "image_invalid" ? t(CLASSIC_PROBLEM.image_invalid) : null}
                  />
                </div>
              </div>
              <div class="poll-classic-actions">
                <button
                  type="button"
                  class="icon-btn poll-icon-sm poll-up"
                  disabled={i === 0}
                  onClick={() => onItems(moveItem(items, i, -1))}
                  aria-label={t("polls.new.moveUp", { n })}
                  title={t("polls.new.moveUp", { n })}
                >
                  <IconUp size={16} />
                </button>
                <button
                  type="button"
                  class="icon-btn poll-icon-sm poll-down"
                  disabled={i === items.length - 1}
                  onClick={() => onItems(moveItem(items, i, 1))}
                  aria-label={t("polls.new.moveDown", { n })}
                  title={t("polls.new.moveDown", { n })}
                >
                  <IconDown size={16} />
                </button>
                <button
                  type="button"
                  class="icon-btn poll-icon-sm"
                  disabled={items.length <= 1}
                  onClick={() => onItems(items.filter((x) => x.key !== it.key))}
                  aria-label={t("polls.new.removeOption", { n })}
                  title={t("polls.new.removeOption", { n })}
                >
                  <IconClose size={16} />
                </button>
              </div>
            </li>
          );
        })}
      </ol>
      <Button variant="secondary" size="sm" onClick={() => onItems([...items, classicItem()])} disabled={items.length >= LIMITS.options}>
        <IconPlus size={16} />
        {t("polls.new.addOption")}
      </Button>
      <p class="field-hint">{t("polls.new.imageHint")}</p>
    </div>
  );
}

/** A textarea with its label, hint and error (the design system has no textarea component). */
export function TextArea({
  label,
  value,
  onValue,
  hint,
  error,
  optional,
  maxLength,
  rows = 5,
  name,
  required,
}: {
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string;
  error?: string | null;
  optional?: boolean;
  maxLength?: number;
  rows?: number;
  name?: string;
  required?: boolean;
}) {
  const { t } = useApp();
  const id = `a${useId()}`;
  const describedBy = [hint ? `${id}-hint` : "", error ? `${id}-err` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class="field">
      <label for={id} class="field-label">
        {label}
        {optional && <span class="field-optional"> ({t("common.optional")})</span>}
      </label>
      <textarea
        id={id}
        name={name}
        class={cx("input poll-textarea", error && "is-invalid")}
        rows={rows}
        value={value}
        maxLength={maxLength}
        required={required}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy}
        onInput={(e) => onValue((e.currentTarget as HTMLTextAreaElement).value)}
      />
      {hint && (
        <p id={`${id}-hint`} class="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-err`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function Radios<T extends string>({
  legend,
  name,
  value,
  onValue,
  choices,
}: {
  legend: string;
  name: string;
  value: T;
  onValue: (v: T) => void;
  choices: { value: T; label: string; hint?: string }[];
}) {
  return (
    <fieldset class="field poll-radios">
      <legend class="field-label">{legend}</legend>
      {choices.map((c) => (
        <label key={c.value} class="poll-check">
          <input type="radio" name={name} value={c.value} checked={value === c.value} onChange={() => onValue(c.value)} />
          <span>
            {c.label}
            {c.hint && <span class="poll-check-hint">{c.hint}</span>}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function Check({
  label,
  checked,
  onChange,
  disabled,
  hint,
  name,
}: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  disabled?: boolean;
  hint?: string;
  name?: string;
}) {
  return (
    <label class={cx("poll-check", disabled && "is-disabled")}>
      <input type="checkbox" name={name} checked={checked} disabled={disabled} onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked)} />
      <span>
        {label}
        {hint && <span class="poll-check-hint">{hint}</span>}
      </span>
    </label>
  );
}

/** Title, description, author: the top of the create form and of the admin's settings. */
export function AboutFields({ f, set, errors }: { f: SettingsForm; set: (p: Partial<SettingsForm>) => void; errors: SettingsErrors }) {
  const { t } = useApp();
  const err = (k: keyof SettingsForm) => (errors[k] ? t(errors[k]!) : null);
  return (
    <div class="form">
      <TextField
        label={t("polls.new.title")}
        name="poll-title"
        value={f.title}
        onValue={(v) => set({ title: v })}
        maxLength={LIMITS.title}
        required
        autocomplete="off"
        error={err("title")}
        placeholder={t("polls.new.titlePlaceholder")}
      />
      <TextArea
        label={t("polls.new.description")}
        name="poll-description"
        optional
        value={f.description}
        onValue={(v) => set({ description: v })}
        maxLength={LIMITS.description}
        hint={t("polls.new.descriptionHint")}
        error={err("description")}
      />
      <div class="form-row">
        <TextField
          label={t("polls.new.author")}
          name="poll-author"
          value={f.author_name}
          onValue={(v) => set({ author_name: v })}
          maxLength={LIMITS.name}
          required
          autocomplete="name"
          error={err("author_name")}
        />
        <TextField
          label={t("polls.new.email")}
          name="poll-email"
          type="email"
          optional
          value={f.author_email}
          onValue={(v) => set({ author_email: v })}
          autocomplete="email"
          hint={t("polls.new.emailHint")}
          error={err("author_email")}
        />
      </div>
    </div>
  );
}

/** "More settings": answers, deadline, password, visibility, limits, edits, notifications. */
export function SettingsFields({
  f,
  set,
  errors,
  showZone,
  hadPassword,
  children,
}: {
  f: SettingsForm;
  set: (p: Partial<SettingsForm>) => void;
  errors: SettingsErrors;
  showZone: boolean;
  hadPassword?: boolean;
  children?: ComponentChildren;
}) {
  const { t, instance } = useApp();
  const err = (k: keyof SettingsForm) => (errors[k] ? t(errors[k]!) : null);
  const dlId = `d${useId()}`;
  const myId = `m${useId()}`;
  // Mail needs both an address here and a mail server on the instance (`password_reset` says
  // whether the instance sends mail).
  const mailOff = !instance.password_reset;
  const hasEmail = !mailOff && !!f.author_email.trim();
  return (
    <div class="poll-settings">
      <Radios<AnswerMode>
        legend={t("polls.set.answers")}
        name="answers"
        value={f.answers}
        onValue={(v) => set({ answers: v })}
        choices={[
          { value: "yes_maybe_no", label: t("polls.set.answers.ymn") },
          { value: "yes_no", label: t("polls.set.answers.yn") },
        ]}
      />
      <div class="field">
        <label for={dlId} class="field-label">
          {t("polls.set.deadline")}
          <span class="field-optional"> ({t("common.optional")})</span>
        </label>
        <input
          id={dlId}
          type="date"
          name="deadline"
          class={cx("input poll-date-input", errors.deadline && "is-invalid")}
          value={f.deadline}
          min="1970-01-01"
          max="2199-12-31"
          onInput={(e) => set({ deadline: (e.currentTarget as HTMLInputElement).value })}
          onChange={(e) => set({ deadline: (e.currentTarget as HTMLInputElement).value })}
          aria-describedby={`${dlId}-hint`}
          aria-invalid={errors.deadline ? "true" : undefined}
        />
        <p class="field-hint" id={`${dlId}-hint`}>
          {t("polls.set.deadlineHint", { zone: f.timezone.replace(/_/g, " ") })}
        </p>
        {err("deadline") && <p class="field-error">{err("deadline")}</p>}
      </div>
      {showZone && <TimeZoneSelect value={f.timezone} onValue={(z) => set({ timezone: z })} />}
      <div class="field">
        <TextField
          label={hadPassword ? t("polls.set.passwordNew") : t("polls.set.password")}
          optional
          type="password"
          name="poll-password"
          value={f.password}
          onValue={(v) => set({ password: v, removePassword: false })}
          autocomplete="new-password"
          maxLength={LIMITS.passwordMax}
          hint={hadPassword ? t("polls.set.passwordKeep") : t("polls.set.passwordHint")}
          error={err("password")}
        />
        {hadPassword && (
          <Check
            label={t("polls.set.passwordRemove")}
            name="remove-password"
            checked={f.removePassword}
            onChange={(v) => set({ removePassword: v, password: v ? "" : f.password })}
          />
        )}
      </div>
      <Radios<ResultsMode>
        legend={t("polls.set.results")}
        name="results"
        value={f.results}
        onValue={(v) => set({ results: v })}
        choices={[
          { value: "everyone", label: t("polls.set.results.everyone") },
          { value: "after_voting", label: t("polls.set.results.after") },
          { value: "admin", label: t("polls.set.results.admin") },
        ]}
      />
      <div class="field">
        <label for={myId} class="field-label">
          {t("polls.set.maxYes")}
          <span class="field-optional"> ({t("common.optional")})</span>
        </label>
        <input
          id={myId}
          type="number"
          inputMode="numeric"
          name="max-yes"
          class={cx("input poll-number", errors.max_yes && "is-invalid")}
          min={1}
          max={LIMITS.maxYes}
          step={1}
          value={f.max_yes}
          onInput={(e) => set({ max_yes: (e.currentTarget as HTMLInputElement).value })}
          aria-describedby={`${myId}-hint`}
          aria-invalid={errors.max_yes ? "true" : undefined}
        />
        <p class="field-hint" id={`${myId}-hint`}>
          {t("polls.set.maxYesHint")}
        </p>
        {err("max_yes") && <p class="field-error">{err("max_yes")}</p>}
      </div>
      <Check label={t("polls.set.oneChoice")} name="one-choice" hint={t("polls.set.oneChoiceHint")} checked={f.one_choice} onChange={(v) => set({ one_choice: v })} />
      <Radios<EditMode>
        legend={t("polls.set.editMode")}
        name="edit-mode"
        value={f.edit_mode}
        onValue={(v) => set({ edit_mode: v })}
        choices={[
          { value: "own", label: t("polls.set.edit.own") },
          { value: "anyone", label: t("polls.set.edit.anyone") },
          { value: "none", label: t("polls.set.edit.none") },
        ]}
      />
      <fieldset class="field poll-radios">
        <legend class="field-label">{t("polls.set.notify")}</legend>
        {mailOff ? <p class="field-hint">{t("polls.set.notifyMailOff")}</p> : !hasEmail && <p class="field-hint">{t("polls.set.notifyNeedsEmail")}</p>}
        <Check label={t("polls.set.notifyVotes")} name="notify-votes" checked={hasEmail && f.notify_votes} disabled={!hasEmail} onChange={(v) => set({ notify_votes: v })} />
        <Check
          label={t("polls.set.notifyComments")}
          name="notify-comments"
          checked={hasEmail && f.notify_comments}
          disabled={!hasEmail}
          onChange={(v) => set({ notify_comments: v })}
        />
        <Check
          label={t("polls.set.remind")}
          name="remind"
          hint={f.deadline ? undefined : t("polls.set.remindNeedsDeadline")}
          checked={hasEmail && !!f.deadline && f.remind}
          disabled={!hasEmail || !f.deadline}
          onChange={(v) => set({ remind: v })}
        />
      </fieldset>
      {children}
    </div>
  );
}
