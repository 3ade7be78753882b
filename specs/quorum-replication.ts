/**
 * Leaderless replication with quorums, as in Dynamo and Cassandra (the seeds'
 * replication chapter): every key lives on N replicas; a write is
 * acknowledged once W replicas have stored it, a read asks R replicas and
 * takes the value with the highest timestamp. When R + W > N every read
 * quorum overlaps every write quorum, so a read sees the latest acknowledged
 * write.
 *
 * Two mechanisms keep the replicas that missed a write from staying behind:
 *
 * - Read repair: a read that finds replicas holding an older value writes the
 *   newest one back, and returns only once W replicas hold it (Cassandra's
 *   blocking read repair). Without it a read can return a value a minority
 *   holds while the write is still in progress, and a later read that asks
 *   other replicas returns the older one: the history is not linearizable.
 * - Hinted handoff: the coordinator keeps a hint for every replica that has
 *   not acknowledged a write, and hands the write off to it later (here: once
 *   per hint, which repairs the one message the network may lose). Hints do
 *   not count towards W: a "sloppy" quorum that counted them would break the
 *   overlap.
 *
 * The model: one writer `w` (the coordinator of its writes, values 1, 2, ...
 * stamped with timestamps 1, 2, ...), one reader `r` issuing reads one after
 * the other (each asks one R-subset of the replicas, which stands for
 * whichever R answer first), N replicas, and an unordered network that may
 * lose `loss` messages. The clients record their operations; the history is
 * checked for linearizability in every state.
 */
import { match } from "ts-pattern";
import {
  atTermination,
  become,
  broadcast,
  defineProtocol,
  defineRole,
  int,
  invariant,
  numberedIds,
  record,
  reply,
  send,
  setAdd,
  type NodeId,
  type ProtocolState,
  type RoleDef,
} from "../src/index.js";
import { createIncrementalChecker, registerModel } from "../src/history/index.js";
import type { RegisterValue, Stamped as Timestamped } from "./abd-register.js";
import { registerRuntime } from "./register-runtime.js";

/** The register's values and timestamped values are ABD's: the same register, replicated another way. */
export type { RegisterValue, Stamped as Timestamped } from "./abd-register.js";

/** The messages; `rid` numbers a client's operations so that replies to an earlier one are ignored. */
export type QuorumMessage =
  | { readonly type: "Get"; readonly rid: number }
  | { readonly type: "GetReply"; readonly rid: number; readonly ts: number; readonly value: RegisterValue }
  | { readonly type: "Put"; readonly rid: number; readonly ts: number; readonly value: RegisterValue }
  | { readonly type: "PutAck"; readonly rid: number };

/** The quorum sizes. */
export interface QuorumConfig {
  /** Replicas that must store a write (or a read repair) before it is acknowledged. */
  readonly w: number;
  /** Replicas a read asks. */
  readonly r: number;
}

/**
 * True when every read quorum overlaps every write quorum of `n` replicas.
 * @example quorumsOverlap(3, { r: 2, w: 2 }) // true
 * @example quorumsOverlap(3, { r: 1, w: 2 }) // false: a read can miss the write
 */
export function quorumsOverlap(n: number, config: QuorumConfig): boolean {
  return config.r + config.w > n;
}

/**
 * Every subset of `replicas` of size `size`, in order: the read quorums.
 * @example subsetsOfSize(["s1", "s2", "s3"], 2) // [["s1","s2"], ["s1","s3"], ["s2","s3"]]
 */
export function subsetsOfSize(replicas: readonly NodeId[], size: number): readonly (readonly NodeId[])[] {
  const out: NodeId[][] = [];
  const pick = (from: number, chosen: NodeId[]): void => {
    if (chosen.length === size) {
      out.push(chosen);
      return;
    }
    for (let i = from; i < replicas.length; i++) pick(i + 1, [...chosen, replicas[i]!]);
  };
  pick(0, []);
  return out;
}

/** A replica: the highest-timestamped value it has stored. */
export type ReplicaState = Timestamped;

/**
 * The replica: answers a Get with its value, keeps a Put's value only if its timestamp is higher, acknowledges every
 * Put.
 */
