import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  compact,
  lastLogIndex,
  recover,
  replay,
  resumeAtLastIncludedIndex,
  snapshotRecovery,
  takeSnapshot,
  termAt,
  type DurableState,
  type LogEntry,
  type SnapshotNode,
  type SnapshotState,
} from "../../specs/snapshot-recovery.js";

const log: readonly LogEntry[] = [
  { index: 1, term: 1, cmd: "x1" },
  { index: 2, term: 1, cmd: "x2" },
  { index: 3, term: 2, cmd: "x4" },
];

describe("snapshot-recovery: snapshot, compaction, recovery", () => {
  it("a snapshot records the applied state with the index and term of its last entry", () => {
    const node: SnapshotNode = {
      term: 2,
      log,
      snapshot: null,
      commitIndex: 3,
      applied: ["x1", "x2"],
      appliedIndex: 2,
      pendingCompaction: null,
      pendingSnapshot: null,
      up: true,
    };
    expect(takeSnapshot(node)).toEqual({ lastIncludedIndex: 2, lastIncludedTerm: 1, state: ["x1", "x2"] });
  });

  it("after compaction the node still knows its last index and the term at the snapshot's boundary", () => {
    const d: DurableState = {
      term: 2,
      commitIndex: 3,
      snapshot: { lastIncludedIndex: 3, lastIncludedTerm: 2, state: ["x1", "x2", "x4"] },
      log: compact(log, 3),
    };
    expect([d.log, lastLogIndex(d), termAt(d, 3), termAt(d, 2), termAt(d, 0)]).toEqual([[], 3, 2, null, 0]);
  });

  it("recovering from any snapshot plus the log suffix, compacted or not, replays to the same state as the whole log", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.boolean(), (at, compacted) => {
        const snapshot = {
          lastIncludedIndex: at,
          lastIncludedTerm: termAt({ term: 2, log, snapshot: null, commitIndex: 3 }, at),
          state: replay(log.slice(0, at)),
        };
        const d: DurableState = { term: 2, commitIndex: 3, snapshot, log: compacted ? compact(log, at) : log };
        const v = recover(d, resumeAtLastIncludedIndex);
        const suffix = d.log.filter((e) => e.index > v.appliedIndex);
        expect(replay(suffix, v.applied)).toEqual(["x1", "x2", "x4"]);
      }),
      { seed: 1, numRuns: 50 },
    );
  });
});

