/**
 * The safety properties of Raft (paper, Figure 3) over the global state of the
 * protocol, plus the client's view: the recorded history is linearizable.
 *
 * With log compaction a server holds entries only after its snapshot: the
 * properties compare entries at the indexes both servers still hold, and
 * states of the state machine where one server's snapshot sits (a compacted
 * prefix is committed and applied). Without snapshots (`compactAfter=0`)
 * they are the properties over whole logs.
 */
import { createIncrementalChecker, registerModel } from "../../src/history/index.js";
import { nodesOf, type NodeId, type ProtocolStateOf } from "../../src/index.js";
import type { kvClient } from "./client.js";
import { applyCommand, sameValue, type Command, type KvMachine, type Value } from "./kv.js";
import { entryAt, lastIndex, termAt, type LogEntry, type raftServer, type ServerState } from "./server.js";

/** The global state of the Raft protocol as properties see it. */
export type RaftState = ProtocolStateOf<{ server: typeof raftServer; client: ReturnType<typeof kvClient> }>;

/** The server states of a global state, in id order. */
export function serversOf(s: RaftState, ids: readonly NodeId[]): ServerState[] {
  return nodesOf(s, "server", ids);
}

/** Same command: same client session and operation. */
export function sameCommand(a: Command, b: Command): boolean {
  if (a === b) return true;
  if (a.client !== b.client || a.seq !== b.seq || a.op.type !== b.op.type || a.op.key !== b.op.key) return false;
  const x = a.op as { value?: Value; expected?: Value };
  const y = b.op as { value?: Value; expected?: Value };
  return sameValue(x.value, y.value) && sameValue(x.expected, y.expected);
}

/** Same entry: same term and command. */
export function sameEntry(a: LogEntry, b: LogEntry): boolean {
  return a === b || (a.term === b.term && sameCommand(a.command, b.command));
}

/**
 * True when `a` and `b` hold entries 1..n (compacted or not) and the same
 * ones at the indexes neither compacted; where one compacted up to an index
 * the other holds, the other's entry there has the snapshot's term.
 */
function samePrefix(a: ServerState, b: ServerState, n: number): boolean {
  if (lastIndex(a) < n || lastIndex(b) < n) return false;
  for (let k = Math.max(a.snapshot.index, b.snapshot.index) + 1; k <= n; k++)
    if (!sameEntry(entryAt(a, k)!, entryAt(b, k)!)) return false;
  return snapshotsAgree(a, b, n) && snapshotsAgree(b, a, n);
}

/** Where `a`'s snapshot ends (at or before `n`), `b` holds an entry of the same term or has compacted it too. */
function snapshotsAgree(a: ServerState, b: ServerState, n: number): boolean {
  const at = a.snapshot.index;
  return at === 0 || at > n || at <= b.snapshot.index || termAt(b, at) === a.snapshot.term;
}

/** Election safety: no two servers are leaders of the same term. */
export function atMostOneLeaderPerTerm(servers: readonly ServerState[]): boolean {
  for (let i = 0; i < servers.length; i++) {
    const a = servers[i]!;
    if (a.role !== "leader") continue;
    for (let j = i + 1; j < servers.length; j++) {
      const b = servers[j]!;
      if (b.role === "leader" && b.currentTerm === a.currentTerm) return false;
    }
  }
  return true;
}

/**
 * Log matching: when two logs hold an entry with the same index and term,
 * they are identical up to that index. Checking the highest such index
 * suffices: its prefix contains every lower one.
 */
export function logMatching(servers: readonly ServerState[]): boolean {
  for (let i = 0; i < servers.length; i++) {
    for (let j = i + 1; j < servers.length; j++) {
      const a = servers[i]!;
      const b = servers[j]!;
      if (a.log === b.log && a.snapshot === b.snapshot) continue;
      // The indexes whose term both know: from the later snapshot's last index on.
      const from = Math.max(a.snapshot.index, b.snapshot.index, 1);
      for (let n = Math.min(lastIndex(a), lastIndex(b)); n >= from; n--) {
        if (termAt(a, n) === termAt(b, n)) {
          if (!samePrefix(a, b, n)) return false;
          break;
        }
      }
    }
  }
  return true;
}

/**
 * Leader completeness: a leader holds every committed entry of earlier terms.
 * A server's entries 1..commitIndex were committed in some term no later than
 * its current term, so every leader of that term or a later one must hold them
 * (the leader of that very term committed them itself).
 */
