/**
 * checker/check.ts: which search a check runs, with what guards and scope,
 * and the options that do not go together, refused with one line each
 * before any search or broker is started.
 */
import { describe, expect, it } from "vitest";
import { checkSourcedSpec, checkSpec, checkSpecSource } from "../../checker/check.js";
import { UsageError } from "../../checker/usage-error.js";
import { choose, defineSpec, invariant, OptionError } from "../../src/index.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";
import { rejection } from "../support/rejection.js";
import { tempFolder } from "../support/temp-folder.js";

const source = { module: "interleave-check/specs/two-phase-commit", exportName: "twoPhaseCommit" };
const sourced = { spec: twoPhaseCommit, source };

/** A counter to 2 whose action writes into its input state: a fault the purity guards catch. */
const mutates = defineSpec({
  name: "mutates",
  description: "Inc changes its input in place",
  init: () => [{ n: 0 }],
  actions: {
    Inc: (s: { n: number }) => {
      if (s.n >= 2) return undefined;
      s.n++;
      return { n: s.n };
    },
  },
  properties: { any: invariant(() => true) },
});

describe("checkSpec", () => {
  it("a swarm needs worker threads: refused, naming the function that runs one", () => {
    expect(() => checkSpec(twoPhaseCommit, { strategy: "swarm" })).toThrow(
      new UsageError("--strategy swarm runs on worker threads: call checkSpecSource"),
    );
  });

  it("random walks run with the purity guards unless they are turned off, and release them after", () => {
    const guarded = checkSpec(mutates, { strategy: "random", runs: 3, seed: 1 });
    expect([guarded.result, guarded.error]).toEqual([
      "error",
      { kind: "mutation", site: "action", where: "Inc", message: "changed its input in place", path: "state.n" },
    ]);
    const unguarded = checkSpec(mutates, { strategy: "random", runs: 3, seed: 1, guards: false });
    expect([unguarded.result, unguarded.error, unguarded.distinctStates]).toEqual(["incomplete", null, 3]);
    // The traps (Date.now, Math.random) are released when the check returns.
    expect(typeof Math.random()).toBe("number");
    expect(Date.now()).toBeGreaterThan(0);
  });

  it("a fault that escapes the random walks ends in a report: init that throws, init that returns no array", () => {
    const throws = defineSpec({
      name: "init-throws",
      description: "",
      init: () => {
        throw new Error("boom");
      },
      actions: {},
      properties: { any: invariant(() => true) },
    });
    const r = checkSpec(throws, { strategy: "random", runs: 3, seed: 1 });
    expect([r.result, r.error, r.distinctStates, r.generatedStates, r.trace]).toEqual([
      "error",
      { kind: "threw", site: "init", where: "init", message: "boom" },
      0,
      0,
      null,
    ]);
    const number = defineSpec({
      name: "init-number",
      description: "",
      init: () => 3 as never,
      actions: {},
      properties: { any: invariant(() => true) },
    });
    expect(checkSpec(number, { strategy: "random", runs: 3, seed: 1 }).error).toEqual({
      kind: "invalid",
      site: "init",
      where: "init",
      message: "returned number 3; init returns an array of initial states, e.g. () => [{ n: 0 }]",
    });
  });

  it("a reducer that throws on a random walk is a finding: noReducerThrows", () => {
    const throws = defineSpec({
      name: "step-throws",
      description: "",
      init: () => [{ n: 0 }],
      actions: {
        Inc: choose(
          () => [1, 2],
          (s: { n: number }, k: number) => {
            if (s.n + k > 2) throw new Error("too far");
            return { n: s.n + k };
          },
        ),
      },
      properties: { any: invariant(() => true) },
    });
    const r = checkSpec(throws, { strategy: "random", runs: 5, seed: 1 });
    expect([r.result, r.property, r.error]).toEqual([
      "violation",
      "noReducerThrows",
      expect.objectContaining({ kind: "threw", site: "action", message: "too far" }),
    ]);
  });

  it("properties: [] checks every property, as no list does", () => {
    const all = checkSpec(twoPhaseCommit, { variant: "abort-after-commit", properties: [] });
    expect([all.result, all.property]).toEqual(["violation", "consistent"]);
  });
});

