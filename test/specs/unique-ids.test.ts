import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  compareIds,
  encodeId,
  initialGenerator,
  nextId,
  uniqueIds,
  type UniqueIdsState,
} from "../../specs/unique-ids.js";

/** Whether an invariant of the default model holds in `state`. */
function holds(property: string, state: UniqueIdsState | undefined): boolean {
  if (state === undefined) throw new Error("no state");
  const p = uniqueIds.instantiate().properties.find((x) => x.name === property);
  if (p?.kind !== "invariant") throw new Error(`no invariant ${property}`);
  return p.check(state);
}

describe("unique-ids: the generator", () => {
  const config = { node: 3, sequences: 2 };

  it("counts within a tick, waits when the tick is used up, and restarts the sequence on a new tick", () => {
    const a = nextId(initialGenerator, 5, config);
    expect(a).toEqual({
      type: "issued",
      id: { timestamp: 5, node: 3, sequence: 0 },
      state: { lastTimestamp: 5, sequence: 0 },
    });
    if (a.type !== "issued") throw new Error("unreachable");
    const b = nextId(a.state, 5, config);
    expect(b).toEqual({
      type: "issued",
      id: { timestamp: 5, node: 3, sequence: 1 },
      state: { lastTimestamp: 5, sequence: 1 },
    });
    if (b.type !== "issued") throw new Error("unreachable");
    expect(nextId(b.state, 5, config)).toEqual({ type: "wait", reason: "sequence-exhausted" });
    expect(nextId(b.state, 4, config)).toEqual({ type: "wait", reason: "clock-behind-last-id" });
    expect(nextId(b.state, 6, config)).toEqual({
      type: "issued",
      id: { timestamp: 6, node: 3, sequence: 0 },
      state: { lastTimestamp: 6, sequence: 0 },
    });
  });

  it("encodes ids in Twitter's layout, in the order compareIds gives", () => {
    const ids = [
      { timestamp: 1, node: 2, sequence: 3 },
      { timestamp: 1, node: 1, sequence: 4095 },
      { timestamp: 0, node: 1023, sequence: 0 },
    ];
    expect(encodeId(ids[0]!)).toBe(4202499n);
    const byCompare = [...ids].sort(compareIds);
    const byCode = [...ids].sort((a, b) => (encodeId(a) < encodeId(b) ? -1 : 1));
    expect(byCode).toEqual(byCompare);
  });
});

describe("unique-ids: the model", () => {
  it("holds at the defaults (2 nodes, 2 ids per tick, skew 1, real time 0..2, 3 ids per node, 1 crash): 16,799 states, BFS and DFS agree", () => {
    const bfs = checkSpec(uniqueIds);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 16799, 76994]);
    const dfs = checkSpec(uniqueIds, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 16799, 76994]);
  });

  it("volatile-last-timestamp reissues an id in 6 steps: crash, clock stepped back, restart", () => {
    const r = checkSpec(uniqueIds, { variant: "volatile-last-timestamp" });
    expect([r.result, r.property]).toEqual(["violation", "idsAreUnique"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Generate(node 0)",
      "Crash(node 0)",
      "Tick",
      "StepClock(node 0 to 0)",
      "Restart(node 0)",
      "Generate(node 0)",
    ]);
    // The reissued id also breaks per-node monotonicity: that invariant is not vacuous.
    expect(holds("idsIncreasePerNode", r.trace?.at(-1)?.state as UniqueIdsState | undefined)).toBe(false);
  });

  it("sequence-overflow-no-wait reissues an id in 3 steps: the third id in one tick wraps to sequence 0", () => {
    const r = checkSpec(uniqueIds, { variant: "sequence-overflow-no-wait" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "idsAreUnique", 3]);
    const last = r.trace?.at(-1)?.state as UniqueIdsState;
    expect(last.nodes[0]?.issued).toEqual([
      { id: { timestamp: 0, node: 0, sequence: 0 }, at: 0 },
      { id: { timestamp: 0, node: 0, sequence: 1 }, at: 0 },
      { id: { timestamp: 0, node: 0, sequence: 0 }, at: 0 },
    ]);
  });

  it("clock-beyond-skew puts ids made 2 ticks apart out of order in 5 steps", () => {
    const r = checkSpec(uniqueIds, { variant: "clock-beyond-skew" });
    expect([r.result, r.property]).toEqual(["violation", "idsAreKSorted"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Generate(node 1)",
      "Tick",
      "Tick",
      "StepClock(node 0 to 0)",
      "Generate(node 0)",
    ]);
  });
});