export function leaderCompleteness(servers: readonly ServerState[]): boolean {
  for (const leader of servers) {
    if (leader.role !== "leader") continue;
    for (const other of servers) {
      if (other === leader || other.commitIndex === 0 || other.currentTerm > leader.currentTerm) continue;
      if (!samePrefix(leader, other, other.commitIndex)) return false;
    }
  }
  return true;
}

/**
 * State machine safety: no two servers apply different commands at the same
 * index. Where either compacted its log, their state machines must also be
 * equal wherever both can say what theirs was: at the same applied index,
 * at the same snapshot index, and at one's snapshot index when the other
 * applied past it from an earlier snapshot (its snapshot's machine with its
 * own entries applied up to there).
 */
export function stateMachineSafety(servers: readonly ServerState[]): boolean {
  for (let i = 0; i < servers.length; i++) {
    for (let j = i + 1; j < servers.length; j++) {
      const a = servers[i]!;
      const b = servers[j]!;
      const n = Math.min(a.lastApplied, b.lastApplied);
      for (let k = Math.max(a.snapshot.index, b.snapshot.index) + 1; k <= n; k++) {
        const x = entryAt(a, k);
        const y = entryAt(b, k);
        if (x !== undefined && y !== undefined && !sameCommand(x.command, y.command)) return false;
      }
      if (a.snapshot.index === 0 && b.snapshot.index === 0) continue;
      if (a.lastApplied === b.lastApplied && !sameMachine(a.machine, b.machine)) return false;
      if (a.snapshot.index === b.snapshot.index && !sameMachine(a.snapshot.machine, b.snapshot.machine)) return false;
      if (!snapshotMachineAgrees(a, b) || !snapshotMachineAgrees(b, a)) return false;
    }
  }
  return true;
}

function sameMachine(a: KvMachine, b: KvMachine): boolean {
  return a === b || sameValue(a as unknown as Value, b as unknown as Value);
}

/**
 * `b`'s state machine as of `a`'s snapshot index equals `a`'s snapshot, when `b` applied that far from an earlier
 * snapshot.
 */
function snapshotMachineAgrees(a: ServerState, b: ServerState): boolean {
  const at = a.snapshot.index;
  if (at === 0 || at <= b.snapshot.index || at > b.lastApplied) return true;
  let machine = b.snapshot.machine;
  for (let k = b.snapshot.index + 1; k <= at; k++) {
    const entry = entryAt(b, k);
    if (entry === undefined) return true;
    machine = applyCommand(machine, entry.command).machine;
  }
  return sameMachine(machine, a.snapshot.machine);
}

/**
 * The highest term a server holds or a message in flight carries. A PreVote's
 * proposed term, and a granted PreVoteResponse that echoes it, change no
 * server's term, so they do not count.
 */
export function highestTerm(s: RaftState, servers: readonly ServerState[]): number {
  let highest = 0;
  for (const server of servers) highest = Math.max(highest, server.currentTerm);
  for (const e of s.network) {
    const m = e.msg as { readonly type: string; readonly term?: number; readonly granted?: boolean };
    if (m.term === undefined || m.type === "PreVote" || (m.type === "PreVoteResponse" && m.granted === true)) continue;
    highest = Math.max(highest, m.term);
  }
  return highest;
}

/**
 * Pre-vote (dissertation, 9.6): a step that raises the highest term in the
 * cluster does so at a server that holds pre-votes from a majority for it.
 * A server cut off from the majority never gets them, so however often its
 * election timeout fires, it cannot come back with a higher term and depose
 * a healthy leader.
 */
export function newTermsHaveAPreVoteQuorum(
  prev: RaftState,
  next: RaftState,
  prevServers: readonly ServerState[],
  nextServers: readonly ServerState[],
  majority: number,
): boolean {
  const highest = highestTerm(next, nextServers);
  if (highest <= highestTerm(prev, prevServers)) return true;
  return nextServers.every((s) => s.currentTerm < highest || s.preVotes.length >= majority);
}

/** No server's term decreases from one state to the next (terms are durable, so across crashes too). */
export function termsNeverDecrease(prev: readonly ServerState[], next: readonly ServerState[]): boolean {
  return prev.every((p, i) => next[i]!.currentTerm >= p.currentTerm);
}

/**
 * Linearizability against src/history's register model partitioned by key
 * (the clients record reads, writes and compare-and-sets per key). The
 * incremental checker shares the work between a state's history and its
 * parent's, which differ by one event.
 */
const linearizability = createIncrementalChecker(registerModel);

/** The client history recorded in the state is linearizable (one register per key, each starting as null). */
export function linearizableClientHistory(s: RaftState): boolean {
  return linearizability.isLinearizable(s.history);
}
