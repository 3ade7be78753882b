/**
 * Bad specs, written as a user would in a directory of their own: every
 * fault of the spec's code ends in a documented exit code and message, never
 * in a wrong count, a wrong trace or an exit code outside 0-3.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tempFolder } from "../support/temp-folder.js";
import { cli } from "../support/cli.js";

const root = resolve(import.meta.dirname, "../..");
// The spec files import the library by path: a second copy of it, as a user's file may load.
const lib = JSON.stringify(join(root, "src/index.ts"));
const folder = tempFolder("interleave-bad-specs-");
const dir = folder.path;

function spec(name: string, body: string): string {
  return folder.file(
    `${name}.ts`,
    `import { become, choose, defineProtocol, defineRole, defineSpec, invariant, sometimes } from ${lib};\n${body}\n`,
  );
}

const check = (...args: string[]) => cli("check", ...args);

async function json(...args: string[]) {
  const r = await check(...args, "--json", "-");
  return { code: r.code, report: JSON.parse(r.stdout), stderr: r.stderr };
}

const counters = (step: string) => `
type S = number[];
export default defineSpec({
  name: "counters", description: "three counters capped at 2",
  init: () => [[0, 0, 0] as S],
  actions: { Inc: choose(() => [0, 1, 2], (s: S, i: number) => ${step}) },
  properties: { notTwoTwoOne: invariant((s: S) => !(s[0] === 2 && s[1] === 2 && s[2] === 1)) },
});`;

const pure = spec("pure", counters("(s[i]! >= 2 ? undefined : s.map((x, j) => (j === i ? x + 1 : x)))"));
const inPlace = spec("in-place", counters("{ if (s[i]! >= 2) return undefined; s[i] = s[i]! + 1; return s; }"));

const role = spec(
  "role-in-place",
  `type N = { count: number };
const worker = defineRole<N, { type: "tick" }>({
  init: () => ({ count: 0 }),
  choices: () => [{ type: "tick" }],
  reduce: (s) => { if (s.count >= 2) return undefined; s.count++; return become(s); },
});
export default defineProtocol({
  name: "role-in-place", description: "a role changes its state in place", network: "unordered",
  nodes: () => ({ worker: ["a", "b", "c"] }),
  roles: { worker },
  properties: { ok: invariant(() => true) },
});`,
);
const rolePure = spec(
  "role-pure",
  `type N = { count: number };
const worker = defineRole<N, { type: "tick" }>({
  init: () => ({ count: 0 }),
  choices: () => [{ type: "tick" }],
  reduce: (s) => (s.count >= 2 ? undefined : become({ count: s.count + 1 })),
});
export default defineProtocol({
  name: "role-pure", description: "three counters as nodes", network: "unordered",
  nodes: () => ({ worker: ["a", "b", "c"] }),
  roles: { worker },
  properties: { ok: invariant(() => true) },
});`,
);

const roleHidden = spec(
  "role-hidden-state",
  `let calls = 0;
const worker = defineRole<{ count: number }, { type: "tick" }>({
  init: () => ({ count: 0 }),
  choices: () => [{ type: "tick" }],
  reduce: (s) => (s.count >= 2 ? undefined : become({ count: s.count + 1 + (calls++ % 2) })),
});
export default defineProtocol({
  name: "role-hidden", description: "a reducer reads a module variable", network: "unordered",
  nodes: () => ({ worker: ["a", "b"] }),
  roles: { worker },
  properties: { ok: invariant(() => true) },
});`,
);

const step = (body: string, extra = "") => `
type S = { x: number };
export default defineSpec({
  name: "x", description: "a counter",
  init: () => [{ x: 0 }],
  actions: { Step: (s: S) => ${body} },
  ${extra}
  properties: { ok: invariant(() => true) },
});`;

const random = spec("random", step("(s.x < 3 ? { x: s.x + (Math.random() < 0.5 ? 1 : 2) } : undefined)"));
const dateNow = spec("date-now", step("(s.x < 3 ? { x: s.x + 1 + (Date.now() % 1) } : undefined)"));
const hidden = spec(
  "hidden-state",
  `let calls = 0;\n${step("(s.x < 5 ? { x: s.x + 1 + (calls++ % 2) } : undefined)")}`,
);
const throwsAction = spec(
  "throws-action",
  step(`{ if (s.x === 2) throw new Error("boom at two"); return s.x < 4 ? { x: s.x + 1 } : undefined; }`),
);
const returnsNull = spec("returns-null", step("((s.x < 2 ? { x: s.x + 1 } : null) as unknown as S)"));
const throwsConstraint = spec(
  "throws-constraint",
  step("({ x: s.x + 1 })", `constraint: (s: S) => { if (s.x > 2) throw new Error("constraint boom"); return true; },`),
);

const props = (properties: string, init = "() => [{ x: 0 }]") => `
type S = { x: number };
export default defineSpec({
  name: "x", description: "a counter",
  init: ${init},
  actions: { Step: (s: S) => (s.x < 4 ? { x: s.x + 1 } : undefined) },
  properties: { ${properties} },
});`;

const throwsProperty = spec(
  "throws-property",
  props(`bad: invariant((s: S) => { if (s.x === 3) throw new RangeError("property boom"); return true; })`),
);
const mutatesProperty = spec(
  "mutates-property",
  `type S = { xs: number[] };
export default defineSpec({
  name: "x", description: "",
  init: () => [{ xs: [3, 1, 2] } as S],
  actions: { Grow: (s: S) => (s.xs.length < 4 ? { xs: [...s.xs, 0] } : undefined) },
  properties: { sorted: invariant((s: S) => s.xs.sort().length > 0) },
});`,
);
const throwsInit = spec(
  "throws-init",
  props("ok: invariant(() => true)", `(): S[] => { throw new Error("init boom"); }`),
);
const emptyInit = spec("empty-init", props("ok: invariant(() => true)", "() => [] as S[]"));
const objectInit = spec(
  "object-init",
  props("ok: invariant(() => true)", "(() => ({ x: 0 })) as unknown as () => S[]"),
);
const noProperties = spec("no-properties", props(""));
const neverEnabled = spec(
  "never-enabled",
  `type S = { x: number; mode: string };
export default defineSpec({
  name: "x", description: "a typo in a guard",
  init: () => [{ x: 0, mode: "idle" }],
  actions: {
    Step: (s: S) => (s.x < 4 ? { ...s, x: s.x + 1 } : undefined),
    Reset: (s: S) => (s.mode === "Idle" ? { ...s, x: 0 } : undefined),
  },
  properties: { ok: invariant(() => true) },
});`,
);
const sometimesSpec = spec(
  "sometimes",
  props(
    `ok: invariant(() => true), reachesFour: sometimes((s: S) => s.x === 4), reachesFive: sometimes((s: S) => s.x === 5)`,
  ),
);
const unboundedText = `type S = { path: string };
export default defineSpec({
  name: "unbounded", description: "a binary tree of states with no end",
  init: () => [{ path: "" }],
  actions: { Left: (s: S) => ({ path: s.path + "0" }), Right: (s: S) => ({ path: s.path + "1" }) },
  properties: { ok: invariant(() => true) },
});`;
const unbounded = spec("unbounded", unboundedText);
// The same spec, saying on stderr that it has loaded: the CLI sets its Ctrl-C handler before it
// loads the spec, so a SIGINT sent after that line is the CLI's to handle, however slow the start.
const unboundedLoud = spec("unbounded-loud", `process.stderr.write("loaded\\n");\n${unboundedText}`);

describe("check on a user's bad specs", () => {
  it("the pure spec: 27 distinct states, the violation in 5 steps", async () => {
    const ok = await json(pure, "--property", "notTwoTwoOne");
    expect([ok.code, ok.report.result, ok.report.distinctStates, ok.report.trace.length]).toEqual([
      1,
      "violation",
      24,
      6,
    ]);
    const role = await json(rolePure);
    expect([role.code, role.report.result, role.report.distinctStates]).toEqual([0, "ok", 27]);
  });

  it.each([["1"], ["2"]])(
    "an in-place change in defineSpec is exit 2 with the action, the field and the true initial state (%s workers)",
    async (workers) => {
      const { code, report } = await json(inPlace, "--workers", workers);
      expect([code, report.result, report.error.kind, report.error.where, report.error.path]).toEqual([
        2,
        "error",
        "mutation",
        "Inc(0)",
        "state[0]",
      ]);
      expect(report.error.location).toMatch(/in-place\.ts:7:\d+$/);
      expect(report.trace).toEqual([{ action: null, state: [0, 0, 0] }]);
    },
  );

  it("an in-place change in a role's reducer is exit 2 naming the node, the input and the field", async () => {
    const r = await check(role);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(
      'ERROR: role-in-place: action node "a" on tick changed its input in place at nodes.a.count (',
    );
  });

  it("an in-place change by a property is exit 2", async () => {
    const { code, report } = await json(mutatesProperty);
    expect([code, report.error.kind, report.error.site, report.error.where, report.error.path]).toEqual([
      2,
      "mutation",
      "property",
      '"sorted"',
      "state.xs[0]",
    ]);
  });

  it.each([
    ["Math.random", random, "it called Math.random()"],
    ["Date.now", dateNow, "it called Date.now()"],
    ["a module variable", hidden, "expanding the same state twice gave a different successor #1"],
  ])("nondeterminism (%s) is exit 2", async (_what, file, message) => {
    const { code, report } = await json(file);
    expect([code, report.result, report.error.kind, report.error.where]).toEqual([
      2,
      "error",
      "nondeterminism",
      "Step",
    ]);
    expect(report.error.message).toContain(message);
  });

  it("a role's reducer that reads a module variable is exit 2 (its calls are sampled twice); --no-guards does not look", async () => {
    const guarded = await json(roleHidden);
    expect([guarded.code, guarded.report.error.kind, guarded.report.error.where]).toEqual([
      2,
      "nondeterminism",
      'node "a" on tick',
    ]);
    const unguarded = await json(roleHidden, "--no-guards");
    expect([unguarded.code, unguarded.report.result]).toEqual([0, "ok"]);
  });

  it.each([["1"], ["2"]])(
    "a throwing reducer is the finding noReducerThrows, exit 1, with the trace to the state and the user's line (%s workers)",
    async (workers) => {
      const { code, report } = await json(throwsAction, "--workers", workers);
      expect([code, report.result, report.property, report.trace.length, report.trace[2].state]).toEqual([
        1,
        "violation",
        "noReducerThrows",
        3,
        { x: 2 },
      ]);
      expect([report.error.kind, report.error.where, report.error.message]).toEqual(["threw", "Step", "boom at two"]);
      expect(report.error.location).toMatch(/throws-action\.ts:7:\d+$/);
    },
  );

  it("--debug prints the stack of the user's error; the text names the action and the line", async () => {
    const r = await check(throwsAction, "--debug");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('VIOLATION: x: invariant "noReducerThrows" is violated after 2 steps');
    expect(r.stdout).toMatch(/ {2}action Step threw: boom at two \(.*throws-action\.ts:7:\d+\)/);
    expect(r.stderr).toMatch(/^Error: boom at two\n {4}at /m);
    // Without --debug, no stack; with --debug and no error in the spec's code, nothing more either.
    const plain = await check(throwsAction);
    expect([plain.code, plain.stderr]).toEqual([1, ""]);
    const clean = await check(
      spec("debug-clean", counters("(s[i]! >= 1 ? undefined : s.map((x, j) => (j === i ? 1 : x)))")),
      "--debug",
    );
    expect([clean.code, clean.stderr]).toEqual([0, ""]);
  });

  it.each([
    ["a throwing property", throwsProperty, "property", 'property "bad" threw: property boom', 4],
    ["a throwing constraint", throwsConstraint, "constraint", "constraint threw: constraint boom", 4],
    [
      "an action returning null",
      returnsNull,
      "action",
      "action Step returned null; return undefined when the action is not enabled",
      3,
    ],
  ])("%s is a spec error: exit 2 with the trace to the state", async (_what, file, site, message, traceLength) => {
    const r = await check(file);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(message);
    const { report } = await json(file);
    expect([report.result, report.error.site, report.trace.length]).toEqual(["error", site, traceLength]);
  });

  it("a throwing init or one that returns no array is exit 2 without a trace", async () => {
    const thrown = await json(throwsInit);
    expect([thrown.code, thrown.report.error.site, thrown.report.error.message, thrown.report.trace]).toEqual([
      2,
      "init",
      "init boom",
      null,
    ]);
    const object = await check(objectInit);
    expect(object.code).toBe(2);
    expect(object.stdout).toContain("init returned an object; init returns an array of initial states");
  });

  it("a vacuous model passes with warnings: no initial state, no property, an action never enabled", async () => {
    const empty = await check(emptyInit);
    expect([empty.code, empty.stderr]).toEqual([
      0,
      "interleave: warning: init returned no initial states: nothing was checked\n",
    ]);
    const none = await check(noProperties);
    expect([none.code, none.stderr]).toEqual([
      0,
      "interleave: warning: the spec has no properties (or none selected): the search only counts states\n",
    ]);
    const never = await check(neverEnabled);
    expect([never.code, never.stderr]).toEqual([
      0,
      "interleave: warning: action Reset was never enabled: is its guard always false?\n",
    ]);
  });

  it("sometimes(p) fails with 'never reached' when no reachable state satisfies p", async () => {
    const r = await check(sometimesSpec);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^VIOLATION: x: sometimes "reachesFive" was never reached; 5 distinct states/);
    const reached = await json(sometimesSpec, "--property", "reachesFour");
    expect([reached.code, reached.report.result]).toEqual([0, "ok"]);
  });

  it("--property checks only the named properties, and names the ones there are", async () => {
    const r = await check(sometimesSpec, "--property", "nope");
    expect([r.code, r.stderr]).toEqual([
      2,
      'interleave: spec "x" has no property "nope"; properties: ok, reachesFour, reachesFive\n',
    ]);
  });

  it("--coverage counts per action the successors and the new states", async () => {
    const r = await check(neverEnabled, "--coverage");
    expect(r.stdout).toContain("Coverage:\n  action      enabled   new states\n  Step              4            4");
    const proto = await json(rolePure, "--coverage");
    expect(proto.report.coverage).toEqual([
      {
        action: "worker: tick",
        enabled: 54,
        distinct: 26,
        values: [
          { action: "a: tick", enabled: 18, distinct: 2 },
          { action: "b: tick", enabled: 18, distinct: 6 },
          { action: "c: tick", enabled: 18, distinct: 18 },
        ],
      },
    ]);
  });

  it("bad limits and paths are exit 2 before any work", async () => {
    const cores = availableParallelism();
    const many = await check(pure, "--workers", "1000");
    expect([many.code, many.stderr]).toEqual([
      2,
      `interleave: --workers 1000 is more than the ${cores} cores of this machine; more threads than cores only slow the search down\n`,
    ]);
    const sub = join(dir, "a-directory");
    mkdirSync(sub, { recursive: true });
    const toDir = await check(unbounded, "--json", sub);
    expect([toDir.code, toDir.stderr]).toEqual([2, `interleave: --json ${sub} is a directory; give a file name\n`]);
    const noDir = await check(unbounded, "--out", join(dir, "missing", "t.txt"));
    expect([noDir.code, noDir.stderr]).toEqual([
      2,
      `interleave: --out ${join(dir, "missing", "t.txt")}: directory ${join(dir, "missing")} does not exist; create it first\n`,
    ]);
  });

  it("an unbounded spec ends with exit 3 and a report when memory runs short", async () => {
    // A small --max-memory stands in for a small machine: the search must stop with its report, not crash. The queue
    // spills to disk, so the fingerprint store filling the budget is what stops it (without the flag: half the
    // machine).
    const r = await spawnCli(["check", unbounded, "--max-memory", "4"], {});
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /^INCOMPLETE: unbounded: memory nearly exhausted .* with no violation found; [\d,]+ distinct states/,
    );
    // The store grows its table at once, so it is caught past the budget, not at it.
    expect(r.stderr).toContain(
      "interleave: warning: the fingerprint store alone needs 4.07 MiB for 124,929 states, more than --max-memory (4.00 MiB)",
    );
  });

  it("Ctrl-C ends a check with the partial report, exit 3", async () => {
    const r = await spawnCli(["check", unboundedLoud], {}, "loaded\n");
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^INCOMPLETE: unbounded: interrupted with no violation found; [\d,]+ distinct states/);
  });
});

function spawnCli(
  args: string[],
  env: Record<string, string>,
  interruptAfter?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, "bin/interleave.js"), ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    // SIGINT half a second after stderr first shows `interruptAfter`, so the search is under way.
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (interruptAfter !== undefined && timer === undefined && stderr.includes(interruptAfter))
        timer = setTimeout(() => child.kill("SIGINT"), 500);
    });
    const guard = setTimeout(() => child.kill("SIGKILL"), 100_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });
}
