// Nichoir as an installed app: the service worker (web/sw/sw.ts, served at /sw.js) and the
// browser's install prompt, offered in the header when the browser has one to give (Chromium on
// Android and desktop; iOS installs from the share menu's "Add to Home Screen").
import { useEffect, useState } from "preact/hooks";

/** The `beforeinstallprompt` event: the browser's own install dialog, kept for a click. */
interface InstallPrompt extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: "accepted" | "dismissed" }>;
}

let deferred: InstallPrompt | null = null;
const listeners = new Set<() => void>();
const changed = () => listeners.forEach((l) => l());

/** Registers the service worker and listens for the install prompt; once, at start. */
export function setUpInstall(): void {
  if ("serviceWorker" in navigator && window.isSecureContext) {
    // After the page's own loads: the worker's precache never competes with the first paint.
    window.addEventListener("load", () => {
      navigator.serviceWorker.register("/sw.js").catch(() => {
        // No worker (a private window, a browser that refuses): the app works as a web page.
      });
    });
  }
  window.addEventListener("beforeinstallprompt", (e) => {
    e.preventDefault();
    deferred = e as InstallPrompt;
    changed();
  });
  window.addEventListener("appinstalled", () => {
    deferred = null;
    changed();
  });
}

/** Whether the browser offers to install the app now, and the function that asks it to. */
export function useInstall(): { available: boolean; install: () => Promise<void> } {
  const [, bump] = useState(0);
  useEffect(() => {
    const l = () => bump((n) => n + 1);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return {
    available: deferred !== null,
    install: async () => {
      const prompt = deferred;
      if (!prompt) return;
      deferred = null;
      changed();
      await prompt.prompt();
      await prompt.userChoice.catch(() => undefined);
    },
  };
}
