// App-wide state shared through context: language, theme, instance info and the signed-in user.
import { createContext } from "preact";
import { useContext, useEffect } from "preact/hooks";
import type { Lang, Translate } from "./i18n/index.ts";
import type { Theme } from "./theme.ts";
import type { Instance, Me, User } from "./types.ts";

export interface AppState {
  lang: Lang;
  t: Translate;
  setLang: (lang: Lang) => void;
  theme: Theme;
  toggleTheme: () => void;
  instance: Instance;
  user: User | null;
  /** After login/register/setup (or null after logout). */
  setSession: (session: Me | null) => void;
  updateUser: (user: User) => void;
  /** Reads the instance info again (an admin changed its name or registration). */
  refreshInstance: () => void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error("useApp outside <AppContext.Provider>");
  return ctx;
}

/** document.title = "Page · Instance". */
export function useTitle(page: string): void {
  const { instance } = useApp();
  useEffect(() => {
    document.title = `${page} · ${instance.name}`;
  }, [page, instance.name]);
}