export const replica = defineRole<ReplicaState, Extract<QuorumMessage, { type: "Get" | "Put" }>, QuorumMessage>({
  init: () => ({ ts: 0, value: null }),
  reduce: (s, input, ctx) =>
    match(input)
      .with({ type: "Get" }, (m) =>
        become<ReplicaState, QuorumMessage>(s, reply(ctx, { type: "GetReply", rid: m.rid, ts: s.ts, value: s.value })),
      )
      .with({ type: "Put" }, (m) =>
        become<ReplicaState, QuorumMessage>(
          m.ts > s.ts ? { ts: m.ts, value: m.value } : s,
          reply(ctx, { type: "PutAck", rid: m.rid }),
        ),
      )
      .exhaustive(),
});

/** The writer (coordinator): its write in progress and its hints. */
export interface WriterState {
  readonly rid: number;
  readonly writing: boolean;
  /** Replicas that acknowledged the current write. */
  readonly acked: readonly NodeId[];
  /** Replicas holding a hint: not known to have stored the last write. */
  readonly hints: readonly NodeId[];
  /** Hand-offs made per hinted replica for the last write. */
  readonly handedOff: Readonly<Record<NodeId, number>>;
}

/** What the writer reacts to. */
export type WriterInput =
  | { readonly type: "StartWrite" }
  | { readonly type: "HandOff"; readonly to: NodeId }
  | Extract<QuorumMessage, { type: "PutAck" }>;

type WriterRole = RoleDef<WriterState, WriterInput, QuorumMessage, never, QuorumParams>;

/**
 * The writer: stamps write number k with timestamp k, sends it to all N
 * replicas, keeps a hint for each, answers the client once W replicas
 * acknowledged, and hands the write off again to a replica still hinted
 * (at most `loss` times each: the model's bound on retransmissions, enough
 * for the losses the network may cause).
 */
export const writer: WriterRole = writerWith({ handOff: true });

/** Options of {@link writerWith}. */
export interface WriterOptions {
  /** Hand hinted writes off to the replicas that did not acknowledge them. */
  readonly handOff: boolean;
}

/** The writer role with or without hinted handoff. */
export function writerWith(options: WriterOptions): WriterRole {
  return defineRole<WriterState, WriterInput, QuorumMessage, never, QuorumParams>({
    init: () => ({ rid: 0, writing: false, acked: [], hints: [], handedOff: {} }),
    choices: (s, ctx) => [
      ...(s.writing ? [] : [{ type: "StartWrite" } as const]),
      ...s.hints
        .filter((h) => options.handOff && (s.handedOff[h] ?? 0) < ctx.params.loss)
        .map((to) => ({ type: "HandOff", to }) as const),
    ],
    reduce: (s, input, ctx) => {
      const replicas = ctx.roles["replica"] ?? [];
      return match(input)
        .with({ type: "StartWrite" }, () => {
          if (s.writing) return undefined;
          const rid = s.rid + 1;
          return become<WriterState, QuorumMessage>(
            { rid, writing: true, acked: [], hints: replicas, handedOff: {} },
            broadcast(replicas, { type: "Put", rid, ts: rid, value: rid }),
            record({ type: "invoke", process: ctx.self, f: "write", value: rid }),
          );
        })
        .with({ type: "HandOff" }, (m) => {
          const made = s.handedOff[m.to] ?? 0;
          if (!s.hints.includes(m.to) || made >= ctx.params.loss) return undefined;
          return become<WriterState, QuorumMessage>(
            { ...s, handedOff: { ...s.handedOff, [m.to]: made + 1 } },
            send(m.to, { type: "Put", rid: s.rid, ts: s.rid, value: s.rid }),
          );
        })
        .with({ type: "PutAck" }, (m) => {
          if (m.rid !== s.rid || ctx.from === undefined) return undefined;
          const hints = s.hints.filter((h) => h !== ctx.from);
          if (!s.writing) return become<WriterState>({ ...s, hints });
          const acked = setAdd(s.acked, ctx.from);
          if (acked.length < ctx.params.w) return become<WriterState>({ ...s, acked, hints });
          return become<WriterState, QuorumMessage>(
            { ...s, writing: false, acked, hints },
            record({ type: "ok", process: ctx.self, f: "write", value: s.rid }),
          );
        })
        .exhaustive();
    },
  });
}

