/**
 * The ABD register (Attiya, Bar-Noy and Dolev, "Sharing memory robustly in
 * message-passing systems", 1995): a linearizable read/write register on
 * replicas, any minority of which may crash. Every operation talks to a
 * majority, and any two majorities share a replica.
 *
 * The writer stamps each value with a higher timestamp and stores it on a
 * majority. A reader asks a majority for their (timestamp, value), takes the
 * highest, and before returning it writes it back to a majority. Without the
 * write-back a read can return a new value that only a minority holds, and a
 * later read that asks another majority returns the old one: the new-old
 * inversion, which no linearization allows.
 *
 * The model: one writer, one reader, three replicas that keep their register
 * on disk, an unordered network (delayed, reordered messages), and one crash.
 * The clients record their operations as a history, checked for
 * linearizability against a register that starts as `null`.
 */
import { match } from "ts-pattern";
import {
  become,
  broadcast,
  defineProtocol,
  defineRole,
  int,
  invariant,
  record,
  reply,
  setAdd,
  type NodeId,
  type ProtocolState,
  type RoleDef,
  type Step,
  numberedIds,
} from "../src/index.js";
import { createIncrementalChecker, registerModel } from "../src/history/index.js";
import { registerRuntime } from "./register-runtime.js";

/** What the register holds: the writer's numbers, `null` before the first write. */
export type RegisterValue = number | null;

/** A value stamped with the writer's timestamp (0 with `null`: the initial value). */
export interface Stamped {
  readonly ts: number;
  readonly value: RegisterValue;
}

/** The messages of ABD; `rid` numbers a client's operations so that late replies to an earlier one are ignored. */
export type AbdMessage =
  | { readonly type: "Query"; readonly rid: number }
  | { readonly type: "QueryReply"; readonly rid: number; readonly ts: number; readonly value: RegisterValue }
  | { readonly type: "Store"; readonly rid: number; readonly ts: number; readonly value: RegisterValue }
  | { readonly type: "StoreAck"; readonly rid: number };

/** A replica's state: the highest-stamped value it has seen (kept on disk). */
export type ReplicaState = Stamped;

/** What a replica reacts to. */
export type ReplicaInput = Extract<AbdMessage, { type: "Query" | "Store" }>;

/** A client's state: its operation in progress, if any, and the replies gathered for it. */
export interface ClientState {
  /** Operations started so far; the current one's `rid`. */
  readonly rid: number;
  readonly phase: "idle" | "querying" | "storing";
  /** Replicas that answered the current phase (a sorted set). */
  readonly answered: readonly NodeId[];
  /** The highest-stamped value the query phase has seen (the reader), or the value being written (the writer). */
  readonly best: Stamped;
  /** The writer's last timestamp. */
  readonly ts: number;
}

/** What a client reacts to: its own decision to start an operation, and replicas' replies. */
export type ClientInput =
  | { readonly type: "StartWrite" }
  /**
   * Read, querying the replicas in `ask` and going on with the first majority
   * that answers: an application asks every replica; the model asks one
   * majority, which stands for whichever majority would answer first.
   */
  | { readonly type: "StartRead"; readonly ask: readonly NodeId[] }
  | Extract<AbdMessage, { type: "QueryReply" | "StoreAck" }>;

/** A majority of `n`. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

const quorumCache = new Map<readonly NodeId[], readonly (readonly NodeId[])[]>();

/**
 * Every majority of `replicas`, in order: the quorums a read may ask.
 * @example majorities(["s1", "s2", "s3"]) // [["s1","s2"], ["s1","s3"], ["s2","s3"]]
 */
export function majorities(replicas: readonly NodeId[]): readonly (readonly NodeId[])[] {
  let found = quorumCache.get(replicas);
  if (found) return found;
  const size = majority(replicas.length);
  const out: NodeId[][] = [];
  const pick = (from: number, chosen: NodeId[]): void => {
    if (chosen.length === size) {
      out.push(chosen);
      return;
    }
    for (let i = from; i < replicas.length; i++) pick(i + 1, [...chosen, replicas[i]!]);
  };
  pick(0, []);
  quorumCache.set(replicas, (found = out));
  return found;
}

