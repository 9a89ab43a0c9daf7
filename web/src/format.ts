// Numbers for people, shared by every page and tool.

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
