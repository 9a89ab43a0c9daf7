// Light/dark theme: follows prefers-color-scheme unless the user picked one (saved in localStorage).
export type Theme = "light" | "dark";
const KEY = "nichoir.theme";

export function storedTheme(): Theme | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : null;
  } catch {
    return null;
  }
}

export function systemTheme(): Theme {
  return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function effectiveTheme(): Theme {
  return storedTheme() ?? systemTheme();
}

/**
 * Sets (or clears, with null) the manual choice and applies it to <html data-theme>. Without a
 * choice the system preference is written there too, so the stylesheet has one dark block.
 */
export function applyTheme(choice: Theme | null): void {
  try {
    if (choice) localStorage.setItem(KEY, choice);
    else localStorage.removeItem(KEY);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  document.documentElement.dataset.theme = choice ?? systemTheme();
}

/** Keeps following the system preference while the user has made no choice. */
export function followSystemTheme(): void {
  window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener?.("change", () => {
    if (!storedTheme()) document.documentElement.dataset.theme = systemTheme();
  });
}
