// Form fields shared by the new-wiki page and the settings: visibility, edit policy (explained in
// plain words), theme colour.
import { useId } from "preact/hooks";
import { useApp } from "../context.tsx";
import { cx } from "../components/ui.tsx";
import type { EditPolicy, Visibility } from "./types.ts";

export const THEME_COLORS = ["#2f855a", "#2b6cb0", "#6b46c1", "#c05621", "#b83280", "#2c7a7b", "#975a16", "#4a5568"];

export function VisibilityField({ value, onValue }: { value: Visibility; onValue: (v: Visibility) => void }) {
  const { t } = useApp();
  const name = `vis${useId()}`;
  return (
    <fieldset class="field wiki-choices">
      <legend class="field-label">{t("wiki.form.visibility")}</legend>
      {(["public", "members", "private"] as const).map((v) => (
        <label key={v} class={cx("wiki-choice", value === v && "is-selected")}>
          <input type="radio" name={name} value={v} checked={value === v} onChange={() => onValue(v)} />
          <span>
            <strong>{t(`wiki.visibility.${v}`)}</strong>
            <span class="muted small">{t(`wiki.visibility.${v}.desc`)}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function EditPolicyField({ value, onValue }: { value: EditPolicy; onValue: (v: EditPolicy) => void }) {
  const { t } = useApp();
  const name = `pol${useId()}`;
  return (
    <fieldset class="field wiki-choices">
      <legend class="field-label">{t("wiki.form.editPolicy")}</legend>
      {(["anyone", "users", "editors"] as const).map((v) => (
        <label key={v} class={cx("wiki-choice", value === v && "is-selected")}>
          <input type="radio" name={name} value={v} checked={value === v} onChange={() => onValue(v)} />
          <span>
            <strong>{t(`wiki.policy.${v}`)}</strong>
            <span class="muted small">{t(`wiki.policy.${v}.desc`)}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function ThemeColorField({ value, onValue }: { value: string; onValue: (v: string) => void }) {
  const { t } = useApp();
  const name = `col${useId()}`;
  return (
    <fieldset class="field">
      <legend class="field-label">{t("wiki.form.color")}</legend>
      <div class="swatches">
        {THEME_COLORS.map((c) => (
          <label key={c} class="swatch" title={c}>
            <input type="radio" name={name} value={c} checked={value.toLowerCase() === c} onChange={() => onValue(c)} />
            <span class="swatch-dot" style={{ backgroundColor: c }} />
            <span class="visually-hidden">{c}</span>
          </label>
        ))}
        <label class="swatch swatch-custom" title={t("wiki.form.customColor")}>
          <input type="color" value={value} onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)} aria-label={t("wiki.form.customColor")} />
        </label>
        <span class="wiki-color-sample" style={{ backgroundColor: value }} aria-hidden="true" />
      </div>
    </fieldset>
  );
}
