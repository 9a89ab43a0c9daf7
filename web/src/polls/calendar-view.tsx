// A month calendar whose days toggle (date polls). Keyboard: one tab stop in the grid, arrows move
// by day/week, Home/End to the week's ends, PageUp/PageDown by month, Enter/Space toggles.
import { useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import { useApp } from "../context.tsx";
import { IconArrowLeft, IconArrowRight } from "../components/icons.tsx";
import { cx } from "../components/ui.tsx";
import { type YearMonth, monthGrid, monthOf, monthTitle, moveFocus, shiftMonth, todayIso, weekdayNames } from "./calendar.ts";
import { dayLabel } from "./time.ts";

const WEEK_START = 1;

export function DayPicker({ selected, onToggle, initial }: { selected: ReadonlySet<string>; onToggle: (iso: string) => void; initial?: string }) {
  const { t, lang } = useApp();
  const today = todayIso();
  const [month, setMonth] = useState<YearMonth>(() => monthOf(initial ?? today));
  const [focusIso, setFocusIso] = useState<string>(() => initial ?? today);
  const wantFocus = useRef(false);
  const gridRef = useRef<HTMLTableElement>(null);
  const titleId = `cal${useId()}`;
  const weeks = monthGrid(month, WEEK_START);
  const short = weekdayNames(lang, WEEK_START, "short");
  const long = weekdayNames(lang, WEEK_START, "long");
  const inMonth = (iso: string) => weeks.some((w) => w.some((c) => c.inMonth && c.iso === iso));
  // The one tab stop: the focused day when it is shown, else the first day of the month.
  const tabIso = inMonth(focusIso) ? focusIso : weeks.flat().find((c) => c.inMonth)!.iso;

  useLayoutEffect(() => {
    if (!wantFocus.current) return;
    wantFocus.current = false;
    gridRef.current?.querySelector<HTMLButtonElement>(`button[data-date="${focusIso}"]`)?.focus();
  }, [focusIso, month]);

  const go = (n: number) => setMonth((m) => shiftMonth(m, n));

  const onKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    const iso = target.dataset?.date;
    if (!iso) return;
    const next = moveFocus(iso, e.key, WEEK_START);
    if (!next) return;
    e.preventDefault();
    wantFocus.current = true;
    setFocusIso(next);
    const m = monthOf(next);
    if (m.year !== month.year || m.month !== month.month) setMonth(m);
  };

  return (
    <div class="poll-cal">
      <div class="poll-cal-head">
        <button type="button" class="icon-btn" onClick={() => go(-1)} aria-label={t("polls.cal.prev")} title={t("polls.cal.prev")}>
          <IconArrowLeft size={18} />
        </button>
        <h3 class="poll-cal-title" id={titleId} aria-live="polite">
          {monthTitle(lang, month)}
        </h3>
        <button type="button" class="icon-btn" onClick={() => go(1)} aria-label={t("polls.cal.next")} title={t("polls.cal.next")}>
          <IconArrowRight size={18} />
        </button>
      </div>
      <table class="poll-cal-grid" ref={gridRef} aria-labelledby={titleId} onKeyDown={onKey}>
        <thead>
          <tr>
            {short.map((d, i) => (
              <th key={d} scope="col" abbr={long[i]}>
                {d}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((w) => (
            <tr key={w[0]!.iso}>
              {w.map((c) =>
                c.inMonth ? (
                  <td key={c.iso}>
                    <button
                      type="button"
                      class={cx("poll-day", selected.has(c.iso) && "is-selected", c.iso === today && "is-today", c.iso < today && "is-past")}
                      data-date={c.iso}
                      aria-pressed={selected.has(c.iso) ? "true" : "false"}
                      aria-label={dayLabel(lang, c.iso, { long: true, year: true })}
                      aria-current={c.iso === today ? "date" : undefined}
                      tabIndex={c.iso === tabIso ? 0 : -1}
                      onClick={() => {
                        setFocusIso(c.iso);
                        onToggle(c.iso);
                      }}
                    >
                      {c.day}
                    </button>
                  </td>
                ) : (
                  <td key={c.iso} aria-hidden="true" />
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="field-hint">{t("polls.cal.hint")}</p>
    </div>
  );
}
