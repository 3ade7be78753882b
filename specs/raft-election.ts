/**
 * Raft's leader election alone (Ongaro and Ousterhout, 2014, section 5.2;
 * raft.tla's RequestVote, HandleRequestVoteRequest/Response, BecomeLeader),
 * built to judge liveness: does some server eventually become leader?
 *
 * Not without an assumption. By FLP (Fischer, Lynch and Paterson, 1985) no
 * deterministic protocol solves consensus, leader election included, with
 * guaranteed termination in a fully asynchronous system: here, candidates
 * whose election timers fire together split the vote, time out together
 * again, and may do so forever (the `split-votes` variant shows that lasso).
 * Raft escapes by randomizing its timeouts, which makes a stable period, in
 * which one server's timer fires alone and its election completes before any
 * other timer fires, likely but not certain. This spec states that period as
 * an explicit step, `Stabilize` (weakly fair: the period eventually starts),
 * after which only `n1`'s election timer fires (and, as always here, only
 * once its previous election's round trip is over). Under it, with every
 * other step weakly fair, `eventuallyLeader` holds.
 *
 * Terms are stored relative to the smallest term in the state: every term,
 * in the servers and in the messages in flight, minus the least of them.
 * Raft only compares terms (greater, equal, less) and adds one to its own, so
 * shifting every term by the same amount changes no step's outcome; without
 * it each split-vote round would raise the terms and the livelock would be
 * an infinite path, never a cycle of the finite graph. Election safety keeps
 * its meaning: two leaders with equal relative terms have equal terms.
 *
 * Model choices: the network holds at most one message per kind and
 * direction (a newer RequestVote from n1 to n2 supersedes the older, which
 * is then lost, as Raft tolerates); a message whose term is below its
 * receiver's is dropped at once (a heartbeat or a vote answer of an old term
 * changes nothing where it arrives; a RequestVote of an old term is lost,
 * which only keeps an old candidate from hearing of a newer term, as it will
 * from any newer RequestVote); heartbeats are AppendEntries without entries
 * and their responses are left out (a stale leader learns of a newer term
 * from the RequestVotes every candidate sends it). An election timeout
 * exceeds a round trip: a server's timer fires only when its RequestVotes
 * and their answers are no longer in flight. These choices keep the graph
 * finite: every term stays within one of the smallest plus one election.
 * Three servers give 15,008 states; four took more than four minutes
 * without finishing, so `servers` stops at 3.
 */
import { produce } from "immer";
import { match } from "ts-pattern";
import { choose, defineSpec, eventually, int, invariant, numberedIds, type NodeId } from "../src/index.js";

/** One server's election state (raft.tla's currentTerm, state, votedFor, votesGranted). */
export interface ElectionServer {
  readonly term: number;
  readonly role: "follower" | "candidate" | "leader";
  readonly votedFor: NodeId | null;
  /** The servers that granted this candidate (or leader) its votes in its term, sorted. */
  readonly votes: readonly NodeId[];
}

/** The messages of leader election; a heartbeat is an AppendEntries with no entries. */
export type ElectionMessage =
  | { readonly type: "RequestVote"; readonly from: NodeId; readonly to: NodeId; readonly term: number }
  | {
      readonly type: "RequestVoteResponse";
      readonly from: NodeId;
      readonly to: NodeId;
      readonly term: number;
      readonly granted: boolean;
    }
  | { readonly type: "Heartbeat"; readonly from: NodeId; readonly to: NodeId; readonly term: number };

/** The state of the model. */
export interface ElectionState {
  readonly servers: Readonly<Record<NodeId, ElectionServer>>;
  /** Messages in flight, at most one per channel, sorted by channel. */
  readonly network: readonly ElectionMessage[];
  /** True once the stable period has begun: only n1's timer fires, and only when the network is empty. */
  readonly stable: boolean;
}

/** Parameter values of the spec. */
export interface ElectionParams {
  readonly servers: number;
}

/** The server whose timer alone fires in the stable period. */
export const STABLE_TIMER: NodeId = "n1";

/** Server ids n1..nN. */
export const electionServerIds = (servers: number): readonly NodeId[] => numberedIds("n", servers);

/** A message's channel: one message per kind and direction, `RequestVote n1->n2`. */
export function channelOf(m: ElectionMessage): string {
  return `${m.type} ${m.from}->${m.to}`;
}

/** The least number of votes that wins an election among `servers` servers. */
export function majorityOf(servers: number): number {
  return Math.floor(servers / 2) + 1;
}