/** The replica: answers queries with its stamped value, and keeps a stored value only if its stamp is higher. */
export const replica = defineRole<ReplicaState, ReplicaInput, AbdMessage>({
  init: () => ({ ts: 0, value: null }),
  durable: ["ts", "value"],
  reduce: (s, input, ctx) =>
    match(input)
      .with({ type: "Query" }, (m) =>
        become<ReplicaState, AbdMessage>(s, reply(ctx, { type: "QueryReply", rid: m.rid, ts: s.ts, value: s.value })),
      )
      .with({ type: "Store" }, (m) =>
        become<ReplicaState, AbdMessage>(
          m.ts > s.ts ? { ts: m.ts, value: m.value } : s,
          reply(ctx, { type: "StoreAck", rid: m.rid }),
        ),
      )
      .exhaustive(),
});

const idleClient: ClientState = { rid: 0, phase: "idle", answered: [], best: { ts: 0, value: null }, ts: 0 };

/** How a reader finishes its query phase: ABD writes the value back first. */
type QueryDone = (s: ClientState, self: NodeId) => Step<ClientState, AbdMessage>;

/** Writes the value back to the majority that answered the query (any majority would do). */
const writeBack: QueryDone = (s) =>
  become<ClientState, AbdMessage>(
    { ...s, phase: "storing", answered: [] },
    broadcast(s.answered, { type: "Store", rid: s.rid, ts: s.best.ts, value: s.best.value }),
  );

const returnAtOnce: QueryDone = (s, self) =>
  become<ClientState, AbdMessage>(
    { ...s, phase: "idle", answered: [] },
    record({ type: "ok", process: self, f: "read", value: s.best.value }),
  );

/** The reader role, parameterized by how the query phase ends. */
function readerWith(queryDone: QueryDone) {
  return defineRole<ClientState, ClientInput, AbdMessage>({
    init: () => idleClient,
    durable: ["rid", "phase", "answered", "best", "ts"],
    // Queries change no replica, so asking one majority loses no behaviour:
    // the choice of majority stands for whichever would have answered first.
    choices: (_s, ctx) => majorities(ctx.roles["replica"] ?? []).map((ask) => ({ type: "StartRead", ask })),
    reduce: (s, input, ctx) => {
      const replicas = ctx.roles["replica"] ?? [];
      return match(input)
        .with({ type: "StartRead" }, (m) =>
          s.phase !== "idle"
            ? undefined
            : become<ClientState, AbdMessage>(
                { ...s, rid: s.rid + 1, phase: "querying", answered: [], best: { ts: 0, value: null } },
                broadcast(m.ask, { type: "Query", rid: s.rid + 1 }),
                record({ type: "invoke", process: ctx.self, f: "read", value: null }),
              ),
        )
        .with({ type: "QueryReply" }, (m) => {
          if (s.phase !== "querying" || m.rid !== s.rid || ctx.from === undefined) return undefined;
          const next: ClientState = {
            ...s,
            answered: setAdd(s.answered, ctx.from),
            best: m.ts > s.best.ts ? { ts: m.ts, value: m.value } : s.best,
          };
          return next.answered.length < majority(replicas.length) ? become(next) : queryDone(next, ctx.self);
        })
        .with({ type: "StoreAck" }, (m) => {
          if (s.phase !== "storing" || m.rid !== s.rid || ctx.from === undefined) return undefined;
          const answered = setAdd(s.answered, ctx.from) as NodeId[];
          if (answered.length < majority(replicas.length)) return become<ClientState>({ ...s, answered });
          return become<ClientState, AbdMessage>(
            { ...s, phase: "idle", answered: [] },
            record({ type: "ok", process: ctx.self, f: "read", value: s.best.value }),
          );
        })
        .with({ type: "StartWrite" }, () => undefined)
        .exhaustive();
    },
  });
}

/**
 * The reader: query the replicas, take the highest-stamped value of the first
 * majority to answer, write it back to that majority, return it. Its spontaneous
 * inputs are reads asking one majority each (what the model explores); an
 * application sends `{ type: "StartRead", ask: allReplicas }`. The client
 * state is durable, so a crash only pauses it.
 */
export const reader = readerWith(writeBack);

/**
 * The single writer: stamp the next value with the next timestamp and store
 * it on a majority. It writes 1, 2, 3, ... whenever idle.
 */
