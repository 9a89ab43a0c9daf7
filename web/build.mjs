// Builds the Nichoir web front-end into dist/ (or the unit tests into .test-build/ with --tests).
// Type checking is done separately by `tsc --noEmit` (see package.json), esbuild only bundles.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { cp, mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants as zlib, gzip } from "node:zlib";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const args = new Set(process.argv.slice(2));

/** Lists the files under dir, relative to it. */
async function listFiles(dir, prefix = "") {
  const out = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true }).catch(() => [])) {
    const rel = join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

async function buildApp() {
  // Build into a staging folder, then move each file into dist/ with an atomic rename: a server
  // reading dist/ from disk (debug builds) never sees a missing or half-written file.
  const dist = join(root, "dist");
  const stage = join(root, `.dist-staging-${process.pid}`);
  await rm(stage, { recursive: true, force: true });
  await mkdir(join(stage, "assets"), { recursive: true });
  try {
    // Every name under assets/ that the build makes carries a hash of its content, so the server
    // can let browsers keep them for a year (`immutable`); index.html and sw.js name them.
    const js = await build({
      absWorkingDir: root,
      entryPoints: { app: "src/main.tsx" },
      outdir: join(stage, "assets"),
      bundle: true,
      format: "esm",
      // Pages loaded with import() (the pad editor) become chunks under assets/chunks/, fetched by
      // app.js when needed.
      splitting: true,
      entryNames: "[name]-[hash]",
      chunkNames: "chunks/[name]-[hash]",
      metafile: true,
      target: ["es2022", "chrome100", "firefox100", "safari15"],
      minify: !args.has("--dev"),
      sourcemap: args.has("--dev") ? "linked" : false,
      jsx: "automatic",
      jsxImportSource: "preact",
      legalComments: "eof",
      logLevel: "warning",
      define: { "process.env.NODE_ENV": '"production"' },
    });
    const css = await build({
      absWorkingDir: root,
      entryPoints: { app: "src/styles/app.css" },
      outdir: join(stage, "assets"),
      entryNames: "[name]-[hash]",
      metafile: true,
      bundle: true,
      minify: !args.has("--dev"),
      target: ["chrome100", "firefox100", "safari15"],
      logLevel: "warning",
    });
    // index.html at the root of dist, static files (favicon…) under assets/.
    const named = (html) => html.replace("/assets/app.js", `/assets/${entryOutput(js.metafile, ".js")}`).replace("/assets/app.css", `/assets/${entryOutput(css.metafile, ".css")}`);
    await writeFile(join(stage, "index.html"), withModulePreloads(named(await readFile(join(root, "index.html"), "utf8")), js.metafile));
    await cp(join(root, "public"), join(stage, "assets"), { recursive: true });
    // The offline page is styled by the same sheet, cached by the worker.
    const offline = join(stage, "assets", "offline.html");
    await writeFile(offline, named(await readFile(offline, "utf8")));
    await buildServiceWorker(stage);
    await precompress(stage);

    const fresh = await listFiles(stage);
    for (const rel of fresh) {
      await mkdir(dirname(join(dist, rel)), { recursive: true });
      await rename(join(stage, rel), join(dist, rel));
    }
    const keep = new Set(fresh);
    for (const rel of await listFiles(dist)) if (!keep.has(rel)) await rm(join(dist, rel), { force: true });
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  console.log("built web/dist (index.html, sw.js, assets/app-*.js + chunks, assets/app-*.css, .br/.gz copies)");
}

/** The file name (under assets/) esbuild gave the entry point "app" of this extension. */
function entryOutput(metafile, ext) {
  const out = Object.entries(metafile.outputs).find(([path, o]) => o.entryPoint && path.endsWith(ext));
  if (!out) throw new Error(`no ${ext} entry point in the build`);
  return basename(out[0]);
}

/**
 * index.html names the chunks app.js imports: the browser fetches them beside app.js instead of
 * after it (one round trip less before the first screen; a phone network's round trip is long).
 */
function withModulePreloads(html, metafile) {
  const [path, entry] = Object.entries(metafile.outputs).find(([p, o]) => o.entryPoint && p.endsWith(".js")) ?? [];
  if (!entry) throw new Error("no .js entry point in the build");
  const dir = dirname(path);
  const links = entry.imports
    .filter((i) => i.kind === "import-statement" && !i.external)
    .map((i) => `<link rel="modulepreload" href="/assets/${relative(dir, i.path).split(sep).join("/")}">`);
  return links.length ? html.replace("</head>", `${links.join("\n")}\n</head>`) : html;
}

const COMPRESSIBLE = /\.(js|css|html|svg|json|webmanifest|txt)$/;

/**
 * Brotli and gzip copies of every text file, made once here at their strongest settings: the
 * server sends one of them as it is to a browser that accepts it (phones on slow links download
 * about a fifth of the bytes) and spends no CPU compressing at request time.
 */
async function precompress(stage) {
  const br = promisify(brotliCompress);
  const gz = promisify(gzip);
  for (const rel of await listFiles(stage)) {
    if (!COMPRESSIBLE.test(rel)) continue;
    const data = await readFile(join(stage, rel));
    if (data.length < 1024) continue;
    const brotli = await br(data, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: data.length, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT },
    });
    const gzipped = await gz(data, { level: 9 });
    // A copy that saves little is not worth a second representation.
    if (brotli.length < data.length * 0.9) await writeFile(join(stage, `${rel}.br`), brotli);
    if (gzipped.length < data.length * 0.9) await writeFile(join(stage, `${rel}.gz`), gzipped);
  }
}

/**
 * sw.js at the root (its scope is the whole app), with the build's files under assets/ to cache
 * and a version made from their contents: a new build is a new worker, which replaces the old
 * shell in installed apps.
 */
async function buildServiceWorker(stage) {
  const files = (await listFiles(join(stage, "assets"))).sort();
  const hash = createHash("sha256");
  for (const rel of files) hash.update(rel).update(await readFile(join(stage, "assets", rel)));
  const version = hash.digest("hex").slice(0, 16);
  await build({
    absWorkingDir: root,
    entryPoints: { sw: "sw/sw.ts" },
    outdir: stage,
    bundle: true,
    format: "iife",
    target: ["es2022", "chrome100", "firefox100", "safari15"],
    minify: !args.has("--dev"),
    logLevel: "warning",
    define: {
      PRECACHE: JSON.stringify(files.map((rel) => `/assets/${rel.split(sep).join("/")}`)),
      VERSION: JSON.stringify(version),
    },
  });
}

async function buildTests() {
  const out = join(root, ".test-build");
  await rm(out, { recursive: true, force: true });
  const files = (await readdir(join(root, "test"))).filter((f) => f.endsWith(".test.ts"));
  await build({
    absWorkingDir: root,
    entryPoints: files.map((f) => `test/${f}`),
    outdir: ".test-build",
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    jsx: "automatic",
    jsxImportSource: "preact",
    logLevel: "warning",
  });
}

if (args.has("--tests")) await buildTests();
else await buildApp();
