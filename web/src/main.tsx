// Entry point: language and theme before the first render, then the app.
import { render } from "preact";
import { App, browserLanguages } from "./app.tsx";
import { detectLanguage } from "./i18n/index.ts";
import { LANG_KEY, getItem } from "./storage.ts";
import { applyTheme, followSystemTheme, storedTheme } from "./theme.ts";
import { setUpInstall } from "./install.ts";

const lang = detectLanguage(getItem(LANG_KEY), browserLanguages());
document.documentElement.lang = lang;
applyTheme(storedTheme());
followSystemTheme();
setUpInstall();

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(<App initialLang={lang} />, root);
}