/** A server that has seen a greater term adopts it and becomes a follower with no vote in it. */
export function observeTerm(server: ElectionServer, term: number): ElectionServer {
  return term > server.term ? { term, role: "follower", votedFor: null, votes: [] } : server;
}

/**
 * The canonical form of a state: messages whose term is below their
 * receiver's are dropped (see the module comment), then every term is
 * shifted by the smallest one, so the smallest is 0 (Raft only compares terms).
 * @example
 * normalize(s)
 * // → servers at terms 3, 4, 4 and a RequestVote of term 3 to a server of term 3 become 0, 1, 1 and 0
 */
export function normalize(s: ElectionState): ElectionState {
  const network = s.network.filter((m) => m.term >= s.servers[m.to]!.term);
  let least = Infinity;
  for (const server of Object.values(s.servers)) least = Math.min(least, server.term);
  for (const m of network) least = Math.min(least, m.term);
  if (least === 0 && network.length === s.network.length) return s;
  return {
    servers: Object.fromEntries(
      Object.entries(s.servers).map(([id, server]) => [id, { ...server, term: server.term - least }]),
    ),
    network: network.map((m) => ({ ...m, term: m.term - least })),
    stable: s.stable,
  };
}

/** Puts `messages` in the network, each replacing the one on its channel, and keeps the network sorted. */
function sendAll(
  network: readonly ElectionMessage[],
  messages: readonly ElectionMessage[],
): readonly ElectionMessage[] {
  const byChannel = new Map(network.map((m) => [channelOf(m), m]));
  for (const m of messages) byChannel.set(channelOf(m), m);
  return [...byChannel.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, m]) => m);
}

/** The step of a server whose election timer fires: a new term, a vote for itself, RequestVote to every peer. */
export function startElection(s: ElectionState, id: NodeId, p: ElectionParams): ElectionState {
  const server = s.servers[id]!;
  const term = server.term + 1;
  const won = majorityOf(p.servers) <= 1;
  const peers = electionServerIds(p.servers).filter((peer) => peer !== id);
  return normalize({
    servers: { ...s.servers, [id]: { term, role: won ? "leader" : "candidate", votedFor: id, votes: [id] } },
    network: sendAll(
      s.network,
      peers.map((to): ElectionMessage => ({ type: "RequestVote", from: id, to, term })),
    ),
    stable: s.stable,
  });
}

/** Whether a server grants a RequestVote (after adopting its term): raft.tla's grant condition, logs left out. */
export type VoteRule = (server: ElectionServer, m: Extract<ElectionMessage, { type: "RequestVote" }>) => boolean;

/** Raft's rule: the request is of the server's term and the server has not voted for anyone else in it. */
export const grantsVote: VoteRule = (server, m) =>
  m.term === server.term && (server.votedFor === null || server.votedFor === m.from);

/** A receiver's step for one message, under `voteRule`; returns its new state and the messages it sends. */
export function receive(
  server: ElectionServer,
  m: ElectionMessage,
  p: ElectionParams,
  voteRule: VoteRule,
): { readonly server: ElectionServer; readonly send: readonly ElectionMessage[] } {
  const seen = observeTerm(server, m.term);
  return match(m)
    .with({ type: "RequestVote" }, (rv) => {
      const granted = voteRule(seen, rv);
      const next = granted ? { ...seen, votedFor: rv.from } : seen;
      return {
        server: next,
        send: [{ type: "RequestVoteResponse", from: rv.to, to: rv.from, term: next.term, granted } as const],
      };
    })
    .with({ type: "RequestVoteResponse" }, (r) => {
      if (seen.role !== "candidate" || r.term !== seen.term || !r.granted || seen.votes.includes(r.from))
        return { server: seen, send: [] };
      const votes = [...seen.votes, r.from].sort();
      const role: ElectionServer["role"] = votes.length >= majorityOf(p.servers) ? "leader" : "candidate";
      return { server: { ...seen, votes, role }, send: [] };
    })
    .with({ type: "Heartbeat" }, (h) =>
      // A candidate that hears from a leader of its own term steps down.
      ({
        server: h.term === seen.term && seen.role === "candidate" ? { ...seen, role: "follower" as const } : seen,
        send: [],
      }),
    )
    .exhaustive();
}

/** Deliver(channel): the message on that channel leaves the network and its receiver handles it. */
function deliverWith(voteRule: VoteRule) {
  return choose(
    (s: ElectionState) => s.network.map(channelOf),
    (s: ElectionState, channel: string, p: ElectionParams) => {
      const m = s.network.find((x) => channelOf(x) === channel);
      if (m === undefined) return undefined;
      const step = receive(s.servers[m.to]!, m, p, voteRule);
      return normalize({
        servers: { ...s.servers, [m.to]: step.server },
        network: sendAll(
          s.network.filter((x) => x !== m),
          step.send,
        ),
        stable: s.stable,
      });
    },
  );
}

