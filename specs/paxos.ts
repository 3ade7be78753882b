/**
 * Single-decree Paxos (Lamport, "Paxos Made Simple"): proposers choose a
 * value with acceptors, any majority of which is a quorum. A proposer picks a
 * ballot, collects promises from a majority (phase 1), proposes the value of
 * the highest-ballot vote those promises report, or its own when there is
 * none, and the value is chosen once a majority accepts it (phase 2).
 *
 * Two quorums always share an acceptor, and an acceptor never accepts below a
 * ballot it promised, so a later ballot can only propose a value an earlier
 * ballot may have chosen: at most one value is ever chosen. As in Paxos.tla,
 * messages live in a set (delivered any number of times, in any order, or
 * never), so loss, duplication and reordering are all explored.
 */
import { produce } from "immer";
import { match } from "ts-pattern";
import {
  become,
  broadcast,
  defineProtocol,
  defineRole,
  int,
  invariant,
  nodeOf,
  nodesOf,
  reply,
  setAdd,
  type NodeId,
  type ProtocolState,
  type ProtocolStateOf,
} from "../src/index.js";

/** A vote: the ballot an acceptor accepted a value at. */
export interface Vote {
  readonly ballot: number;
  readonly value: string;
}

/** The messages of Paxos (Lamport's 1a, 1b, 2a, 2b). */
export type PaxosMessage =
  | { readonly type: "Prepare"; readonly ballot: number }
  | { readonly type: "Promise"; readonly ballot: number; readonly voted: Vote | null }
  | { readonly type: "Accept"; readonly ballot: number; readonly value: string }
  | { readonly type: "Accepted"; readonly ballot: number; readonly value: string };

/** An acceptor's state: the highest ballot it promised (0: none) and its last vote. */
export interface AcceptorState {
  readonly promised: number;
  readonly voted: Vote | null;
}

/** What an acceptor reacts to: a proposer's Prepare or Accept. */
export type AcceptorInput = Extract<PaxosMessage, { type: "Prepare" | "Accept" }>;

/** A proposer's state for its current ballot. */
export interface ProposerState {
  /** The value this proposer wants chosen. */
  readonly value: string;
  /** Its current ballot (0: not started). */
  readonly ballot: number;
  readonly phase: "idle" | "preparing" | "accepting" | "decided";
  /** Acceptors that promised this ballot (a sorted set). */
  readonly promises: readonly NodeId[];
  /** The highest-ballot vote reported by those promises. */
  readonly highest: Vote | null;
  /** The value proposed in phase 2 of this ballot. */
  readonly proposal: string | null;
  /** Acceptors that accepted the proposal at this ballot (a sorted set). */
  readonly accepts: readonly NodeId[];
  /** The value this proposer learned was chosen. */
  readonly decided: string | null;
}

/** What a proposer reacts to: its own decision to start a ballot, promises and acceptances. */
export type ProposerInput = { readonly type: "StartBallot" } | Extract<PaxosMessage, { type: "Promise" | "Accepted" }>;

/** A majority of `n`. */
export function quorumSize(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The ballot a proposer moves to: proposers take turns, so proposer k (0-based)
 * of P uses ballots k+1, k+1+P, k+1+2P, ... and no two proposers share one.
 */
export function nextBallot(current: number, index: number, proposers: number): number {
  return current === 0 ? index + 1 : current + proposers;
}

function higher(a: Vote | null, b: Vote | null): Vote | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.ballot > a.ballot ? b : a;
}

/** The acceptor: promises never to go below a ballot, and accepts only at or above its promise. */
export const acceptor = defineRole<AcceptorState, AcceptorInput, PaxosMessage>({
  init: () => ({ promised: 0, voted: null }),
  reduce: (s, input, ctx) =>
    match(input)
      .with({ type: "Prepare" }, (m) =>
        m.ballot <= s.promised
          ? undefined
          : become<AcceptorState, PaxosMessage>(
              { ...s, promised: m.ballot },
              reply(ctx, { type: "Promise", ballot: m.ballot, voted: s.voted }),
            ),
      )
      .with({ type: "Accept" }, (m) => {
        if (m.ballot < s.promised) return undefined;
        const vote = { ballot: m.ballot, value: m.value };
        return become<AcceptorState, PaxosMessage>(
          { promised: m.ballot, voted: vote },
          reply(ctx, { type: "Accepted", ...vote }),
        );
      })
      .exhaustive(),
});

