import { describe, expect, it } from "vitest";
import { EdgeLog, P_HOLDS, Q_HOLDS, type LivenessProperty } from "../../checker/edge-log.js";
import type { FairnessLevel } from "../../src/index.js";

type S = { readonly x: number };
const eventually = { name: "big", kind: "eventually", check: (s: S) => s.x > 2 } as LivenessProperty<S>;
const leadsTo = {
  name: "oddThenEven",
  kind: "leadsTo",
  check: (s: S) => s.x % 2 === 1,
  then: (s: S) => s.x % 2 === 0,
} as LivenessProperty<S>;

describe("EdgeLog", () => {
  it("keeps every edge's source, target and ordinal as it grows past its first arrays, by half each time", () => {
    const log = new EdgeLog<S>([eventually], undefined);
    const first = 1 << 14;
    expect(log.bytes).toBe(first * 4 * 4 + first);
    for (let e = 0; e < first + 1; e++) log.push(e, e + 1, "ignored", false, e % 7);
    expect(log.count).toBe(first + 1);
    const size = Math.ceil(first * 1.5);
    for (const a of [log.from, log.to, log.key, log.ordinal]) expect(a.length).toBe(size);
    expect(log.bytes).toBe(size * 4 * 4 + first);
    expect([log.from[0], log.to[0], log.ordinal[0]]).toEqual([0, 1, 0]);
    expect([log.from[first], log.to[first], log.ordinal[first]]).toEqual([first, first + 1, first % 7]);
    // No fairness declared: no edge has a key, and labels are never read.
    expect(log.key.subarray(0, log.count).every((k) => k === -1)).toBe(true);
    expect(log.levels).toEqual([]);
  });

  it("gives each fair label one key id, with its level; unfair labels and faults get -1", () => {
    const asked: string[] = [];
    const fairness = (label: string): FairnessLevel => {
      asked.push(label);
      return label.startsWith("strong") ? 2 : label.startsWith("weak") ? 1 : 0;
    };
    const log = new EdgeLog<S>([eventually], fairness);
    log.push(0, 1, "weak a", false, 0);
    log.push(0, 2, "free b", false, 1);
    log.push(1, 2, "strong c", false, 0);
    log.push(2, 0, "weak a", false, 0);
    log.push(2, -1, "strong c", true, 1);
    log.push(2, 1, "free b", false, 2);
    expect([...log.key.subarray(0, log.count)]).toEqual([0, -1, 1, 0, -1, -1]);
    expect(log.levels).toEqual([1, 2]);
    expect(log.keyLabels).toEqual(["weak a", "strong c"]);
    // Each label is judged once; a fault's label is not judged at all.
    expect(asked).toEqual(["weak a", "free b", "strong c"]);
    expect([...log.to.subarray(0, log.count)]).toEqual([1, 2, 2, 0, -1, 1]);
  });

  it("starts with no initial states", () => {
    expect(new EdgeLog<S>([eventually], undefined).initial).toEqual([]);
  });

  it("marks each stored state with its properties' predicate bits, growing to fit any index", () => {
    const log = new EdgeLog<S>([eventually, leadsTo], undefined);
    // The first index past the first array: its two bytes need it grown.
    log.mark(8192, { x: 3 });
    expect(log.marks.length).toBe(2 * (1 << 14));
    expect([log.marks[16384], log.marks[16385]]).toEqual([P_HOLDS, P_HOLDS]);
    log.mark(0, { x: 0 });
    log.mark(1, { x: 3 });
    log.mark(2, { x: 4 });
    expect([...log.marks.subarray(0, 6)]).toEqual([0, Q_HOLDS, P_HOLDS, P_HOLDS, P_HOLDS, Q_HOLDS]);
    const first = 1 << 14;
    // Index 10,000 needs 20,002 bytes: more than twice the first array.
    log.mark(10_000, { x: 5 });
    expect(log.marks.length).toBe(Math.max(first * 2, 20_002));
    expect([log.marks[20_000], log.marks[20_001]]).toEqual([P_HOLDS, P_HOLDS]);
    expect([...log.marks.subarray(0, 6)]).toEqual([0, Q_HOLDS, P_HOLDS, P_HOLDS, P_HOLDS, Q_HOLDS]);
    log.mark(40_000, { x: 1 });
    expect(log.marks.length).toBe(80_002);
    expect([log.marks[80_000], log.marks[80_001]]).toEqual([0, P_HOLDS]);
    // An index that fits exactly does not grow the array.
    log.mark(40_000, { x: 2 });
    expect(log.marks.length).toBe(80_002);
    expect(log.bytes).toBe(first * 4 * 4 + 80_002);
  });
});
