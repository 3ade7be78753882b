/**
 * Spec and model files anywhere: files in an empty temporary folder (no
 * node_modules, no package.json) import the package by its own name and
 * check with the CLI; a file that fails to load says where.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/interleave.js");
const packageName = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string }).name;

/** Runs the CLI in `cwd`, as a user would from their own folder. */
function runIn(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh empty folder holding `files`. */
function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "interleave-anywhere-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** The README's `mutex.ts`, exactly as printed there. */
function readmeMutex(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf("// mutex.ts\n");
  expect(start).toBeGreaterThan(0);
  return readme.slice(start, readme.indexOf("```", start));
}

describe("spec files anywhere", () => {
  it("the package is interleave-check, and the README's mutex.ts imports it by that name", () => {
    expect(packageName).toBe("interleave-check");
    expect(readmeMutex()).toContain('import { choose, defineSpec, invariant } from "interleave-check";\n');
  });

  it("the README's mutex.ts, alone in an empty folder, checks: 8 distinct states", () => {
    const dir = folderWith({ "mutex.ts": readmeMutex() });
    const r = runIn(dir, "check", "./mutex.ts");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK: mutex: every property holds; 8 distinct states, 15 generated, depth 3, /);
  });

  it("every entry point of the package resolves from a spec file in an empty folder", () => {
    const dir = folderWith({
      "nested/spec.ts": `import { checkSpec } from "${packageName}/checker";
import { catalogue } from "${packageName}/specs";
import { resourceManager, twoPhaseCommit } from "${packageName}/specs/two-phase-commit";
import { expectSpec } from "${packageName}/testing";
import { registerModel } from "${packageName}/history";
import pkg from "${packageName}/package.json";
const seen = [typeof checkSpec, typeof expectSpec, typeof registerModel.step, typeof resourceManager.reduce, catalogue.length > 20, pkg.name];
if (seen.join() !== "function,function,function,function,true,${packageName}") throw new Error("entry points: " + seen.join());
export default twoPhaseCommit;
`,
    });
    const r = runIn(dir, "check", "nested/spec.ts", "--json", "-");
    expect(r.stderr).toMatch(/^OK: two-phase-commit \(rms=3\): every property holds; 288 distinct states/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      spec: "two-phase-commit",
      result: "ok",
      distinctStates: 288,
      generatedStates: 1146,
    });
  });

  it("a JavaScript spec file imports the package by name too", () => {
    const dir = folderWith({
      "spec.mjs": `export { twoPhaseCommit as default } from "${packageName}/specs/two-phase-commit";\n`,
    });
    const r = runIn(dir, "check", "./spec.mjs", "--param", "rms=4", "--json", "-");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ result: "ok", distinctStates: 1568, generatedStates: 8258 });
  });

  it("a lincheck model file in an empty folder imports the package by name", () => {
    const dir = folderWith({
      "model.ts": `import { registerModel } from "${packageName}/history";\nexport default registerModel;\n`,
    });
    const etcd = join(root, "test/fixtures/porcupine/etcd");
    const ok = runIn(dir, "lincheck", join(etcd, "etcd_002.log"), "--model", "./model.ts", "--json", "-");
    expect(ok.stderr).toMatch(/etcd_002\.log: linearizable \(77 operations, 1 partition, model register, /);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ result: "linearizable", operations: 77 });
    const bad = runIn(dir, "lincheck", join(etcd, "etcd_000.log"), "--model", "./model.ts", "--json", "-");
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ result: "violation", operations: 85 });
  });
});

describe("a spec file that does not load", () => {
  it("a syntax error names file:line:column", () => {
    const dir = folderWith({
      "bad.ts":
        'import { defineSpec } from "interleave-check";\nconst x = {\n  a: 1,\n  b: = 2,\n};\nexport default x;\n',
    });
    const r = runIn(dir, "check", "./bad.ts");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "interleave: cannot load spec file ./bad.ts: syntax error at ./bad.ts:4:5: Unexpected token\n",
    );
  });

  it("a syntax error in a file the spec imports names that file, relative to the working folder", () => {
    const dir = folderWith({
      "spec.ts": 'import { helper } from "./lib/helper.js";\nexport default helper;\n',
      "lib/helper.ts": "export const helper = (x: number) => {\n  return x +;\n};\n",
    });
    const r = runIn(dir, "check", "spec.ts");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `interleave: cannot load spec file spec.ts: syntax error at ${join("lib", "helper.ts")}:2:12: Unexpected token\n`,
    );
  });

  it("the unrelated npm name interleave says which name to import", () => {
    const dir = folderWith({
      "old.ts": 'import { defineSpec } from "interleave/checker";\nexport default defineSpec;\n',
    });
    const r = runIn(dir, "check", "./old.ts");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `interleave: cannot load spec file ./old.ts: Cannot find module 'interleave/checker' (this package is imported as "${packageName}/checker")\n`,
    );
  });

  it("a subpath the package does not export lists the entry points", () => {
    const dir = folderWith({
      "deep.ts": `import { defineSpec } from "${packageName}/src/spec.js";\nexport default defineSpec;\n`,
    });
    const r = runIn(dir, "check", "./deep.ts");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `interleave: cannot load spec file ./deep.ts: "${packageName}/src/spec.js" is not an entry point of ${packageName}; entry points: ` +
        `${packageName}, ${packageName}/checker, ${packageName}/history, ${packageName}/cli, ${packageName}/runtime, ${packageName}/testing, ` +
        `${packageName}/specs, ${packageName}/specs/<name>, ${packageName}/package.json\n`,
    );
  });
});
