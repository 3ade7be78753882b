/**
 * A replicated register under a network partition: the CAP theorem (Brewer's
 * conjecture, proved by Gilbert and Lynch, 2002) as the seeds state it. When
 * the network splits, a replica on the side without a majority either
 * refuses requests (consistency over availability: `cp`) or answers them
 * from what it has (availability over consistency: `ap`).
 *
 * Three replicas `n1`, `n2`, `n3`; a partition cuts `n1` off from the other
 * two. Client `c1` talks to `n1` (the minority side), client `c2` to `n3`
 * (the majority side). Each value carries a stamp (version, origin replica),
 * and replicas that can reach each other exchange values by anti-entropy,
 * keeping the higher stamp: last writer wins, so replicas converge once the
 * partition heals.
 *
 * - `cp`: an operation proceeds only when its replica reaches a majority. A
 *   write is stamped above every stamp on that majority and stored on all of
 *   it; a read returns the highest-stamped value of the majority. A minority
 *   client's request fails. The client history is linearizable.
 * - `ap`: every request is answered by the client's replica and whatever it
 *   reaches: a write on the minority side succeeds there, and a read on the
 *   majority side returns the older value. Available, converges after the
 *   partition heals, and not linearizable: the `ap` variant declares
 *   `historyIsLinearizable` violated and the checker prints the witness
 *   history (write acknowledged, later read returns the old value).
 *
 * Each request is one step (the replica's coordination is not interleaved):
 * the partition, not message timing, is what this spec is about. The model
 * bounds the clients' operations and the number of partitions.
 */
import {
  atTermination,
  choose,
  defineSpec,
  int,
  invariant,
  oneOf,
  type HistoryEvent,
  type NodeId,
} from "../src/index.js";
import { createIncrementalChecker, registerModel } from "../src/history/index.js";

/** What the register holds: the clients' numbers, `null` before the first write. */
export type RegisterValue = number | null;

/** A value with its last-writer-wins stamp: the version, then the replica that wrote it. */
export interface StampedValue {
  readonly value: RegisterValue;
  readonly version: number;
  readonly origin: NodeId;
}

/** The value every replica starts with. */
export const initialValue: StampedValue = { value: null, version: 0, origin: "" };

/**
 * True when `a`'s stamp is above `b`'s: a higher version, or the same version
 * written by a replica later in id order (the tie-break concurrent writes on
 * the two sides of a partition need).
 * @example newerThan({ value: 1, version: 1, origin: "n3" }, { value: 2, version: 1, origin: "n1" }) // true
 */
export function newerThan(a: StampedValue, b: StampedValue): boolean {
  return a.version !== b.version ? a.version > b.version : a.origin > b.origin;
}

/** The highest-stamped of `values` (the initial value when there are none). */
export function newest(values: readonly StampedValue[]): StampedValue {
  return values.reduce((best, v) => (newerThan(v, best) ? v : best), initialValue);
}

/** Which side of the availability/consistency choice the replicas make under partition. */
export type CapMode = "cp" | "ap";

/** The replicas. */
export const replicaIds: readonly NodeId[] = ["n1", "n2", "n3"];

/** The replica each client talks to: `c1` the one a partition isolates, `c2` one of the two others. */
export const clientReplica: Readonly<Record<NodeId, NodeId>> = { c1: "n1", c2: "n3" };

/**
 * The replicas `replica` can reach (itself included): all of them, or its
 * side of the partition that isolates `n1`.
 */
export function reachable(replica: NodeId, partitioned: boolean): readonly NodeId[] {
  if (!partitioned) return replicaIds;
  return replica === "n1" ? ["n1"] : ["n2", "n3"];
}

/** True when `side` holds a majority of the replicas. */
export function isMajority(side: readonly NodeId[]): boolean {
  return side.length * 2 > replicaIds.length;
}

/** The spec's state: the replicas, the partition, the clients' progress and the history they record. */
export interface CapState {
  readonly replicas: Readonly<Record<NodeId, StampedValue>>;
  readonly partitioned: boolean;
  /** Partitions that have happened (model bound). */
  readonly partitions: number;
  /** Operations each client has issued (model bound). */
  readonly ops: Readonly<Record<NodeId, number>>;
  /** The next value a write stores (values are unique, so a read names the write it saw). */
  readonly nextValue: number;
  /** Requests answered with a failure (a `cp` minority refusing). */
  readonly refused: number;
  readonly history: readonly HistoryEvent[];
}

interface Params {
  readonly mode: CapMode;
  readonly ops: number;
  readonly partitions: number;
}

/** How a replica decides whether to serve a request: `cp` needs a majority; `ap` always serves. */
type Admission = (side: readonly NodeId[], mode: CapMode, f: "read" | "write") => boolean;

const admit: Admission = (side, mode) => mode === "ap" || isMajority(side);

/** The bug: a `cp` replica checks for a majority on reads only, so the minority side keeps accepting writes. */
const admitMinorityWrites: Admission = (side, mode, f) => mode === "ap" || f === "write" || isMajority(side);

const clients = Object.keys(clientReplica);

function issue(s: CapState, client: NodeId, events: HistoryEvent[], changes: Partial<CapState>): CapState {
  return {
    ...s,
    ...changes,
    ops: { ...s.ops, [client]: (s.ops[client] ?? 0) + 1 },
    history: [...s.history, ...events],
  };
}

/**
 * A write of the next value by `client`: stored, stamped above every stamp
 * the replica reaches, on every replica it reaches; or refused.
 */
