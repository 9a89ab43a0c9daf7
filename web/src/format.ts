// Numbers and times for people, shared by every page and tool.

/** "1.4 MB", "820 B": a byte count for people. */
export function formatBytes(n: number, lang: string): string {
  const units = ["B", "kB", "MB", "GB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const num = i === 0 ? String(v) : v.toLocaleString(lang, { maximumFractionDigits: v < 10 ? 1 : 0 });
  return `${num} ${units[i]}`;
}

/**
 * When something was written (a chat message, a recent item), in the user's language: relative
 * for today ("now", "5 minutes ago", "2 hours ago"), else a short date and time.
 */
export function chatTime(lang: "en" | "fr", iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  const seconds = Math.floor((now.getTime() - d.getTime()) / 1000);
  if (sameDay && seconds > -60) {
    const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    if (seconds < 60) return rtf.format(0, "second");
    if (seconds < 3600) return rtf.format(-Math.floor(seconds / 60), "minute");
    return rtf.format(-Math.floor(seconds / 3600), "hour");
  }
  return new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", { dateStyle: "short", timeStyle: "short" }).format(d);
}