/** The reader: its read in progress. */
export interface ReaderState {
  readonly rid: number;
  readonly phase: "idle" | "querying" | "repairing";
  /** Replicas that answered the query, then replicas known to hold `best` during the repair (sorted sets). */
  readonly answered: readonly NodeId[];
  readonly holders: readonly NodeId[];
  readonly best: Timestamped;
}

/** What the reader reacts to: its decision to read `ask` (an R-subset), and replies. */
export type ReaderInput =
  | { readonly type: "StartRead"; readonly ask: readonly NodeId[] }
  | Extract<QuorumMessage, { type: "GetReply" | "PutAck" }>;

type ReaderRole = RoleDef<ReaderState, ReaderInput, QuorumMessage, never, QuorumParams>;

const idleReader: ReaderState = { rid: 0, phase: "idle", answered: [], holders: [], best: { ts: 0, value: null } };

/** Options of {@link readerWith}. */
export interface ReaderOptions {
  /** Write the newest value back until W replicas hold it before returning (blocking read repair). */
  readonly readRepair: "blocking" | "none";
}

/** The reader role with the given read-repair policy. */
export function readerWith(options: ReaderOptions): ReaderRole {
  const done = (s: ReaderState, self: NodeId) =>
    become<ReaderState, QuorumMessage>(
      { ...s, phase: "idle", answered: [], holders: [] },
      record({ type: "ok", process: self, f: "read", value: s.best.value }),
    );
  return defineRole<ReaderState, ReaderInput, QuorumMessage, never, QuorumParams>({
    init: () => idleReader,
    choices: (s, ctx) =>
      s.phase !== "idle"
        ? []
        : subsetsOfSize(ctx.roles["replica"] ?? [], ctx.params.r).map((ask) => ({ type: "StartRead", ask })),
    reduce: (s, input, ctx) => {
      const replicas = ctx.roles["replica"] ?? [];
      return match(input)
        .with({ type: "StartRead" }, (m) => {
          if (s.phase !== "idle") return undefined;
          const rid = s.rid + 1;
          return become<ReaderState, QuorumMessage>(
            { ...idleReader, rid, phase: "querying" },
            broadcast(m.ask, { type: "Get", rid }),
            record({ type: "invoke", process: ctx.self, f: "read", value: null }),
          );
        })
        .with({ type: "GetReply" }, (m) => {
          if (s.phase !== "querying" || m.rid !== s.rid || ctx.from === undefined) return undefined;
          const answered = setAdd(s.answered, ctx.from);
          // Holders of the newest value seen so far: a newer reply starts the set again.
          const holders = m.ts > s.best.ts ? [ctx.from] : m.ts === s.best.ts ? setAdd(s.holders, ctx.from) : s.holders;
          const next: ReaderState = {
            ...s,
            answered,
            holders,
            best: m.ts > s.best.ts ? { ts: m.ts, value: m.value } : s.best,
          };
          if (answered.length < ctx.params.r) return become(next);
          if (options.readRepair === "none" || holders.length >= ctx.params.w) return done(next, ctx.self);
          const stale = replicas.filter((x) => !holders.includes(x));
          return become<ReaderState, QuorumMessage>(
            { ...next, phase: "repairing" },
            broadcast(stale, { type: "Put", rid: s.rid, ts: next.best.ts, value: next.best.value }),
          );
        })
        .with({ type: "PutAck" }, (m) => {
          if (s.phase !== "repairing" || m.rid !== s.rid || ctx.from === undefined) return undefined;
          const holders = setAdd(s.holders, ctx.from);
          return holders.length < ctx.params.w
            ? become<ReaderState>({ ...s, holders })
            : done({ ...s, holders }, ctx.self);
        })
        .exhaustive();
    },
  });
}

/** The reader: asks R replicas, takes the newest value, repairs until W replicas hold it, returns it. */
export const reader = readerWith({ readRepair: "blocking" });

// ---------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------

