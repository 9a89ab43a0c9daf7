// A small menu button (channel menu), and a modal dialog shell built on <dialog> (Escape closes).
import { closeAndRefocus } from "../components/focus.ts";
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { useApp } from "../context.tsx";
import { cx } from "../components/ui.tsx";
import { IconClose } from "./icons.tsx";

export interface MenuItem {
  label: string;
  icon?: JSX.Element;
  danger?: boolean;
  onSelect: () => void;
}

export function MenuButton({ label, icon, items, class: cls }: { label: string; icon: JSX.Element; items: MenuItem[]; class?: string }) {
  const [open, setOpen] = useState(false);
  const uid = useId();
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    const el = wrap.current;
    el?.querySelector<HTMLButtonElement>("[role=menuitem]")?.focus();
    const onDown = (e: PointerEvent) => {
      if (el && !el.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onDown, true);
    return () => document.removeEventListener("pointerdown", onDown, true);
  }, [open]);
  const close = (focus: boolean) => {
    setOpen(false);
    if (focus) button.current?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (!open) return;
    const items = [...(wrap.current?.querySelectorAll<HTMLButtonElement>("[role=menuitem]") ?? [])];
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      items[(i + 1) % items.length]?.focus();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      items[(i - 1 + items.length) % items.length]?.focus();
    } else if (e.key === "Tab") setOpen(false);
  };
  return (
    <div class={cx("chat-menu", cls)} ref={wrap} onKeyDown={onKey}>
      <button
        ref={button}
        type="button"
        class="icon-btn"
        aria-haspopup="menu"
        aria-expanded={open ? "true" : "false"}
        aria-controls={open ? `menu${uid}` : undefined}
        aria-label={label}
        title={label}
        onClick={() => setOpen(!open)}
      >
        {icon}
      </button>
      {open && (
        <ul class="chat-menu-list" role="menu" id={`menu${uid}`} aria-label={label}>
          {items.map((it) => (
            <li key={it.label} role="none">
              <button
                type="button"
                role="menuitem"
                class={cx("chat-menu-item", it.danger && "is-danger")}
                onClick={() => {
                  close(false);
                  it.onSelect();
                }}
              >
                {it.icon}
                {it.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A modal dialog: `onClose` on Escape, the close button or the backdrop. */
export function Modal({ title, onClose, children, wide, class: cls }: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean; class?: string }) {
  const { t } = useApp();
  const ref = useRef<HTMLDialogElement>(null);
  const tid = `m${useId()}`;
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal();
    return () => closeAndRefocus(d, opener);
  }, []);
  return (
    <dialog
      ref={ref}
      class={cx("dialog", "chat-dialog", wide && "chat-dialog-wide", cls)}
      aria-labelledby={tid}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        // A click on the backdrop (outside the dialog's box) closes it.
        const d = ref.current;
        if (!d || e.target !== d) return;
        const r = d.getBoundingClientRect();
        if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) onClose();
      }}
    >
      <div class="chat-dialog-head">
        <h2 id={tid} class="dialog-title">
          {title}
        </h2>
        <button type="button" class="icon-btn" aria-label={t("chat.close")} onClick={onClose}>
          <IconClose />
        </button>
      </div>
      {children}
    </dialog>
  );
}
