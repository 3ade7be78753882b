/**
 * The safety properties of Raft (paper, Figure 3) over the global state of the
 * protocol, plus the client's view: the recorded history is linearizable.
 */
import { createIncrementalChecker, registerModel } from "../../src/history/index.js";
import { nodesOf, type NodeId, type ProtocolStateOf } from "../../src/index.js";
import type { kvClient } from "./client.js";
import { sameValue, type Command, type Value } from "./kv.js";
import type { LogEntry, raftServer, ServerState } from "./server.js";

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

/** True when `a` and `b` hold the same entries at indexes 1..n. */
function samePrefix(a: readonly LogEntry[], b: readonly LogEntry[], n: number): boolean {
  if (a.length < n || b.length < n) return false;
  for (let k = 0; k < n; k++) if (!sameEntry(a[k]!, b[k]!)) return false;
  return true;
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
      const a = servers[i]!.log;
      const b = servers[j]!.log;
      if (a === b) continue;
      for (let n = Math.min(a.length, b.length); n > 0; n--) {
        if (a[n - 1]!.term === b[n - 1]!.term) {
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
      if (!samePrefix(leader.log, other.log, other.commitIndex)) return false;
    }
  }
  return true;
}

/** State machine safety: no two servers apply different commands at the same index. */
export function stateMachineSafety(servers: readonly ServerState[]): boolean {
  for (let i = 0; i < servers.length; i++) {
    for (let j = i + 1; j < servers.length; j++) {
      const a = servers[i]!;
      const b = servers[j]!;
      const n = Math.min(a.lastApplied, b.lastApplied);
      for (let k = 0; k < n; k++) {
        const x = a.log[k];
        const y = b.log[k];
        if (x !== undefined && y !== undefined && !sameCommand(x.command, y.command)) return false;
      }
    }
  }
  return true;
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
