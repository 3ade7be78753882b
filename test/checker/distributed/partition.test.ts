/**
 * One worker's partition of the distributed search: the states it owns, with
 * trace links across partitions, and the routing set that keeps its own
 * states and hands each other state on once a level.
 */
import { describe, expect, it } from "vitest";
import { PartitionStore, ROUTED, RoutingSet } from "../../../checker/distributed/partition.js";
import { ownerOf } from "../../../checker/distributed/protocol.js";

// Fingerprints [hi, lo] by their owner among 3 partitions.
const OWNED_BY_1 = [
  [1, 22],
  [1, 24],
  [1, 26],
] as const;
const OWNED_BY_2 = [1, 2] as const;
const OWNED_BY_0 = [1, 3] as const;

describe("the fingerprints these tests use", () => {
  it("have the owners their names say, among 3 partitions", () => {
    expect([...OWNED_BY_1, OWNED_BY_2, OWNED_BY_0].map(([hi, lo]) => ownerOf(hi, lo, 3))).toEqual([1, 1, 1, 2, 0]);
  });
});

describe("PartitionStore", () => {
  it("stores each state once and numbers it across the cluster: local index times partitions plus partition", () => {
    const own = new PartitionStore(1, 3);
    expect(own.size).toBe(0);
    expect(own.insert(1, 22, -1, 0)).toBe(1);
    expect(own.insert(1, 24, 1, 3)).toBe(4);
    expect(own.insert(1, 22, 4, 9)).toBe(-1);
    expect(own.insert(1, 26, 4, 0)).toBe(7);
    expect(own.size).toBe(3);
    expect([own.has(1, 22), own.has(1, 26), own.has(1, 28)]).toEqual([true, true, false]);
  });

  it("gives the trace link of each stored state: its parent's id, its ordinal, its fingerprint", () => {
    const own = new PartitionStore(1, 3);
    own.insert(1, 22, -1, 2);
    own.insert(1, 24, 9, 3);
    // Known again from another parent: the first link stays.
    own.insert(1, 22, 4, 5);
    expect(own.link(1)).toEqual({ id: 1, parent: -1, ordinal: 2, fingerprint: [1, 22] });
    expect(own.link(4)).toEqual({ id: 4, parent: 9, ordinal: 3, fingerprint: [1, 24] });
  });

  it("refuses ids it did not give: another partition's, a negative one, one past its states", () => {
    const own = new PartitionStore(1, 3);
    own.insert(1, 22, -1, 0);
    own.insert(1, 24, 1, 0);
    for (const id of [0, 2, 3, -2, 7, 10])
      expect(() => own.link(id)).toThrow(new Error(`partition 1 has no state ${id}`));
  });

  it("keeps the parent of every state past the first 65,536 (its parent array grows)", () => {
    const own = new PartitionStore(2, 3);
    const n = 70_000;
    // Each state's parent is the previous one; ids are local * 3 + 2.
    const ids = Array.from({ length: n }, (_, i) => own.insert(i + 1, 7 * i + 1, i === 0 ? -1 : 3 * i - 1, i % 7));
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => 3 * i + 2));
    expect(own.size).toBe(n);
    expect(own.link(3 * 65_536 + 2)).toEqual({
      id: 196_610,
      parent: 196_607,
      ordinal: 65_536 % 7,
      fingerprint: [65_537, 7 * 65_536 + 1],
    });
    expect(own.link(3 * (n - 1) + 2)).toEqual({
      id: 209_999,
      parent: 209_996,
      ordinal: (n - 1) % 7,
      fingerprint: [n, 7 * (n - 1) + 1],
    });
  });

  it("bytes per state: its store's arrays and its parent ids over the states stored, 0 when empty", () => {
    const own = new PartitionStore(0, 2);
    expect(own.bytesPerState).toBe(0);
    own.insert(1, 22, -1, 0);
    own.insert(1, 24, 0, 1);
    // A store sized for 2^16 states (1,966,080 bytes) and 2^16 parent ids of 8 bytes, over 2 states.
    expect(own.bytesPerState).toBe((1_966_080 + 524_288) / 2);
  });
});

describe("RoutingSet", () => {
  it("stores the states its partition owns and routes each other one once, remembering where it goes", () => {
    const own = new PartitionStore(1, 3);
    const routing = new RoutingSet(own);
    expect([routing.ownerOf(...OWNED_BY_1[0]), routing.ownerOf(...OWNED_BY_2), routing.ownerOf(...OWNED_BY_0)]).toEqual(
      [1, 2, 0],
    );
    expect(routing.insert(1, 22, -1, 0)).toBe(1);
    expect(routing.insert(1, 22, -1, 1)).toBe(-1);
    expect(routing.insert(...OWNED_BY_2, 1, 5)).toBe(ROUTED);
    expect(routing.lastRouted).toEqual({ parent: 1, ordinal: 5, owner: 2 });
    // Routed already this level: not sent again, and the last routed state stays the one above.
    expect(routing.insert(...OWNED_BY_2, 4, 6)).toBe(-1);
    expect(routing.lastRouted).toEqual({ parent: 1, ordinal: 5, owner: 2 });
    expect(routing.insert(...OWNED_BY_0, 4, 7)).toBe(ROUTED);
    expect(routing.lastRouted).toEqual({ parent: 4, ordinal: 7, owner: 0 });
    // Only the partition's own states are stored and counted.
    expect([routing.size, own.size, own.has(...OWNED_BY_2)]).toEqual([1, 1, false]);
  });

  it("knows its own stored states and the states it routed this level; the next level routes them afresh", () => {
    const own = new PartitionStore(1, 3);
    const routing = new RoutingSet(own);
    routing.insert(1, 22, -1, 0);
    routing.insert(...OWNED_BY_2, 1, 0);
    const known = () => [
      routing.has(1, 22),
      routing.has(1, 24),
      routing.has(...OWNED_BY_2),
      routing.has(...OWNED_BY_0),
    ];
    expect(known()).toEqual([true, false, true, false]);
    routing.nextLevel();
    expect(known()).toEqual([true, false, false, false]);
    expect(routing.insert(...OWNED_BY_2, 1, 0)).toBe(ROUTED);
    expect(routing.insert(1, 22, 1, 0)).toBe(-1);
  });
});
