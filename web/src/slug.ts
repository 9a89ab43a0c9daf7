// Addresses made from titles, for the tools whose names are URL parts (wikis, chat teams and
// channels).

/**
 * An address suggested from a title: accents dropped, lowercase ASCII letters and digits, words
 * joined by single hyphens, at most `max` characters (63: a wiki's slug).
 */
export function suggestSlug(title: string, max = 63): string {
  const ascii = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/œ/gi, "oe")
    .replace(/æ/gi, "ae")
    .replace(/ß/g, "ss")
    .toLowerCase();
  let slug = ascii.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (slug.length > max) slug = slug.slice(0, max).replace(/-+$/, "");
  return slug;
}
