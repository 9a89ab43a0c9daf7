// Fails when a file of one tool folder (src/pads, src/polls, src/chat, src/video, src/wikis)
// imports from another tool folder: what two tools share lives in src/ or src/components/, so each
// tool can be read, changed and split into its chunk alone. Run by `npm test`.
import { readFile, readdir } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src");
const TOOLS = ["pads", "polls", "chat", "video", "wikis"];

async function sources(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** The tool folder a path under src/ belongs to, or null. */
function toolOf(path) {
  const first = relative(src, path).split(sep)[0];
  return TOOLS.includes(first) ? first : null;
}

// `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`: comments are not
// stripped, so a commented-out import counts too (rare, and better removed).
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

const problems = [];
for (const tool of TOOLS) {
  for (const file of await sources(join(src, tool))) {
    const text = await readFile(file, "utf8");
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1];
      if (!spec.startsWith(".")) continue;
      const other = toolOf(resolve(dirname(file), spec));
      if (other && other !== tool) {
        const line = text.slice(0, m.index).split("\n").length;
        problems.push(`${relative(join(src, ".."), file)}:${line}: the ${tool} tool imports ${spec} from the ${other} tool`);
      }
    }
  }
}

if (problems.length) {
  console.error(problems.join("\n"));
  console.error("\nA tool folder imports only its own files and shared modules (src/, src/components/, src/hooks/).");
  process.exit(1);
}
console.log(`tool folders: no import across ${TOOLS.join(", ")}`);
