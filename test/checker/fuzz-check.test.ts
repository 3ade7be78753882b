/**
 * Fuzzing `check`, `replay` and `list` with malformed arguments, spec files
 * whose code returns anything at all, and broken trace files: the exit code
 * is always one of the contract's (0-3), and a bad input is said in one line.
 */
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tempFolder } from "../support/temp-folder.js";
import { cli } from "../support/cli.js";

const root = resolve(import.meta.dirname, "../..");
const lib = JSON.stringify(join(root, "src/index.ts"));
const folder = tempFolder("interleave-fuzz-check-");
const dir = folder.path;
let files = 0;

/** Exit codes 0-3 only; a 2 is one line on stderr, or the report of the spec's error on stdout. */
function expectContract(r: { code: number; stdout: string; stderr: string }, argv: readonly string[]): void {
  expect([0, 1, 2, 3], JSON.stringify(argv)).toContain(r.code);
  if (r.code !== 2) return;
  if (r.stdout.startsWith("ERROR:") || r.stdout.startsWith("DIVERGED:")) return;
  // --debug adds the stack after the one line.
  const lines = r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("interleave: warning:"));
  if (!argv.includes("--debug")) expect(lines.length, `${JSON.stringify(argv)}\n${r.stderr}`).toBe(1);
  expect(lines[0], JSON.stringify(argv)).toMatch(/^interleave/);
}

function file(name: string, text: string): string {
  return folder.file(`${files++}-${name}`, text);
}

const junk = fc.oneof(
  fc.string(),
  fc.constantFrom("", "-1", "0", "1.5", "1e9", "NaN", "abc", "=", "--", "9".repeat(30)),
);
const flag = fc.oneof(
  fc.tuple(fc.constant("--param"), fc.oneof(fc.constantFrom("rms=2", "rms=0", "rms=x", "nope=1", "rms", "=3"), junk)),
  fc.tuple(fc.constant("--variant"), fc.oneof(fc.constantFrom("default", "abort-after-commit", "nope"), junk)),
  fc.tuple(
    fc.constantFrom("--max-states", "--max-depth", "--timeout", "--max-memory", "--seed", "--runs", "--workers"),
    junk,
  ),
  fc.tuple(fc.constant("--strategy"), fc.oneof(fc.constantFrom("bfs", "dfs", "random"), junk)),
  fc.tuple(fc.constant("--trace-format"), fc.oneof(fc.constantFrom("text", "json", "itf", "mermaid", "html"), junk)),
  fc.tuple(fc.constant("--property"), fc.oneof(fc.constantFrom("consistent", "typeOK", "deadlockFree"), junk)),
  fc.tuple(fc.constantFrom("--json", "--out"), fc.constantFrom("-", "/", "/nonexistent/x.json", dir)),
  fc.tuple(fc.constantFrom("--coverage", "--no-guards", "--symmetry", "--debug", "--bogus")),
);

/** A spec whose init, action, property or constraint returns or throws anything. */
const wildSpec = fc
  .record({
    init: fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.constantFrom(
        "[{ x: 0 }]",
        "[{ x: 0 }, { x: 1 }]",
        "[]",
        "undefined",
        "[undefined]",
        "[new Map()]",
        "[() => 1]",
      ),
    ),
    next: fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.constantFrom(
        "({ x: s.x + 1 })",
        "undefined",
        "null",
        "s",
        "(s.x++, s)",
        "new Date(0)",
        "Symbol()",
        "(() => { throw 'str'; })()",
        "(() => { throw new Error('x'); })()",
      ),
    ),
    prop: fc.constantFrom("true", "false", "s.x < 3", "undefined", "1", "(() => { throw null; })()", "s.x.y.z"),
    constraint: fc.constantFrom("true", "s.x < 3", "undefined", "(() => { throw new Error('c'); })()", "s.missing.x"),
  })
  .map(
    (w) => `import { defineSpec, invariant } from ${lib};
export default defineSpec({
  name: "wild", description: "",
  init: () => ${w.init} as any,
  actions: { Next: (s: any) => (s && typeof s.x === "number" && s.x < 3 ? ${w.next} : undefined) },
  constraint: (s: any) => ${w.constraint} as any,
  properties: { p: invariant((s: any) => ${w.prop} as any) },
});
`,
  );

describe("fuzz: check, replay and list exit 0-3 with one-line messages", () => {
  it("check with malformed arguments", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom("two-phase-commit", "nope", "./missing.ts", "/"), junk),
        fc.array(flag, { maxLength: 4 }),
        async (spec, flags) => {
          const argv = ["check", spec, ...flags.flat(), "--max-states", "500"];
          expectContract(await cli(...argv), argv);
        },
      ),
      { seed: 13, numRuns: 60 },
    );
  });

  it("check on spec files whose code returns or throws anything", async () => {
    await fc.assert(
      // Two workers start threads (about half a second): one run in four.
      fc.asyncProperty(wildSpec, fc.constantFrom("1", "1", "1", "2"), async (text, workers) => {
        const argv = ["check", file("wild.ts", text), "--workers", workers, "--max-states", "200"];
        expectContract(await cli(...argv), argv);
      }),
      { seed: 7, numRuns: 20 },
    );
  }, 300_000);

  it("check on files that are not specs", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.constantFrom(
            "export default 1;",
            "export const a = {};",
            "syntax error (",
            "throw new Error('at load');",
            "export default { kind: 'interleave-spec' };",
          ),
        ),
        async (text) => {
          const argv = ["check", file("not-a-spec.ts", text)];
          expectContract(await cli(...argv), argv);
        },
      ),
      { seed: 3, numRuns: 25 },
    );
  });

  it("replay on broken trace files", async () => {
    const good = await cli("check", "two-phase-commit", "--variant", "abort-after-commit", "--trace-format", "json");
    const trace = JSON.parse(good.stdout) as { steps: { action: string | null; state: unknown }[] };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.nat(trace.steps.length - 1).map((k) => JSON.stringify({ ...trace, steps: trace.steps.slice(0, k + 1) })),
          fc
            .tuple(fc.nat(trace.steps.length - 1), fc.jsonValue())
            .map(([k, v]) =>
              JSON.stringify({ ...trace, steps: trace.steps.map((s, i) => (i === k ? { ...s, state: v } : s)) }),
            ),
          fc
            .tuple(fc.nat(trace.steps.length - 1), fc.string())
            .map(([k, a]) =>
              JSON.stringify({ ...trace, steps: trace.steps.map((s, i) => (i === k ? { ...s, action: a } : s)) }),
            ),
        ),
        async (text) => {
          const argv = ["replay", file("trace.json", text)];
          expectContract(await cli(...argv), argv);
        },
      ),
      { seed: 5, numRuns: 40 },
    );
  });

  it("list with malformed arguments", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(junk, fc.constantFrom("--json", "raft", "./missing.ts", "--bogus")), { maxLength: 3 }),
        async (args) => {
          const argv = ["list", ...args];
          expectContract(await cli(...argv), argv);
        },
      ),
      { seed: 11, numRuns: 30 },
    );
  });
});