/** The proposer, which also learns the outcome of its own ballot. */
export const proposer = defineRole<ProposerState, ProposerInput, PaxosMessage>({
  init: (ctx) => {
    const index = (ctx.roles["proposer"] ?? []).indexOf(ctx.self);
    return {
      value: `v${index + 1}`,
      ballot: 0,
      phase: "idle",
      promises: [],
      highest: null,
      proposal: null,
      accepts: [],
      decided: null,
    };
  },
  choices: () => [{ type: "StartBallot" }],
  reduce: (s, input, ctx) => {
    const acceptors = ctx.roles["acceptor"] ?? [];
    const proposers = ctx.roles["proposer"] ?? [];
    const quorum = quorumSize(acceptors.length);
    return match(input)
      .with({ type: "StartBallot" }, () => {
        if (s.phase === "decided") return undefined;
        const ballot = nextBallot(s.ballot, proposers.indexOf(ctx.self), proposers.length);
        return become<ProposerState, PaxosMessage>(
          { ...s, ballot, phase: "preparing", promises: [], highest: null, proposal: null, accepts: [] },
          broadcast(acceptors, { type: "Prepare", ballot }),
        );
      })
      .with({ type: "Promise" }, (m) => {
        if (s.phase !== "preparing" || m.ballot !== s.ballot || ctx.from === undefined) return undefined;
        const next = produce(s, (d) => {
          d.promises = setAdd(s.promises, ctx.from!) as NodeId[];
          d.highest = higher(s.highest, m.voted);
        });
        if (next.promises.length < quorum) return become(next);
        const proposal = next.highest?.value ?? s.value;
        return become<ProposerState, PaxosMessage>(
          { ...next, phase: "accepting", proposal },
          broadcast(acceptors, { type: "Accept", ballot: s.ballot, value: proposal }),
        );
      })
      .with({ type: "Accepted" }, (m) => {
        if (s.phase !== "accepting" || m.ballot !== s.ballot || ctx.from === undefined) return undefined;
        const accepts = setAdd(s.accepts, ctx.from) as NodeId[];
        return become<ProposerState>(
          accepts.length < quorum ? { ...s, accepts } : { ...s, accepts, phase: "decided", decided: s.proposal },
        );
      })
      .exhaustive();
  },
});

/**
 * An acceptor that checks an Accept against its last vote instead of its promise: it accepts a lower ballot after
 * promising a higher one.
 */
const acceptorIgnoringPromise = defineRole<AcceptorState, AcceptorInput, PaxosMessage>({
  ...acceptor,
  reduce: (s, input, ctx) => {
    if (input.type !== "Accept") return acceptor.reduce(s, input, ctx);
    if (s.voted !== null && input.ballot < s.voted.ballot) return undefined;
    const vote = { ballot: input.ballot, value: input.value };
    return become<AcceptorState, PaxosMessage>(
      { promised: Math.max(s.promised, input.ballot), voted: vote },
      reply(ctx, { type: "Accepted", ...vote }),
    );
  },
});

type State = ProtocolStateOf<{ acceptor: typeof acceptor; proposer: typeof proposer }>;

/** Parameter values of the spec. */
export interface PaxosParams {
  readonly acceptors: number;
  readonly proposers: number;
  readonly maxBallot: number;
}

const idCache = new Map<string, NodeId[]>();
function ids(prefix: string, n: number): readonly NodeId[] {
  const key = `${prefix}${n}`;
  let found = idCache.get(key);
  if (!found) idCache.set(key, (found = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`)));
  return found;
}

/**
 * The values chosen so far: those a majority of acceptors voted for at one
 * ballot. Votes are the Accepted messages, which the set network keeps.
 */
export function chosenValues(s: ProtocolState<unknown, PaxosMessage>, acceptors: number): string[] {
  const voters = new Map<string, Set<NodeId>>();
  for (const e of s.network) {
    if (e.msg.type !== "Accepted") continue;
    const key = JSON.stringify([e.msg.ballot, e.msg.value]);
    const set = voters.get(key) ?? new Set<NodeId>();
    set.add(e.from);
    voters.set(key, set);
  }
  const chosen = new Set<string>();
  for (const [key, set] of voters)
    if (set.size >= quorumSize(acceptors)) chosen.add((JSON.parse(key) as [number, string])[1]);
  return [...chosen].sort();
}

function decidedValues(s: State, proposers: number): string[] {
  return nodesOf(s, "proposer", ids("p", proposers)).flatMap((proposer) => {
    const d = proposer.decided;
    return d === null ? [] : [d];
  });
}

/** Single-decree Paxos with `acceptors` acceptors and `proposers` proposers, ballots up to `maxBallot`. */
export const paxos = defineProtocol({
  name: "paxos",
  description: "single-decree Paxos: proposers and a majority of acceptors choose at most one value",
  params: {
    acceptors: int(3, { min: 1, max: 5, description: "acceptors (any majority is a quorum)" }),
    proposers: int(2, { min: 1, max: 3, description: "proposers, each with its own value" }),
    maxBallot: int(2, {
      min: 1,
      max: 6,
      description: "highest ballot explored (model bound): 2 gives each of 2 proposers one ballot",
    }),
  },
  network: "set",
  nodes: (p) => ({ acceptor: ids("a", p.acceptors), proposer: ids("p", p.proposers) }),
  roles: { acceptor, proposer },
  constraint: (s, p) => ids("p", p.proposers).every((id) => nodeOf(s, "proposer", id).ballot <= p.maxBallot),
  properties: {
    atMostOneValueChosen: invariant<State, PaxosParams>(
      (s, p) => new Set([...chosenValues(s, p.acceptors), ...decidedValues(s, p.proposers)]).size <= 1,
      "agreement: no two values are both chosen (or learned)",
    ),
    onlyProposedValuesChosen: invariant<State, PaxosParams>((s, p) => {
      const proposed = new Set(ids("p", p.proposers).map((id) => nodeOf(s, "proposer", id).value));
      return [...chosenValues(s, p.acceptors), ...decidedValues(s, p.proposers)].every((v) => proposed.has(v));
    }, "validity: a chosen (or learned) value is one a proposer proposed"),
  },
  variants: {
    "accept-lower-ballot": {
      description: "an acceptor accepts a lower ballot after promising a higher one (it checks only its last vote)",
      violates: "atMostOneValueChosen",
      roles: { acceptor: acceptorIgnoringPromise },
    },
  },
});