function writeWith(admission: Admission) {
  return choose(
    (s: CapState, p: Params) => clients.filter((c) => (s.ops[c] ?? 0) < p.ops),
    (s: CapState, client: NodeId, p: Params): CapState => {
      const at = clientReplica[client]!;
      const side = reachable(at, s.partitioned);
      const value = s.nextValue;
      const invoke: HistoryEvent = { type: "invoke", process: client, f: "write", value };
      if (!admission(side, p.mode, "write")) {
        return issue(s, client, [invoke, { type: "fail", process: client, f: "write", value }], {
          nextValue: value + 1,
          refused: s.refused + 1,
        });
      }
      const stamped: StampedValue = { value, version: newest(side.map((r) => s.replicas[r]!)).version + 1, origin: at };
      const replicas = { ...s.replicas };
      for (const r of side) replicas[r] = stamped;
      return issue(s, client, [invoke, { type: "ok", process: client, f: "write", value }], {
        replicas,
        nextValue: value + 1,
      });
    },
  );
}

/** A read by `client`: `cp` returns the newest value of its majority, `ap` its replica's own; or refused. */
function readWith(admission: Admission) {
  return choose(
    (s: CapState, p: Params) => clients.filter((c) => (s.ops[c] ?? 0) < p.ops),
    (s: CapState, client: NodeId, p: Params): CapState => {
      const at = clientReplica[client]!;
      const side = reachable(at, s.partitioned);
      const invoke: HistoryEvent = { type: "invoke", process: client, f: "read", value: null };
      if (!admission(side, p.mode, "read")) {
        return issue(s, client, [invoke, { type: "fail", process: client, f: "read", value: null }], {
          refused: s.refused + 1,
        });
      }
      const value = p.mode === "cp" ? newest(side.map((r) => s.replicas[r]!)).value : s.replicas[at]!.value;
      return issue(s, client, [invoke, { type: "ok", process: client, f: "read", value }], {});
    },
  );
}

/** Anti-entropy between two replicas that reach each other: the receiver keeps the higher stamp. */
const sync = choose(
  (s: CapState) => {
    const pairs: [NodeId, NodeId][] = [];
    for (const from of replicaIds)
      for (const to of reachable(from, s.partitioned))
        if (to !== from && newerThan(s.replicas[from]!, s.replicas[to]!)) pairs.push([from, to]);
    return pairs;
  },
  (s: CapState, [from, to]: [NodeId, NodeId]): CapState => ({
    ...s,
    replicas: { ...s.replicas, [to]: s.replicas[from]! },
  }),
  ([from, to]) => `${from}→${to}`,
);

/**
 * Linearizability of the clients' history (a register that starts as `null`), shared between a state and its parent.
 */
const linearizability = createIncrementalChecker(registerModel);

/** A register under partition, `cp` or `ap`. */
export const capRegister = defineSpec({
  name: "cap-register",
  description:
    "a replicated register under partition: cp refuses minority requests and stays linearizable; ap answers everywhere, converges after healing, and is not linearizable",
  params: {
    mode: oneOf(["cp", "ap"], "cp", {
      description: "under partition: refuse without a majority (cp) or answer from the local side (ap)",
    }),
    ops: int(2, { min: 1, max: 3, description: "operations (a read or a write) per client (model bound)" }),
    partitions: int(1, { min: 0, max: 2, description: "partitions that may happen, each healing later (model bound)" }),
  },
  init: () => [
    {
      replicas: Object.fromEntries(replicaIds.map((r) => [r, initialValue])),
      partitioned: false,
      partitions: 0,
      ops: {},
      nextValue: 1,
      refused: 0,
      history: [],
    } satisfies CapState,
  ],
  actions: {
    Partition: (s: CapState, p: Params) =>
      s.partitioned || s.partitions >= p.partitions
        ? undefined
        : { ...s, partitioned: true, partitions: s.partitions + 1 },
    Heal: (s: CapState) => (s.partitioned ? { ...s, partitioned: false } : undefined),
    Write: writeWith(admit),
    Read: readWith(admit),
    Sync: sync,
  },
  properties: {
    historyIsLinearizable: invariant<CapState, Params>(
      (s) => linearizability.isLinearizable(s.history),
      "the clients' history of reads and writes is linearizable (a register that starts as null); failed requests constrain nothing",
    ),
    apModeAnswersEveryRequest: invariant<CapState, Params>(
      (s, p) => p.mode !== "ap" || s.refused === 0,
      "availability: in ap mode no request fails, on either side of the partition",
    ),
    replicasConvergeAfterHealing: atTermination<CapState, Params>(
      (s) =>
        replicaIds.every(
          (r) =>
            s.replicas[r]!.value === s.replicas["n1"]!.value && s.replicas[r]!.version === s.replicas["n1"]!.version,
        ),
      "once the partition has healed and anti-entropy is done, every replica holds the same stamped value",
    ),
  },
  variants: {
    ap: {
      description:
        "mode ap: the minority side accepts a write the majority side does not see, and a later read there returns the old value; the history is the witness",
      violates: "historyIsLinearizable",
      params: { mode: "ap" },
    },
    "cp-minority-writes": {
      description:
        "cp, but the majority check guards reads only: the isolated replica accepts a write the majority never sees",
      violates: "historyIsLinearizable",
      actions: { Write: writeWith(admitMinorityWrites) },
    },
  },
});
