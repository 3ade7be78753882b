/**
 * Debian's chromium driven by playwright-core (no browser download is
 * possible here; `.ci/run` installs chromium when it is missing). Tests skip,
 * saying why, only when the browser is truly absent.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { chromium, type BrowserContext } from "playwright-core";

/** Where Debian's package puts the browser. */
const CHROMIUM = "/usr/bin/chromium";

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `browser tests skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`;
}

/** A headless chromium with a fresh profile (its --user-data-dir); `close` also removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "interleave-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1400, height: 900 },
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Starts `interleave explore ...` and resolves with its URL once it prints it. */
export function startExplore(
  args: readonly string[],
): Promise<{ url: string; child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ["bin/interleave.js", "explore", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const url = /interleave explore: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out)?.[1];
      if (url) resolve({ url, child, exited });
    });
    child.stderr.on("data", (chunk: Buffer) => void (err += chunk.toString()));
    void exited.then((code) => reject(new Error(`explore exited with ${code} before serving: ${err}`)));
  });
}

/**
 * Where a test saves a screenshot: `docs/<name>` (the README's pictures)
 * with `npm run screenshots`, else a temporary folder, so `npm test` takes
 * every screenshot but leaves the working tree clean.
 */
export function screenshotPath(name: string): string {
  if (process.env["INTERLEAVE_SCREENSHOTS"] === "1") return join("docs", name);
  screenshotDir ??= mkdtempSync(join(tmpdir(), "interleave-screenshots-"));
  return join(screenshotDir, name);
}

let screenshotDir: string | undefined;
