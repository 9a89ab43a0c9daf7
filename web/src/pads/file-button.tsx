import { cx } from "../components/ui.tsx";

/** A file input shown as a button (the input stays in the page, for keyboards and tests). */
export function FileButton({
  label,
  accept,
  busy,
  onChange,
  variant = "secondary",
}: {
  label: string;
  accept: string;
  busy: boolean;
  onChange: (e: Event) => void;
  variant?: "primary" | "secondary";
}) {
  const fid = `file-${label.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`;
  return (
    <span class="pad-file">
      <input id={fid} type="file" class="pad-file-input" accept={accept} onChange={onChange} disabled={busy} />
      <label for={fid} class={cx("btn", `btn-${variant}`, "btn-sm", busy && "is-loading")} aria-busy={busy ? "true" : undefined}>
        {busy && <span class="spinner" aria-hidden="true" />}
        {label}
      </label>
    </span>
  );
}
