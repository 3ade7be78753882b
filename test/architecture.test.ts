/**
 * The layers go one way (see .dependency-cruiser.cjs): kernel <- checker <-
 * testing helpers and CLI; kernel <- specs <- CLI; kernel <- runtime <- CLI
 * (src/runtime/ derives how to run a protocol from its definition and names
 * no spec: a spec's runtime configuration lives with the spec). The
 * violations still being moved are listed in
 * .dependency-cruiser-known-violations.json; a new one fails here.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const depcruise = join(root, "node_modules", ".bin", "depcruise");
const config = join(root, ".dependency-cruiser.cjs");

function cruise(cwd: string, ...args: string[]) {
  const r = spawnSync(depcruise, ["--config", config, "--output-type", "err", ...args], { cwd, encoding: "utf8" });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("architecture", () => {
  it("no import goes against the layers beyond the known, listed ones", { timeout: 60_000 }, () => {
    const r = cruise(
      root,
      "src",
      "checker",
      "testing",
      "specs",
      "bin",
      "--ignore-known",
      ".dependency-cruiser-known-violations.json",
    );
    expect(r.out).toContain("no dependency violations found");
    expect(r.code).toBe(0);
  });

  it("the known violations are the spec-name resolution of parallel search, no more: the runtime imports no spec", () => {
    const known = JSON.parse(readFileSync(join(root, ".dependency-cruiser-known-violations.json"), "utf8")) as {
      from: string;
      to: string;
    }[];
    expect(known.map((v) => `${v.from} -> ${v.to}`).sort()).toEqual([
      "checker/check.ts -> checker/load.ts",
      "checker/index.ts -> checker/cli.ts",
      "checker/index.ts -> checker/load.ts",
      "checker/parallel.ts -> checker/load.ts",
      "checker/swarm-worker.ts -> checker/load.ts",
      "checker/worker.ts -> checker/load.ts",
    ]);
  });

  it(
    "the runtime imports no spec: src/runtime/ passes the rules with no known violation ignored",
    { timeout: 60_000 },
    () => {
      const r = cruise(root, "src/runtime");
      expect(r.out).toContain("no dependency violations found");
      expect(r.code).toBe(0);
    },
  );

  it(
    "fails on a kernel module importing the checker and a checker module importing a spec",
    { timeout: 60_000 },
    () => {
      const r = cruise(join(root, "test", "fixtures", "architecture"), "src", "checker", "specs");
      expect(r.code).toBe(2);
      expect(r.out).toContain("error kernel-imports-upward: src/kernel.ts → checker/search.ts");
      expect(r.out).toContain("error checker-imports-specs-or-runtime: checker/catalogue-user.ts → specs/spec.ts");
      expect(r.out).toContain("2 dependency violations (2 errors, 0 warnings)");
    },
  );
});