export const writer = defineRole<ClientState, ClientInput, AbdMessage>({
  init: () => idleClient,
  durable: ["rid", "phase", "answered", "best", "ts"],
  choices: () => [{ type: "StartWrite" }],
  reduce: (s, input, ctx) => {
    const replicas = ctx.roles["replica"] ?? [];
    return match(input)
      .with({ type: "StartWrite" }, () => {
        if (s.phase !== "idle") return undefined;
        const ts = s.ts + 1;
        const rid = s.rid + 1;
        return become<ClientState, AbdMessage>(
          { ...s, rid, ts, phase: "storing", answered: [], best: { ts, value: ts } },
          broadcast(replicas, { type: "Store", rid, ts, value: ts }),
          record({ type: "invoke", process: ctx.self, f: "write", value: ts }),
        );
      })
      .with({ type: "StoreAck" }, (m) => {
        if (s.phase !== "storing" || m.rid !== s.rid || ctx.from === undefined) return undefined;
        const answered = setAdd(s.answered, ctx.from) as NodeId[];
        if (answered.length < majority(replicas.length)) return become<ClientState>({ ...s, answered });
        return become<ClientState, AbdMessage>(
          { ...s, phase: "idle", answered: [] },
          record({ type: "ok", process: ctx.self, f: "write", value: s.best.value }),
        );
      })
      .with({ type: "StartRead" }, { type: "QueryReply" }, () => undefined)
      .exhaustive();
  },
});

/** A replica that keeps its register only in memory: a restart forgets every value it acknowledged. */
const forgetfulReplica = defineRole<ReplicaState, ReplicaInput, AbdMessage>({ ...replica, durable: [] });

/** A reader that returns the highest value its query saw without writing it back. */
const readerWithoutWriteBack = readerWith(returnAtOnce);

/**
 * A client role that starts at most `limit(params)` operations (the model's workload bound, kept out of the exported
 * roles).
 */
function bounded(
  role: RoleDef<ClientState, ClientInput, AbdMessage>,
  limit: (p: AbdParams) => number,
): RoleDef<ClientState, ClientInput, AbdMessage, never, AbdParams> {
  return { ...role, choices: (s, ctx) => (s.rid < limit(ctx.params) ? (role.choices?.(s, ctx) ?? []) : []) };
}

/**
 * Linearizability of the clients' history, against a register that starts as
 * `null`. The incremental checker shares work between a state's history and
 * its parent's, which is one event shorter.
 */
const linearizability = createIncrementalChecker(registerModel);

// ---------------------------------------------------------------------------
// The protocol.
// ---------------------------------------------------------------------------

type State = ProtocolState<ReplicaState | ClientState, AbdMessage>;

/** Parameter values of the spec. */
export interface AbdParams {
  readonly replicas: number;
  readonly writes: number;
  readonly reads: number;
  readonly crashes: number;
}

function replicaIds(n: number): readonly NodeId[] {
  return numberedIds("s", n);
}

/** The ABD register: a writer `w`, a reader `r`, `replicas` replicas, and up to `crashes` crashes. */
export const abdRegister = defineProtocol({
  name: "abd-register",
  description: "ABD quorum read/write register: linearizable with a minority of replicas crashed",
  params: {
    replicas: int(3, { min: 1, max: 5, description: "replicas (any majority is a quorum)" }),
    writes: int(1, { min: 0, max: 3, description: "writes by the writer (model bound)" }),
    reads: int(2, { min: 0, max: 3, description: "reads by the reader, one after the other (model bound)" }),
    crashes: int(1, {
      min: 0,
      max: 2,
      description: "node crashes per run; replicas keep their register on disk (model bound)",
    }),
  },
  network: "unordered",
  nodes: (p) => ({ replica: replicaIds(p.replicas), writer: ["w"], reader: ["r"] }),
  roles: { replica, writer: bounded(writer, (p) => p.writes), reader: bounded(reader, (p) => p.reads) },
  faults: (p) => ({ crash: p.crashes }),
  runtime: registerRuntime({ writer, reader }, { "read-without-write-back": { reader: readerWithoutWriteBack } }),
  properties: {
    historyIsLinearizable: invariant<State>(
      (s) => linearizability.isLinearizable(s.history),
      "the clients' history of reads and writes is linearizable (a register that starts as null)",
    ),
  },
  variants: {
    "read-without-write-back": {
      description:
        "a read returns the highest value a majority reported without writing it back: a later read can return an older value",
      violates: "historyIsLinearizable",
      roles: { reader: bounded(readerWithoutWriteBack, (p) => p.reads) },
    },
    "volatile-replica": {
      description:
        "replicas keep their register in memory only: one that restarts has forgotten an acknowledged write, and a majority without it reads the old value",
      violates: "historyIsLinearizable",
      roles: { replica: forgetfulReplica },
    },
  },
});
