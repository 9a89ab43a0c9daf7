// Starts a real Nichoir server for the browser tests: a fresh data dir, an admin created with the
// CLI (`admin create-user --password-stdin`), then `serve` on 127.0.0.1:0; waits for the line
// "listening on http://127.0.0.1:PORT" on stdout.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** tests/browser */
export const BROWSER_TESTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** NICHOIR_BIN (relative paths are taken from the current directory), else ../../target/debug/nichoir from tests/browser. */
export function nichoirBin() {
  const env = process.env.NICHOIR_BIN;
  return env ? resolve(process.cwd(), env) : resolve(BROWSER_TESTS_DIR, "../../target/debug/nichoir");
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:(\d+))/;

/** Runs the binary with arguments, optional stdin; resolves with { code, stdout, stderr }. */
export function runCli(bin, args, env, stdin, timeoutMs = 120_000) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${bin} ${args.join(" ")} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? "");
  });
}

/**
 * @param {{ adminPassword?: string | null, env?: Record<string,string> }} opts  without adminPassword no
 *   admin is created, and the server prints its one-time setup link (returned as `setupUrl`).
 * @returns {Promise<{ url: string, host: string, setupUrl: string | null, dataDir: string, process: import("node:child_process").ChildProcess, logs: () => string, stop: () => Promise<void> }>}
 */
export async function startServer({ adminPassword = null, env: extraEnv = {} } = {}) {
  const bin = nichoirBin();
  if (!existsSync(bin)) {
    throw new Error(`Nichoir binary not found at ${bin}: build it (cargo build -p nichoir) or set NICHOIR_BIN`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), "nichoir-browser-"));
  const env = {
    ...process.env,
    NICHOIR_LISTEN: "127.0.0.1:0",
    NICHOIR_DATA_DIR: dataDir,
    ...extraEnv,
  };

  if (adminPassword) {
    const created = await runCli(bin, ["admin", "create-user", "--username", "admin", "--password-stdin", "--admin"], env, `${adminPassword}\n`);
    if (created.code !== 0) {
      await rm(dataDir, { recursive: true, force: true });
      throw new Error(`admin create-user failed (exit ${created.code}):\n${created.stdout}\n${created.stderr}`);
    }
  }

  const child = spawn(bin, ["serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines = [];
  const keep = (prefix) => (chunk) => {
    for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(`${prefix}${line}`);
    if (lines.length > 2000) lines.splice(0, lines.length - 2000);
  };
  child.stderr.on("data", keep("[stderr] "));

  const url = await new Promise((resolvePromise, reject) => {
    let buffered = "";
    const timer = setTimeout(() => fail(new Error("the server did not print 'listening on http://127.0.0.1:PORT' within 60 s")), 60_000);
    function fail(err) {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${err.message}\n--- server output ---\n${lines.join("\n")}`));
    }
    child.stdout.on("data", (chunk) => {
      keep("[stdout] ")(chunk);
      buffered += chunk;
      const m = LISTENING.exec(buffered);
      if (m) {
        clearTimeout(timer);
        buffered = "";
        resolvePromise(m[1]);
      }
    });
    child.on("error", fail);
    child.on("exit", (code, signal) => fail(new Error(`the server exited early (code ${code}, signal ${signal})`)));
  });
  child.removeAllListeners("exit");

  // Without an admin, the server prints the one-time setup link right after the listening line.
  let setupUrl = null;
  if (!adminPassword) {
    const deadline = Date.now() + 10_000;
    while (!setupUrl && Date.now() < deadline) {
      const line = lines.find((l) => /\/setup\?token=/.test(l));
      const m = line && /(https?:\/\/\S+\/setup\?token=\S+)/.exec(line);
      if (m) setupUrl = m[1];
      else await new Promise((r) => setTimeout(r, 50));
    }
  }

  let stopped = false;
  return {
    url,
    host: new URL(url).host,
    setupUrl,
    dataDir,
    process: child,
    logs: () => lines.join("\n"),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
