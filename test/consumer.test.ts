/**
 * A new user's view: pack the library, install the tarball in an empty
 * project. An app gets the kernel and the specs with immer and ts-pattern
 * only, runs a verified reducer with startNode, and `npx interleave` names
 * the CLI's missing packages. Once they are installed as the message says:
 * import the public API, type-check, run, and check a spec file of their own
 * with `npx interleave`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** The packages installed in `dir`'s node_modules, by name. */
function installed(dir: string): string[] {
  return sh("npm", ["ls", "--all", "--parseable"], dir)
    .trim()
    .split("\n")
    .slice(1)
    .map((path) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length))
    .sort();
}

describe("consumer project", () => {
  it("installs the packed tarball, type-checks against the public API and runs", { timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "interleave-consumer-"));
    const packed = JSON.parse(sh("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], root)) as {
      filename: string;
    }[];
    expect(packed[0]!.filename).toBe("interleave-check-0.1.0.tgz");
    const tarball = join(dir, packed[0]!.filename);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    sh(
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, "typescript@5.9", "@types/node@20"],
      dir,
    );
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          strict: true,
          outDir: "out",
          skipLibCheck: false,
          types: ["node"],
        },
        include: ["*.ts"],
      }),
    );
    // An app: the package alone brings immer and ts-pattern, none of the CLI's packages.
    expect(installed(dir)).toEqual([
      "@types/node",
      "immer",
      "interleave-check",
      "ts-pattern",
      "typescript",
      "undici-types",
    ]);
    writeFileSync(
      join(dir, "app.ts"),
      `import { startNode } from "interleave-check";
import { fullBucket, tryAcquire } from "interleave-check/specs/rate-limiter";
import { resourceManager } from "interleave-check/specs/two-phase-commit";
const rm = startNode(resourceManager, { self: "rm1", peers: { tm: ["tm"], rm: ["rm1"] }, params: {} });
const effects = rm.handle({ type: "Prepare" });
const config = { capacity: 1, rate: 1 };
const decision = tryAcquire(tryAcquire(fullBucket(config, 0), 0, config).bucket, 0, config);
console.log(JSON.stringify({ effects, rm: rm.state.rmState, decision }));
`,
    );
    sh("npx", ["tsc", "-p", "."], dir);
    expect(JSON.parse(sh("node", ["out/app.js"], dir))).toEqual({
      effects: [{ type: "send", to: "tm", msg: { type: "Prepared", rm: "rm1" } }],
      rm: "prepared",
      decision: { type: "rejected", bucket: { tokens: 0, refilledAt: 0 }, retryAfter: 1 },
    });
    const bare = spawnSync("npx", ["interleave", "check", "two-phase-commit"], { cwd: dir, encoding: "utf8" });
    expect(bare.status).toBe(2);
    expect(bare.stdout).toBe("");
    const install = "npm i -D @commander-js/extra-typings@14 commander@14 fast-check@4 htm@3 jiti@2 yocto-spinner@1";
    expect(bare.stderr).toBe(
      `interleave: the CLI needs @commander-js/extra-typings, commander, fast-check, htm, jiti, yocto-spinner; install with: ${install}\n`,
    );

    // A developer who uses the CLI, the checker and the testing helpers installs what the message says.
    const [npm, ...args] = install.split(" ");
    sh(npm!, [...args, "--no-audit", "--no-fund", "--prefer-offline"], dir);
    expect(installed(dir)).toEqual([
      "@commander-js/extra-typings",
      "@types/node",
      "commander",
      "fast-check",
      "htm",
      "immer",
      "interleave-check",
      "jiti",
      "pure-rand",
      "ts-pattern",
      "typescript",
      "undici-types",
      "yocto-spinner",
      "yoctocolors",
    ]);
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
    // A spec with params and a protocol with two roles, written as a user would (no casts), type-check under --strict.
    for (const name of ["producer-consumer.ts", "vote.ts"])
      copyFileSync(join(root, "test/fixtures/types", name), join(dir, name));
    sh("npx", ["tsc", "-p", "."], dir);
    const out = JSON.parse(sh("node", ["out/main.js"], dir)) as Record<string, unknown>;
    expect(out).toEqual({ rm: "prepared", effects: 1, distinct: 288, counter: 5, expected: "consistent" });

    const cli = spawnSync("npx", ["interleave", "check", "./counter.ts", "--json", "-"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(cli.status).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({
      spec: "counter",
      result: "ok",
      distinctStates: 5,
      generatedStates: 5,
    });
    for (const name of ["producer-consumer.ts", "vote.ts"]) {
      const spec = spawnSync("npx", ["interleave", "check", `./${name}`, "--json", "-"], {
        cwd: dir,
        encoding: "utf8",
      });
      expect([spec.status, JSON.parse(spec.stdout).result], `${name}: ${spec.stderr}`).toEqual([0, "ok"]);
    }
  });
});