/** Parameter values of the spec. */
export interface QuorumParams {
  readonly replicas: number;
  readonly w: number;
  readonly r: number;
  readonly writes: number;
  readonly reads: number;
  readonly loss: number;
}

type State = ProtocolState<ReplicaState | WriterState | ReaderState, QuorumMessage>;

/** A client role that starts at most `limit(params)` operations (the model's workload bound). */
function bounded<S extends { readonly rid: number }, I extends { readonly type: string }>(
  role: RoleDef<S, I, QuorumMessage, never, QuorumParams>,
  start: I["type"],
  limit: (p: QuorumParams) => number,
): RoleDef<S, I, QuorumMessage, never, QuorumParams> {
  return {
    ...role,
    choices: (s, ctx) => (role.choices?.(s, ctx) ?? []).filter((c) => c.type !== start || s.rid < limit(ctx.params)),
  };
}

const linearizability = createIncrementalChecker(registerModel);

/** Leaderless quorum replication: a writer, a reader, N replicas, R and W. */
export const quorumReplication = defineProtocol({
  name: "quorum-replication",
  description:
    "leaderless (Dynamo-style) replication with N, R, W, blocking read repair and hinted handoff: with R + W > N the client history is linearizable",
  params: {
    replicas: int(3, { min: 1, max: 5, description: "N: replicas of the key" }),
    w: int(2, { min: 1, max: 5, description: "W: replicas that must store a write before it is acknowledged" }),
    r: int(2, { min: 1, max: 5, description: "R: replicas a read asks" }),
    writes: int(1, { min: 0, max: 3, description: "writes by the writer (model bound)" }),
    reads: int(2, { min: 0, max: 3, description: "reads by the reader, one after the other (model bound)" }),
    loss: int(0, {
      min: 0,
      max: 2,
      description: "messages the network may lose (and hand-offs per hint, so that every loss can be repaired)",
    }),
  },
  network: "unordered",
  nodes: (p) => ({ replica: numberedIds("s", p.replicas), writer: ["w"], reader: ["r"] }),
  roles: {
    replica,
    writer: bounded(writer, "StartWrite", (p) => p.writes),
    reader: bounded(reader, "StartRead", (p) => p.reads),
  },
  faults: (p) => ({ loss: p.loss }),
  runtime: registerRuntime(
    { writer, reader },
    {
      "no-hinted-handoff": { writer: writerWith({ handOff: false }) },
      "no-read-repair": { reader: readerWith({ readRepair: "none" }) },
    },
  ),
  properties: {
    historyIsLinearizable: invariant<State, QuorumParams>(
      (s) => linearizability.isLinearizable(s.history),
      "the clients' history is linearizable (a register that starts as null): every read returns the latest acknowledged write or a newer one, and never an older one after a newer",
    ),
    replicasConvergeOnceHintsDelivered: atTermination<State, QuorumParams>((s, p) => {
      const last = (s.nodes["w"] as WriterState).rid;
      return numberedIds("s", p.replicas).every((id) => (s.nodes[id] as ReplicaState).ts === last);
    }, "once nothing more can happen, every replica holds the last write: hinted handoff repairs every lost write"),
  },
  variants: {
    "r-plus-w-not-above-n": {
      description:
        "R = 1, W = 2 with N = 3: a read can ask the one replica the acknowledged write has not reached yet and return the old value",
      violates: "historyIsLinearizable",
      params: { r: 1, w: 2 },
    },
    "no-hinted-handoff": {
      description:
        "the writer drops its hints once W replicas acknowledged: a replica whose copy of the write was lost stays behind for good (checked with 1 loss and no reads)",
      violates: "replicasConvergeOnceHintsDelivered",
      params: { loss: 1, reads: 0 },
      roles: { writer: bounded(writerWith({ handOff: false }), "StartWrite", (p) => p.writes) },
    },
    "no-read-repair": {
      description:
        "a read returns the newest value it saw without writing it back: it can return a write still in progress, and a later read of other replicas the older value",
      violates: "historyIsLinearizable",
      roles: { reader: bounded(readerWith({ readRepair: "none" }), "StartRead", (p) => p.reads) },
    },
  },
});
