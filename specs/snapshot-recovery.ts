/**
 * Log compaction by snapshot and recovery from it (Raft §7, "Log
 * compaction"; ZooKeeper's snapshots plus transaction log; the replicated
 * state machine of the seeds' chapters on replication and Raft). A node
 * applies committed log entries to its state machine; from time to time it
 * writes a snapshot of the state machine, recording the index and term of
 * the last entry the snapshot includes, and then discards the log up to that
 * index. After a crash it loads the snapshot and replays only the entries
 * after the last included index.
 *
 * What must hold: a node that recovers from a snapshot plus the log suffix
 * reaches the same state as one that replays the whole log. The snapshot and
 * the compaction are two writes, and a crash may fall between them; the log
 * then still holds entries the snapshot includes, and only the recorded last
 * included index tells the node to skip them. And the order of the two
 * writes matters: every committed entry must be on disk at every step, in the
 * log or in the snapshot, so the snapshot is written before the log prefix
 * goes. The recorded term is what the node answers for the entry at that
 * index once the log before it is gone (AppendEntries' consistency check, a
 * vote request's last log term).
 *
 * The model: one node whose state machine appends each command to a list
 * (order-sensitive and not idempotent, so applying an entry twice shows);
 * a leader appends at most `entries` entries in the node's current term,
 * commits them, and at most `terms - 1` times a new leader takes over and
 * overwrites the uncommitted suffix; at most `crashes` crashes. The commit
 * index is kept on disk (a real follower learns it again from the leader).
 */
import { atTermination, defineSpec, int, invariant } from "../src/index.js";

/** A log entry: its index (from 1), the term it was appended in, and its command. */
export interface LogEntry {
  readonly index: number;
  readonly term: number;
  readonly cmd: string;
}

/**
 * A snapshot: the state machine after applying every entry up to
 * `lastIncludedIndex`, and the term of that entry. The broken variant writes
 * null for both.
 */
export interface Snapshot {
  readonly lastIncludedIndex: number | null;
  readonly lastIncludedTerm: number | null;
  readonly state: readonly string[];
}

/** What survives a crash. */
export interface DurableState {
  readonly term: number;
  readonly log: readonly LogEntry[];
  readonly snapshot: Snapshot | null;
  readonly commitIndex: number;
}

/** What a crash loses. */
export interface VolatileState {
  /** The state machine: the commands applied, in order. */
  readonly applied: readonly string[];
  readonly appliedIndex: number;
  /** The index a snapshot was just written at, whose log prefix is still to be discarded. */
  readonly pendingCompaction: number | null;
  /** In the broken order only: the snapshot still to be written after its log prefix was discarded. */
  readonly pendingSnapshot: Snapshot | null;
}

/** The node. */
export interface SnapshotNode extends DurableState, VolatileState {
  readonly up: boolean;
}

/**
 * The state machine after applying `entries` in order (to `from`, the empty list by default).
 * @example replay([{ index: 1, term: 1, cmd: "x1" }, { index: 2, term: 1, cmd: "x2" }]) // ["x1", "x2"]
 */
export function replay(entries: readonly LogEntry[], from: readonly string[] = []): readonly string[] {
  return [...from, ...entries.map((e) => e.cmd)];
}

/** The index of the last entry the node has, in its log or (once compacted) in its snapshot; 0 when none. */
export function lastLogIndex(d: DurableState): number {
  return d.log.at(-1)?.index ?? d.snapshot?.lastIncludedIndex ?? 0;
}

/**
 * The term of the entry at `index` as the node can tell it: from its log, or
 * from the snapshot when `index` is its last included index; null when the
 * node cannot tell (the entry was discarded).
 */
export function termAt(d: DurableState, index: number): number | null {
  if (index === 0) return 0;
  const entry = d.log.find((e) => e.index === index);
  if (entry !== undefined) return entry.term;
  return d.snapshot?.lastIncludedIndex === index ? d.snapshot.lastIncludedTerm : null;
}

/** How recovery decides which log entries the snapshot already includes. */
export type ResumeRule = (d: DurableState) => number;

/** The correct rule: the snapshot's recorded last included index (0 without a snapshot). */
export const resumeAtLastIncludedIndex: ResumeRule = (d) => d.snapshot?.lastIncludedIndex ?? 0;

/**
 * Recovery after a crash: load the snapshot and resume applying after the
 * index `resumeAt` names (the entries up to it are in the snapshot).
 * @example
 * const d = { term: 1, commitIndex: 2, snapshot: { lastIncludedIndex: 1, lastIncludedTerm: 1, state: ["x1"] },
 *   log: [{ index: 1, term: 1, cmd: "x1" }, { index: 2, term: 1, cmd: "x2" }] };
 * recover(d, resumeAtLastIncludedIndex) // { applied: ["x1"], appliedIndex: 1, ... }: entry 2 is applied next
 */
