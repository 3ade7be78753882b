/**
 * Liveness under fairness on small specs whose graphs are known by hand:
 * weak versus strong fairness, stuttering, the three kinds, the constraint
 * boundary, and the lasso in the CLI, the trace formats and replay.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  alwaysEventually,
  defineSpec,
  eventually,
  leadsTo,
  toItf,
  toMermaid,
  toTraceJson,
  type Fairness,
} from "../../src/index.js";
import { cli } from "../support/cli.js";

type Flip = { readonly x: number; readonly done: boolean };

/**
 * A switch flips between 0 and 1; Finish is enabled only at 1. Weak fairness
 * on Finish is met by flipping forever (Finish is disabled half the time);
 * strong fairness is not.
 */
function flip(fairness: Fairness) {
  return defineSpec({
    name: "flip",
    description: "flip a switch; finish when it is on",
    init: (): Flip[] => [{ x: 0, done: false }],
    actions: {
      Toggle: (s) => (s.done ? undefined : { ...s, x: s.x === 0 ? 1 : 0 }),
      Finish: (s) => (s.x === 1 && !s.done ? { ...s, done: true } : undefined),
    },
    fairness,
    properties: { finishes: eventually((s) => s.done) },
  });
}

describe("liveness under fairness", () => {
  it("weak fairness on Finish allows flipping forever: a lasso whose cycle is the two toggles", () => {
    const r = checkSpec(flip({ weak: ["Toggle", "Finish"] }));
    expect([r.result, r.property, r.propertyKind, r.loopStart, r.trace?.map((s) => s.action)]).toEqual([
      "violation",
      "finishes",
      "eventually",
      0,
      [null, "Toggle", "Toggle"],
    ]);
    expect([r.distinctStates, r.generatedStates]).toEqual([3, 4]);
  });

  it("strong fairness on Finish forbids it: the property holds", () => {
    const r = checkSpec(flip({ weak: ["Toggle"], strong: ["Finish"] }));
    expect([r.result, r.property]).toEqual(["ok", null]);
  });

  it("without fairness the system may stop at once: a lasso of 0 steps that stutters", () => {
    const r = checkSpec(flip({}));
    expect([r.result, r.trace?.length, r.loopStart]).toEqual(["violation", 1, 0]);
  });

  it("a final state (nothing enabled) is stayed in forever, fairness or not", () => {
    const spec = defineSpec({
      name: "stuck",
      description: "counts to 2 and stops short of 3",
      init: () => [{ n: 0 }],
      actions: { Inc: (s) => (s.n < 2 ? { n: s.n + 1 } : undefined) },
      fairness: { weak: ["*"] },
      properties: { reachesThree: eventually((s) => s.n === 3), keepsZero: alwaysEventually((s) => s.n === 0) },
    });
    const r = checkSpec(spec);
    expect([r.result, r.property, r.loopStart, r.trace?.length]).toEqual(["violation", "reachesThree", 2, 3]);
    const always = checkSpec(spec, { properties: ["keepsZero"] });
    expect([always.result, always.propertyKind, always.loopStart, always.trace?.length]).toEqual([
      "violation",
      "alwaysEventually",
      2,
      3,
    ]);
  });

  it("leadsTo: a request is answered, unless the server may drop it and loop", () => {
    type Req = { readonly pending: boolean; readonly served: number };
    const server = (drop: boolean) =>
      defineSpec({
        name: "server",
        description: "a request is pending until served",
        init: (): Req[] => [{ pending: false, served: 0 }],
        actions: {
          Request: (s) => (s.pending || s.served >= 2 ? undefined : { ...s, pending: true }),
          Serve: (s) => (s.pending ? { pending: false, served: s.served + 1 } : undefined),
          ...(drop ? { Spin: (s: Req) => (s.pending ? s : undefined) } : {}),
        },
        fairness: { weak: drop ? ["Request", "Spin"] : ["Request", "Serve"] },
        properties: {
          answered: leadsTo(
            (s) => s.pending,
            (s) => !s.pending,
          ),
        },
      });
    expect(checkSpec(server(false)).result).toBe("ok");
    const r = checkSpec(server(true));
    // Request (the trigger), then the server spins on the pending request forever.
    expect([r.result, r.propertyKind, r.loopStart, r.trace?.map((s) => s.action)]).toEqual([
      "violation",
      "leadsTo",
      1,
      [null, "Request", "Spin"],
    ]);
  });

  it("states outside the constraint are not judged: a behaviour that leaves it is not a counterexample", () => {
    const spec = defineSpec({
      name: "walk",
      description: "walks right forever",
      init: () => [{ n: 0 }],
      actions: { Step: (s) => ({ n: s.n + 1 }) },
      constraint: (s) => s.n <= 3,
      fairness: { weak: ["Step"] },
      properties: { neverThere: eventually((s) => s.n < 0) },
    });
    const r = checkSpec(spec);
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 4, 5]);
  });

  it("the CLI prints the lasso, its JSON has loopStart, and the formats show the loop", async () => {
    const text = await cli("check", "supervisor", "--variant", "defer-while-busy");
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      'leadsTo "crashedChildEventuallyRestarted" is violated by a fair behaviour: after 2 steps it repeats a cycle of 2 steps forever',
    );
    expect(text.stdout).toContain("-- Loop starts here (state 2) --\nStep 3: HandleExit(c1)");
    expect(text.stdout).toContain("-- Back to state 2: the loop repeats forever --");
    const json = await cli("check", "two-phase-commit", "--variant", "unfair-network", "--json", "-");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      result: "violation",
      property: "eventuallyAllDecided",
      propertyKind: "eventually",
      loopStart: 4,
    });

    const r = checkSpec(flip({ weak: ["Toggle", "Finish"] }));
    const source = { spec: "flip", property: r.property, loopStart: r.loopStart };
    expect(toTraceJson(r.trace!, source).loopStart).toBe(0);
    const itf = toItf(r.trace!, source) as { loop: number; "#meta": { loopStart: number } };
    expect([itf.loop, itf["#meta"].loopStart]).toEqual([1, 0]);
    expect(toMermaid(r.trace!, source)).toContain('  s2 -.->|"repeats forever"| s1');
  });

  it("replay accepts a lasso, and rejects one whose loop is unfair or does not close", async () => {
    const dir = mkdtempSync(join(tmpdir(), "interleave-lasso-"));
    const r = checkSpec((await import("../../specs/two-phase-commit.js")).twoPhaseCommit, {
      variant: "unfair-network",
    });
    const source = {
      spec: "two-phase-commit",
      variant: "unfair-network",
      params: r.params,
      property: r.property,
      loopStart: r.loopStart,
    };
    const file = join(dir, "lasso.json");
    writeFileSync(file, JSON.stringify(toTraceJson(r.trace!, source)));
    const ok = await cli("replay", file);
    expect([ok.code, ok.stdout]).toEqual([
      1,
      'VIOLATION: two-phase-commit --variant unfair-network (rms=3): replaying the lasso (4 steps; it stays at step 4 forever, fairly) reproduces eventually "eventuallyAllDecided"\n',
    ]);
    const unfair = await cli("replay", file, "--variant", "default");
    expect([unfair.code, unfair.stdout]).toEqual([
      2,
      'DIVERGED: two-phase-commit (rms=3): step 4 of the trace is not a step of the spec: the loop is not a fair behaviour: "rm1: receive Abort from tm" is weakly fair, enabled throughout the loop and never taken in it\n',
    ]);
    const open = join(dir, "open.json");
    writeFileSync(open, JSON.stringify(toTraceJson(r.trace!, { ...source, loopStart: 2 })));
    const notClosed = await cli("replay", open);
    expect([notClosed.code, notClosed.stdout.split("\n")[0]]).toEqual([
      2,
      "DIVERGED: two-phase-commit --variant unfair-network (rms=3): step 4 (rm3: Prepare) of the trace is not a step of the spec: the loop does not close: the last state is not the state at loopStart (step 2)",
    ]);
  });

  it("refuses liveness with symmetry, random walks or workers when it is named, in one line (exit 2)", async () => {
    const r = await cli("check", "two-phase-commit", "--symmetry", "--property", "eventuallyAllDecided");
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      "",
      'interleave: liveness properties ("eventuallyAllDecided") are not checked with --symmetry (a cycle of orbits need not be a cycle of states, so lassos could be spurious)\n',
    ]);
    const workers = await cli("check", "two-phase-commit", "--workers", "2", "--property", "eventuallyAllDecided");
    expect([workers.code, workers.stderr]).toEqual([
      2,
      'interleave: liveness properties ("eventuallyAllDecided") are not checked with --workers above 1 (the edges the liveness check needs are recorded on one thread)\n',
    ]);
  });
});
