// localStorage with graceful failure (private browsing, disabled storage).
export function getItem(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function setItem(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* ignore */
  }
}

export const LANG_KEY = "nichoir.lang";
/** Set while this browser is signed in, so a signed-out visit does not probe /api/v1/me (no 401 noise). */
export const SIGNED_IN_KEY = "nichoir.signed-in";