export function recover(d: DurableState, resumeAt: ResumeRule): VolatileState {
  return {
    applied: d.snapshot?.state ?? [],
    appliedIndex: resumeAt(d),
    pendingCompaction: null,
    pendingSnapshot: null,
  };
}

/**
 * A snapshot of the node's state machine as of its applied index, recording
 * that index and the term of its entry.
 */
export function takeSnapshot(node: SnapshotNode): Snapshot {
  return {
    lastIncludedIndex: node.appliedIndex,
    lastIncludedTerm: termAt(node, node.appliedIndex),
    state: node.applied,
  };
}

/** The log without the entries up to `index` (they are in the snapshot). */
export function compact(log: readonly LogEntry[], index: number): readonly LogEntry[] {
  return log.filter((e) => e.index > index);
}

/** The state of the model. */
export interface SnapshotState {
  readonly node: SnapshotNode;
  /** Ghost: the whole committed log, never compacted. */
  readonly committed: readonly LogEntry[];
  /** Appends so far (names the commands x1, x2, ...; model bound). */
  readonly appends: number;
  readonly crashes: number;
}

/** Parameter values of the spec. */
export interface SnapshotParams {
  readonly entries: number;
  readonly terms: number;
  readonly crashes: number;
}

const volatileReset: VolatileState = { applied: [], appliedIndex: 0, pendingCompaction: null, pendingSnapshot: null };

function update(s: SnapshotState, node: Partial<SnapshotNode>): SnapshotState {
  return { ...s, node: { ...s.node, ...node } };
}

/** The options of the snapshot and recovery steps (the broken variant drops the index). */
interface SnapshotOptions {
  readonly take: (node: SnapshotNode) => Snapshot;
  readonly resumeAt: ResumeRule;
}

const correct: SnapshotOptions = { take: takeSnapshot, resumeAt: resumeAtLastIncludedIndex };

/** The bug: the snapshot holds only the state machine. */
const withoutIndex: SnapshotOptions = {
  take: (node) => ({ lastIncludedIndex: null, lastIncludedTerm: null, state: node.applied }),
  // Without a recorded index, the node can only assume the log starts right after the snapshot.
  resumeAt: (d) => {
    if (d.snapshot === null) return 0;
    const first = d.log[0];
    return first === undefined ? d.commitIndex : first.index - 1;
  },
};

const Append = (s: SnapshotState, p: SnapshotParams): SnapshotState | undefined => {
  if (!s.node.up || s.appends >= p.entries) return undefined;
  const entry: LogEntry = { index: lastLogIndex(s.node) + 1, term: s.node.term, cmd: `x${s.appends + 1}` };
  return { ...update(s, { log: [...s.node.log, entry] }), appends: s.appends + 1 };
};

/**
 * A new leader takes over in the next term: the entries the old one had not committed are overwritten (here: dropped).
 */
const NewTerm = (s: SnapshotState, p: SnapshotParams): SnapshotState | undefined => {
  if (!s.node.up || s.node.term >= p.terms) return undefined;
  return update(s, { term: s.node.term + 1, log: s.node.log.filter((e) => e.index <= s.node.commitIndex) });
};

const Commit = (s: SnapshotState): SnapshotState | undefined => {
  const entry = s.node.log.find((e) => e.index === s.node.commitIndex + 1);
  if (!s.node.up || entry === undefined) return undefined;
  return { ...update(s, { commitIndex: entry.index }), committed: [...s.committed, entry] };
};

const Apply = (s: SnapshotState): SnapshotState | undefined => {
  const { node } = s;
  const entry = node.log.find((e) => e.index === node.appliedIndex + 1);
  if (!node.up || node.appliedIndex >= node.commitIndex || entry === undefined) return undefined;
  return update(s, { applied: replay([entry], node.applied), appliedIndex: entry.index });
};

function snapshotWith(options: SnapshotOptions) {
  return (s: SnapshotState): SnapshotState | undefined => {
    const { node } = s;
    if (!node.up || node.pendingSnapshot !== null || node.applied.length <= (node.snapshot?.state.length ?? 0))
      return undefined;
    return update(s, { snapshot: options.take(node), pendingCompaction: node.appliedIndex });
  };
}

/** The bug: the log prefix is discarded first, and the snapshot that holds it is written in a later step. */
const compactThenSnapshot = (s: SnapshotState): SnapshotState | undefined => {
  const { node } = s;
  if (!node.up || node.pendingSnapshot !== null || node.applied.length <= (node.snapshot?.state.length ?? 0))
    return undefined;
  return update(s, { log: compact(node.log, node.appliedIndex), pendingSnapshot: takeSnapshot(node) });
};