describe("snapshot-recovery: the model", () => {
  it("holds at the defaults (3 entries, 2 terms, 1 crash): BFS and DFS agree", () => {
    const b = checkSpec(snapshotRecovery);
    expect([b.result, b.distinctStates, b.generatedStates]).toEqual(["ok", 852, 1681]);
    const d = checkSpec(snapshotRecovery, { strategy: "dfs" });
    expect([d.result, d.distinctStates, d.generatedStates]).toEqual(["ok", 852, 1681]);
  });

  it("snapshot-without-index: a crash between the snapshot and the compaction, and recovery counts x1 as not applied yet, in 6 steps", () => {
    const r = checkSpec(snapshotRecovery, { variant: "snapshot-without-index" });
    expect([r.result, r.property]).toEqual(["violation", "recoveredStateMatchesFullReplay"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Append", "Commit", "Apply", "Snapshot", "Crash", "Restart"]);
    const node = (r.trace?.at(-1)?.state as SnapshotState).node;
    expect([node.applied, node.appliedIndex, node.log.length]).toEqual([["x1"], 0, 1]);
  });

  it("compact-before-snapshot: the log prefix is gone and the snapshot not yet written, so x1 is only in memory, in 4 steps", () => {
    const r = checkSpec(snapshotRecovery, { variant: "compact-before-snapshot" });
    expect([r.result, r.property]).toEqual(["violation", "everyCommittedEntryIsOnDisk"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Append", "Commit", "Apply", "Snapshot"]);
    const node = (r.trace?.at(-1)?.state as SnapshotState).node;
    expect([node.log, node.snapshot, node.pendingSnapshot]).toEqual([
      [],
      null,
      { lastIncludedIndex: 1, lastIncludedTerm: 1, state: ["x1"] },
    ]);
  });

  it("compact-before-snapshot: a crash in that window, and x2 appended at the reused index 1 is applied as entry 1, in 8 steps", () => {
    const r = checkSpec(snapshotRecovery, {
      variant: "compact-before-snapshot",
      properties: ["recoveredStateMatchesFullReplay"],
    });
    expect([r.result, r.property]).toEqual(["violation", "recoveredStateMatchesFullReplay"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Append",
      "Commit",
      "Apply",
      "Snapshot",
      "Append",
      "Crash",
      "Restart",
      "Apply",
    ]);
    const last = r.trace?.at(-1)?.state as SnapshotState;
    expect([last.node.snapshot, last.node.log, last.node.applied, last.committed.map((e) => e.cmd)]).toEqual([
      null,
      [{ index: 1, term: 1, cmd: "x2" }],
      ["x2"],
      ["x1"],
    ]);
  });

  it.each([
    ["snapshot-without-index", "recoveredStateMatchesFullReplay"],
    ["compact-before-snapshot", "everyCommittedEntryIsOnDisk"],
  ])("random search finds %s breaking %s", (variant, property) => {
    const r = checkSpec(snapshotRecovery, { variant, strategy: "random", seed: 1, properties: [property] });
    expect([r.result, r.property]).toEqual(["violation", property]);
  });

  it("the properties fail on states that break them", () => {
    const model = snapshotRecovery.instantiate();
    const prop = (name: string) => model.properties.find((p) => p.name === name)!;
    const committed = log.slice(0, 2);
    const node: SnapshotNode = {
      term: 1,
      log: committed,
      snapshot: null,
      commitIndex: 2,
      applied: ["x1", "x2"],
      appliedIndex: 2,
      pendingCompaction: null,
      pendingSnapshot: null,
      up: true,
    };
    const state = (n: Partial<SnapshotNode>): SnapshotState => ({
      node: { ...node, ...n },
      committed,
      appends: 2,
      crashes: 0,
    });
    const replayed = prop("recoveredStateMatchesFullReplay");
    const recorded = prop("snapshotRecordsTheEntryItEndsWith");
    const known = prop("lastEntryIsKnownAfterCompaction");
    const onDisk = prop("everyCommittedEntryIsOnDisk");
    if (
      replayed.kind !== "invariant" ||
      recorded.kind !== "invariant" ||
      known.kind !== "invariant" ||
      onDisk.kind !== "invariant"
    )
      throw new Error("expected invariants");
    expect([
      replayed.check(state({})),
      recorded.check(state({})),
      known.check(state({})),
      onDisk.check(state({})),
    ]).toEqual([true, true, true, true]);
    expect(
      onDisk.check(
        state({ log: compact(committed, 1), snapshot: { lastIncludedIndex: 1, lastIncludedTerm: 1, state: ["x1"] } }),
      ),
    ).toBe(true);
    expect(onDisk.check(state({ log: compact(committed, 1) }))).toBe(false);
    expect(replayed.check(state({ applied: ["x1", "x1"] }))).toBe(false);
    expect(
      recorded.check(state({ snapshot: { lastIncludedIndex: 2, lastIncludedTerm: 2, state: ["x1", "x2"] } })),
    ).toBe(false);
    expect(
      recorded.check(state({ snapshot: { lastIncludedIndex: 1, lastIncludedTerm: 1, state: ["x1", "x2"] } })),
    ).toBe(false);
    expect(
      known.check(state({ log: [], snapshot: { lastIncludedIndex: 2, lastIncludedTerm: null, state: ["x1", "x2"] } })),
    ).toBe(false);
  });
});
