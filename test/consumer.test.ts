/**
 * A new user's view: pack the library, install the tarball in an empty
 * project, import the public API and a spec's reducers, type-check, run, and
 * check a spec file of their own with `npx interleave`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("consumer project", () => {
  it("installs the packed tarball, type-checks against the public API and runs", { timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "interleave-consumer-"));
    const packed = JSON.parse(sh("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], root)) as { filename: string }[];
    expect(packed[0]!.filename).toBe("interleave-check-0.1.0.tgz");
    const tarball = join(dir, packed[0]!.filename);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, "typescript@5.9", "@types/node@20"], dir);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, outDir: "out", skipLibCheck: false, types: ["node"] }, include: ["*.ts"] }),
    );
    writeFileSync(
      join(dir, "counter.ts"),
      `import { defineSpec, int, invariant } from "interleave-check";
export default defineSpec({
  name: "counter",
  description: "counts to a bound",
  params: { max: int(4) },
  init: () => [{ n: 0 }],
  actions: { Inc: (s: { n: number }, p: { max: number }) => (s.n < p.max ? { n: s.n + 1 } : undefined) },
  properties: { bounded: invariant((s: { n: number }) => s.n <= 4) },
});
`,
    );
    writeFileSync(
      join(dir, "main.ts"),
      `import { checkSpec } from "interleave-check/checker";
import { resourceManager, twoPhaseCommit } from "interleave-check/specs/two-phase-commit";
import { expectSpec } from "interleave-check/testing";
import counter from "./counter.js";
const step = resourceManager.reduce({ rmState: "working" }, { type: "Prepare" }, { self: "rm1", from: undefined, kind: "choice", params: {}, nodes: ["tm", "rm1"], roles: { tm: ["tm"], rm: ["rm1"] } });
const report = checkSpec(twoPhaseCommit, { params: { rms: 3 } });
console.log(JSON.stringify({ rm: step?.state.rmState, effects: step?.effects.length, distinct: report.distinctStates, counter: checkSpec(counter).distinctStates, expected: expectSpec(twoPhaseCommit).toViolate("consistent", { variant: "commit-without-all-prepared", steps: 3 }).property }));
`,
    );
    sh("npx", ["tsc", "-p", "."], dir);
    const out = JSON.parse(sh("node", ["out/main.js"], dir)) as Record<string, unknown>;
    expect(out).toEqual({ rm: "prepared", effects: 1, distinct: 288, counter: 5, expected: "consistent" });

    const cli = spawnSync("npx", ["interleave", "check", "./counter.ts", "--json", "-"], { cwd: dir, encoding: "utf8" });
    expect(cli.status).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ spec: "counter", result: "ok", distinctStates: 5, generatedStates: 5 });
  });
});