/** Writes a snapshot taken earlier (only in the broken order, after its log prefix was discarded). */
const WriteSnapshot = (s: SnapshotState): SnapshotState | undefined => {
  const { node } = s;
  if (!node.up || node.pendingSnapshot === null) return undefined;
  return update(s, { snapshot: node.pendingSnapshot, pendingSnapshot: null });
};

/** The background job that discards the log prefix the snapshot just written includes. */
const Compact = (s: SnapshotState): SnapshotState | undefined => {
  const { node } = s;
  if (!node.up || node.pendingCompaction === null) return undefined;
  return update(s, { log: compact(node.log, node.pendingCompaction), pendingCompaction: null });
};

const Crash = (s: SnapshotState, p: SnapshotParams): SnapshotState | undefined => {
  if (!s.node.up || s.crashes >= p.crashes) return undefined;
  return { ...update(s, { ...volatileReset, up: false }), crashes: s.crashes + 1 };
};

function restartWith(options: SnapshotOptions) {
  return (s: SnapshotState): SnapshotState | undefined =>
    s.node.up ? undefined : update(s, { ...recover(s.node, options.resumeAt), up: true });
}

/** Snapshots, log compaction, and recovery from snapshot plus log suffix. */
export const snapshotRecovery = defineSpec({
  name: "snapshot-recovery",
  description:
    "a snapshot with its last included index and term plus the log suffix recovers the same state as replaying the whole log, whenever the node crashes",
  params: {
    entries: int(3, { min: 1, max: 4, description: "log entries the leader appends per run (model bound)" }),
    terms: int(2, {
      min: 1,
      max: 3,
      description: "terms per run; each new term overwrites the uncommitted suffix (model bound)",
    }),
    crashes: int(1, { min: 0, max: 2, description: "crashes per run (model bound)" }),
  },
  init: () => [
    {
      node: { term: 1, log: [], snapshot: null, commitIndex: 0, ...volatileReset, up: true },
      committed: [],
      appends: 0,
      crashes: 0,
    } satisfies SnapshotState,
  ],
  actions: {
    Append,
    NewTerm,
    Commit,
    Apply,
    Snapshot: snapshotWith(correct),
    Compact,
    Crash,
    Restart: restartWith(correct),
  },
  properties: {
    recoveredStateMatchesFullReplay: invariant<SnapshotState>(
      (s) => !s.node.up || replay(s.committed.slice(0, s.node.appliedIndex)).join() === s.node.applied.join(),
      "the state machine, however the node got it (snapshot plus log suffix after a crash, or the log alone), is the whole committed log replayed up to its applied index",
    ),
    snapshotRecordsTheEntryItEndsWith: invariant<SnapshotState>((s) => {
      const snap = s.node.snapshot;
      if (snap === null || snap.lastIncludedIndex === null) return true;
      const last = s.committed[snap.lastIncludedIndex - 1];
      return (
        snap.state.join() === replay(s.committed.slice(0, snap.lastIncludedIndex)).join() &&
        (last?.term ?? 0) === snap.lastIncludedTerm
      );
    }, "a snapshot's state is the committed log replayed up to its last included index, and its recorded term is that entry's term"),
    everyCommittedEntryIsOnDisk: invariant<SnapshotState>(
      (s) =>
        s.committed.every(
          (e) =>
            s.node.log.some((l) => l.index === e.index && l.cmd === e.cmd) ||
            s.node.snapshot?.state[e.index - 1] === e.cmd,
        ),
      "every committed entry is on disk at every step: in the log, or applied in the snapshot's state",
    ),
    lastEntryIsKnownAfterCompaction: invariant<SnapshotState>(
      (s) => termAt(s.node, lastLogIndex(s.node)) !== null,
      "the node can always tell the index and term of its last entry, even when compaction discarded the whole log",
    ),
    everyCommittedEntryIsApplied: atTermination<SnapshotState>(
      (s) => s.node.up && replay(s.committed).join() === s.node.applied.join(),
      "when nothing more can happen, the node is up and its state machine is the whole committed log replayed",
    ),
  },
  variants: {
    "snapshot-without-index": {
      description:
        "the snapshot holds only the state machine; after a crash between writing it and compacting the log, recovery replays entries the snapshot already includes",
      violates: "recoveredStateMatchesFullReplay",
      actions: { Snapshot: snapshotWith(withoutIndex), Restart: restartWith(withoutIndex) },
    },
    "compact-before-snapshot": {
      description:
        "the log prefix is discarded before the snapshot that holds it is written: in between the node holds neither, so a new entry reuses an index and a crash loses committed entries",
      violates: "everyCommittedEntryIsOnDisk",
      actions: { Snapshot: compactThenSnapshot, WriteSnapshot },
    },
  },
});
