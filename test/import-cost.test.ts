/**
 * An app that imports one verified reducer loads the kernel and that spec,
 * nothing of the CLI. A fresh Node process imports the spec through the
 * package's `exports` (node_modules/interleave-check is a link to this
 * repository, so it runs the built dist/), with an ESM loader hook that
 * records every module it resolves; CommonJS modules are read from
 * `require.cache` as well.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const CLI_PACKAGES = ["commander", "@commander-js/extra-typings", "jiti", "fast-check", "yocto-spinner", "picocolors"];

const hooks = `import { appendFileSync } from "node:fs";
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(log, resolved.url + "\\n");
  return resolved;
}
`;

const main = `import { createRequire, register } from "node:module";
const [log, specifier] = process.argv.slice(2);
register("./hooks.mjs", import.meta.url, { data: { log } });
const module = await import(specifier);
const cjs = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify({ exports: Object.keys(module).sort(), cjs }));
`;

let dir = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "interleave-import-cost-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules", "interleave-check"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  writeFileSync(join(dir, "hooks.mjs"), hooks);
  writeFileSync(join(dir, "main.mjs"), main);
});

/**
 * What a fresh process loads to import `specifier`: npm packages by name, and the package's own files relative to
 * dist/.
 */
function loaded(specifier: string): { exports: string[]; packages: string[]; own: string[] } {
  const log = join(dir, `${specifier.replaceAll("/", "_")}.log`);
  writeFileSync(log, "");
  const run = spawnSync(process.execPath, ["main.mjs", log, specifier], { cwd: dir, encoding: "utf8" });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const out = JSON.parse(run.stdout) as { exports: string[]; cjs: string[] };
  const files = [
    ...readFileSync(log, "utf8")
      .split("\n")
      .filter((url) => url.startsWith("file:")),
    ...out.cjs.map((path) => pathToFileURL(path).href),
  ];
  const packages = new Set<string>();
  const own = new Set<string>();
  const dist = pathToFileURL(join(root, "dist")).href + "/";
  for (const url of files) {
    const inModules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/[^]*$/.exec(url.slice(url.lastIndexOf("/node_modules/")));
    if (inModules) packages.add(inModules[1]!);
    else if (url.startsWith(dist)) own.add(url.slice(dist.length));
  }
  return { exports: out.exports, packages: [...packages].sort(), own: [...own].sort() };
}

describe("importing a verified reducer", () => {
  it("loads the kernel, the rate limiter and immer, and nothing of the CLI", { timeout: 30_000 }, () => {
    const { exports, packages, own } = loaded("interleave-check/specs/rate-limiter");
    expect(exports).toEqual([
      "ALGORITHMS",
      "counterAcquire",
      "counterAt",
      "emptyCounter",
      "fullBucket",
      "logAcquire",
      "rateLimiter",
      "refill",
      "slidingWindowBudget",
      "tryAcquire",
      "windowBudget",
    ]);
    expect(packages).toEqual(["immer"]);
    for (const cli of CLI_PACKAGES) expect(packages).not.toContain(cli);
    expect(own.filter((f) => !f.startsWith("src/"))).toEqual(["specs/rate-limiter.js"]);
    expect(own.filter((f) => f.startsWith("src/runtime/") || f.startsWith("testing/"))).toEqual([]);
  });

  it("loads ts-pattern besides immer for a spec that dispatches with match", { timeout: 30_000 }, () => {
    const { packages, own } = loaded("interleave-check/specs/circuit-breaker");
    expect(packages).toEqual(["immer", "ts-pattern"]);
    expect(own.filter((f) => !f.startsWith("src/"))).toEqual(["specs/circuit-breaker.js"]);
  });

  it("the main entry point, startNode included, loads no npm package at all", { timeout: 30_000 }, () => {
    const { exports, packages, own } = loaded("interleave-check");
    expect(exports).toEqual(expect.arrayContaining(["defineProtocol", "startNode"]));
    expect(packages).toEqual([]);
    expect(own.filter((f) => !f.startsWith("src/"))).toEqual([]);
  });

  it("the history checkers load no npm package either", { timeout: 30_000 }, () => {
    const { exports, packages, own } = loaded("interleave-check/history");
    expect(exports).toContain("checkLinearizability");
    expect(packages).toEqual([]);
    expect(own.filter((f) => !f.startsWith("src/"))).toEqual([]);
  });
});
