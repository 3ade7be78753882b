/**
 * The layers go one way (see .dependency-cruiser.cjs): kernel <- checker <-
 * testing helpers and CLI; kernel <- specs <- CLI; kernel <- runtime <- CLI;
 * and across a boundary a layer is imported through its index. The whole
 * tree passes with nothing ignored; the fixtures show each rule failing.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { checkSpecSource, loadSpecSource } from "../checker/index.js";
import { catalogueSource } from "../checker/load.js";
import { catalogue } from "../specs/index.js";

const root = resolve(import.meta.dirname, "..");
const depcruise = join(root, "node_modules", ".bin", "depcruise");
const config = join(root, ".dependency-cruiser.cjs");

function cruise(cwd: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(depcruise, ["--config", config, "--output-type", "err", ...args], { cwd });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("close", (code) => done({ code, out }));
  });
}

describe("architecture", () => {
  // Both cruises start at once (each takes seconds, mostly waiting on TypeScript's parser): the tests await them.
  let tree: ReturnType<typeof cruise>;
  let fixtures: ReturnType<typeof cruise>;
  beforeAll(() => {
    tree = cruise(root, "src", "checker", "testing", "specs", "bin");
    fixtures = cruise(join(root, "test", "fixtures", "architecture"), "src", "checker", "specs", "testing");
  });

  it(
    "no import goes against the layers or past an index, with no violation ignored",
    { timeout: 120_000 },
    async () => {
      expect(existsSync(join(root, ".dependency-cruiser-known-violations.json"))).toBe(false);
      const r = await tree;
      expect(r.out).toContain("no dependency violations found");
      expect(r.code).toBe(0);
    },
  );

  it(
    "fails on each deliberately wrong import in the fixtures, and only on those (the index imports beside them pass)",
    { timeout: 120_000 },
    async () => {
      const r = await fixtures;
      const errors = r.out
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.startsWith("error "))
        .sort();
      expect(errors).toEqual([
        "error checker-imports-cli-specs-or-runtime: checker/catalogue-user.ts → specs/spec.ts",
        "error checker-imports-cli-specs-or-runtime: checker/cli-user.ts → checker/cli.ts",
        "error deep-import-into-checker: testing/helper.ts → checker/search.ts",
        "error deep-import-into-src: checker/cli.ts → src/runtime/run.ts",
        "error deep-import-into-src: checker/deep-user.ts → src/protocol/model.ts",
        "error kernel-imports-upward: src/kernel.ts → checker/search.ts",
      ]);
      expect(r.out).toContain("x 6 dependency violations (6 errors, 0 warnings). 13 modules, 12 dependencies cruised.");
      // depcruise exits with the number of errors.
      expect(r.code).toBe(6);
    },
  );

  it("every catalogue spec has a source a worker loads without the catalogue: its own module, by package subpath", async () => {
    const sources = await Promise.all(catalogue.map((spec) => catalogueSource(spec)));
    expect(sources.map((s) => s.source.module)).toEqual(catalogue.map((spec) => `interleave-check/specs/${spec.name}`));
    const raft = sources.find((s) => s.spec.name === "raft")!;
    expect(raft.source).toEqual({ module: "interleave-check/specs/raft", exportName: "raft" });
    // What a worker does (from dist/, built by npm ci): import the module, take the export.
    const loaded = await Promise.all(sources.map((s) => loadSpecSource(s.source)));
    expect(loaded.map((spec) => spec.name)).toEqual(catalogue.map((spec) => spec.name));
  });

  it("a source that names no spec is one clear error", async () => {
    await expect(loadSpecSource({ module: "interleave-check/specs/raft", exportName: "raftt" })).rejects.toThrow(
      'interleave-check/specs/raft exports no spec named "raftt"',
    );
  });
});

describe("workers load a user's spec from its source, in any folder", () => {
  it(
    "a spec file in an empty folder: 2 worker threads and a swarm find the one-thread violation",
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "interleave-source-"));
      const file = join(dir, "counter.ts");
      writeFileSync(
        file,
        `import { defineSpec, invariant } from "interleave-check";
type S = { a: number; b: number };
export const counter = defineSpec({
  name: "my-counter",
  init: () => [{ a: 0, b: 0 }],
  actions: {
    incA: (s: S) => (s.a < 3 ? { ...s, a: s.a + 1 } : undefined),
    incB: (s: S) => (s.b < 3 ? { ...s, b: s.b + 1 } : undefined),
  },
  properties: { small: invariant((s: S) => s.a + s.b < 6) },
});
`,
      );
      const source = { module: file, exportName: "counter" };
      const parallel = await checkSpecSource(source, { workers: 2 });
      expect([parallel.result, parallel.property, parallel.distinctStates, parallel.generatedStates]).toEqual([
        "violation",
        "small",
        16,
        24,
      ]);
      expect(parallel.trace).toHaveLength(7);
      const swarm = await checkSpecSource(source, { strategy: "swarm", workers: 2, seed: 1 });
      expect([swarm.result, swarm.property, swarm.trace?.length]).toEqual(["violation", "small", 7]);
    },
  );
});