/**
 * Whether `id`'s election timer may fire: never at a leader, and only once
 * its own election's round trip is over (no RequestVote of its own and no
 * answer to it in flight): the timeout exceeds a round trip. Any server's
 * timer before the stable period; in it, n1's alone.
 */
function timerMayFire(s: ElectionState, id: NodeId): boolean {
  if (s.servers[id]!.role === "leader") return false;
  if (s.stable && id !== STABLE_TIMER) return false;
  return !s.network.some(
    (m) => (m.type === "RequestVote" && m.from === id) || (m.type === "RequestVoteResponse" && m.to === id),
  );
}

const hasLeader = (s: ElectionState): boolean => Object.values(s.servers).some((server) => server.role === "leader");

/** True when no two leaders share a term (election safety). */
export function atMostOneLeaderPerTerm(s: ElectionState): boolean {
  const terms = Object.values(s.servers)
    .filter((server) => server.role === "leader")
    .map((server) => server.term);
  return new Set(terms).size === terms.length;
}

/** A vote rule that forgets whom the server voted for: it grants every request of its term. */
const votesTwice: VoteRule = (server, m) => m.term === server.term;

/** Raft's leader election with relative terms and an explicit stable period: see the module comment. */
export const raftElection = defineSpec({
  name: "raft-election",
  description:
    "Raft's leader election with terms relative to the smallest: split votes loop forever; under a stable period a leader is eventually elected",
  params: {
    servers: int(3, { min: 2, max: 3, description: "number of servers" }),
  },
  init: (p): ElectionState[] => [
    {
      servers: Object.fromEntries(
        electionServerIds(p.servers).map((id): [NodeId, ElectionServer] => [
          id,
          { term: 0, role: "follower", votedFor: null, votes: [] },
        ]),
      ),
      network: [],
      stable: false,
    },
  ],
  actions: {
    Timeout: choose(
      (_s: ElectionState, p: ElectionParams) => electionServerIds(p.servers),
      (s: ElectionState, id: NodeId, p: ElectionParams) => (timerMayFire(s, id) ? startElection(s, id, p) : undefined),
    ),
    Heartbeat: choose(
      (_s: ElectionState, p: ElectionParams) => electionServerIds(p.servers),
      (s: ElectionState, id: NodeId, p: ElectionParams) => {
        const server = s.servers[id]!;
        if (server.role !== "leader") return undefined;
        const peers = electionServerIds(p.servers).filter((peer) => peer !== id);
        return {
          ...s,
          network: sendAll(
            s.network,
            peers.map((to): ElectionMessage => ({ type: "Heartbeat", from: id, to, term: server.term })),
          ),
        };
      },
    ),
    Deliver: deliverWith(grantsVote),
    Stabilize: (s: ElectionState) => (s.stable ? undefined : produce(s, (d) => void (d.stable = true))),
  },
  // Every step is weakly fair, per instance: timers that may fire eventually do, a message in flight is
  // eventually delivered, a leader sends heartbeats, and the stable period eventually begins (the assumption).
  fairness: { weak: ["*"] },
  properties: {
    atMostOneLeaderPerTerm: invariant<ElectionState>(
      atMostOneLeaderPerTerm,
      "election safety: at most one leader in any term",
    ),
    leaderHasMajority: invariant<ElectionState, ElectionParams>(
      (s, p) =>
        Object.values(s.servers).every(
          (server) => server.role !== "leader" || server.votes.length >= majorityOf(p.servers),
        ),
      "a leader holds the votes of a majority in its term",
    ),
    eventuallyLeader: eventually<ElectionState>(
      hasLeader,
      "every fair behaviour reaches a state with a leader (under the stable period the spec assumes)",
    ),
  },
  variants: {
    "vote-twice": {
      description:
        "a server forgets whom it voted for and grants every RequestVote of its term: two leaders in one term",
      violates: "atMostOneLeaderPerTerm",
      actions: { Deliver: deliverWith(votesTwice) },
    },
    "split-votes": {
      description:
        "no stable period is assumed (Stabilize is not fair): candidates may time out together and split the vote forever",
      violates: "eventuallyLeader",
      fairness: { weak: ["Timeout", "Heartbeat", "Deliver"] },
    },
  },
  sets: ["servers.*.votes"],
});
