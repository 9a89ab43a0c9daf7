// The colour choice of a person (avatar, pad author): the palette as radio buttons that a screen
// reader announces by name ("Sky blue"), not by code, plus an optional free colour.
import type { ComponentChildren } from "preact";
import { useApp } from "../context.tsx";
import type { MessageKey } from "../i18n/index.ts";
import { PALETTE } from "../palette.ts";

/** Each palette colour's name, in the order of `PALETTE`. */
const NAMES: Record<(typeof PALETTE)[number], MessageKey> = {
  "#0072b2": "color.blue",
  "#e69f00": "color.orange",
  "#009e73": "color.green",
  "#cc79a7": "color.pink",
  "#56b4e9": "color.sky",
  "#d55e00": "color.vermillion",
  "#332288": "color.indigo",
  "#882255": "color.wine",
};

export function ColorSwatches(props: {
  legend: string;
  name: string;
  value: string;
  onChange: (color: string) => void;
  /** Label of a free colour picker after the palette; none without it. */
  customLabel?: string;
  children?: ComponentChildren;
}) {
  const { t } = useApp();
  const value = props.value.toLowerCase();
  return (
    <fieldset class="field">
      <legend class="field-label">{props.legend}</legend>
      <div class="swatches">
        {PALETTE.map((c) => (
          <label key={c} class="swatch" title={t(NAMES[c])}>
            <input type="radio" name={props.name} value={c} checked={value === c} onChange={() => props.onChange(c)} />
            <span class="swatch-dot" style={{ backgroundColor: c }} />
            <span class="visually-hidden">{t(NAMES[c])}</span>
          </label>
        ))}
        {props.customLabel && (
          <label class="swatch swatch-custom" title={props.customLabel}>
            <input type="color" value={props.value} onInput={(e) => props.onChange((e.currentTarget as HTMLInputElement).value)} aria-label={props.customLabel} />
          </label>
        )}
        {props.children}
      </div>
    </fieldset>
  );
}