describe("liveness, where it cannot be judged", () => {
  const folder = tempFolder("interleave-check-");
  const file = folder.file(
    "eventually.ts",
    `import { defineSpec, invariant, leadsTo } from "interleave-check";
export default defineSpec({
  name: "eventually",
  description: "n counts to 2; starting leads to 2, and to 1",
  init: () => [{ n: 0 }],
  actions: { Inc: (s: { n: number }) => (s.n < 2 ? { n: s.n + 1 } : undefined) },
  properties: {
    small: invariant((s: { n: number }) => s.n <= 2),
    toTwo: leadsTo((s: { n: number }) => s.n === 0, (s: { n: number }) => s.n === 2),
    toOne: leadsTo((s: { n: number }) => s.n === 0, (s: { n: number }) => s.n === 1),
  },
});
`,
  );
  const eventually = { module: file, exportName: "default" };

  it("left out with a warning naming them and why; refused when asked for by name", async () => {
    const r = await checkSpecSource(eventually, { workers: 2 });
    expect([r.result, r.strategy, r.warnings]).toEqual([
      "ok",
      "bfs/2 workers",
      [
        'liveness properties "toTwo", "toOne" were not checked with --workers above 1 (the edges the liveness check needs are recorded on one thread)',
      ],
    ]);
    const random = await checkSpecSource(eventually, { strategy: "random", runs: 2, seed: 1 });
    expect(random.warnings).toEqual([
      'liveness properties "toTwo", "toOne" were not checked by random walks (liveness needs the complete graph; use --strategy bfs)',
    ]);
    // Named alongside a safety property: refused, the run would not check what was asked.
    await expect(checkSpecSource(eventually, { workers: 2, properties: ["small", "toOne"] })).rejects.toEqual(
      new OptionError(
        'liveness properties ("toOne") are not checked with --workers above 1 (the edges the liveness check needs are recorded on one thread)',
      ),
    );
    // The safety property alone is checked, with no warning.
    const safe = await checkSpecSource(eventually, { workers: 2, properties: ["small"] });
    expect([safe.result, safe.warnings]).toEqual(["ok", []]);
  });
});

describe("checkSourcedSpec: options that do not go together", () => {
  const refused = async (options: Parameters<typeof checkSourcedSpec>[1], message: string) =>
    expect(await rejection(checkSourcedSpec(sourced, options))).toEqual(new UsageError(message));

  it("one line each, before any worker or broker is started", async () => {
    await refused(
      { strategy: "swarm", stats: true },
      "--stats applies to --strategy bfs and dfs, which expand each distinct state once",
    );
    await refused(
      { workers: 2, stats: true },
      "--stats needs one worker (it counts in the search's thread); drop --workers",
    );
    await refused(
      { workers: 2, strategy: "dfs" },
      "--workers above 1 runs breadth-first search; drop --strategy or use --strategy bfs",
    );
    const broker = { url: "nats://127.0.0.1:1", spawn: false };
    for (const extra of [{ stats: true }, { coverage: true }])
      await refused(
        { workers: 2, distributed: broker, ...extra },
        "--stats and --coverage count in one process; drop them with --distributed",
      );
    await refused(
      { workers: 2, distributed: broker, strategy: "random" },
      "--distributed runs breadth-first search; drop --strategy or use --strategy bfs",
    );
  });

  it("checkSpecSource loads the spec from its source, then checks it as checkSourcedSpec does", async () => {
    const r = await checkSpecSource(source, { params: { rms: 3 }, properties: ["typeOK", "consistent"] });
    expect([r.spec, r.result, r.distinctStates, r.generatedStates, r.strategy]).toEqual([
      "two-phase-commit",
      "ok",
      288,
      1_146,
      "bfs",
    ]);
    const dfs = await checkSpecSource(source, { strategy: "dfs", params: { rms: 3 }, properties: ["typeOK"] });
    expect([dfs.strategy, dfs.distinctStates]).toEqual(["dfs", 288]);
  });
});
