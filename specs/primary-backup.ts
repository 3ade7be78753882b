/**
 * Primary-backup (single-leader) replication with synchronous
 * acknowledgement and failover by epochs (the seeds' "Data Replication":
 * single-leader replication, synchronous vs asynchronous replication,
 * failover; Alsberg and Day's primary-backup, and the view/epoch numbers of
 * Viewstamped Replication and PacificA's configuration manager). One
 * replica is the primary: it appends each client write to its log and sends
 * it to every backup over a FIFO channel, and acknowledges the write to the
 * client only once every backup has acknowledged it. A configuration service
 * promotes a backup when it suspects the primary (rightly after a crash, or
 * wrongly) and numbers the new configuration with a higher epoch; the new
 * primary hands its log to the other replicas, which adopt it and the epoch,
 * and from then on every replica rejects messages from an older epoch, so a
 * deposed primary that is still running cannot touch their logs.
 *
 * Synchronous acknowledgement is what lets any backup be promoted without
 * losing a write the client was told is durable: every backup has it.
 *
 * Reads go through the log too: the primary appends a read, replicates it
 * like a write, and answers it (with the last write before it in the log)
 * only once every backup holds it. A deposed primary that has not heard of
 * the failover therefore cannot answer a read once any replica has adopted
 * the newer epoch, so it never returns a value the new primary has already
 * overwritten (or lost): the clients' history is linearizable.
 *
 * The model: `replicas` replicas (r1 starts as primary of epoch 1),
 * `clients` clients, each doing up to `writes` writes and `reads` reads one
 * at a time against the replica it believes is primary and recording them
 * as a history, and a configuration service that may promote another
 * replica at any time, at most `failovers` times (a model bound). A backup
 * that gets a client's request answers where the primary is. The network is
 * FIFO per channel and loses nothing; any node may crash, at most `crashes`
 * times, and restart with its durable fields (a replica's epoch, role and
 * log).
 *
 * On a real network (`interleave run`) messages are lost under partitions
 * and kills, so the runtime's replica also resends, on a timer, what a
 * backup has not acknowledged; the configuration service suspects the
 * primary (rightly or wrongly) on its own clock and promotes another replica.
 */
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
  numberedIds,
  record,
  reply,
  send,
  setTimer,
  type NodeId,
  type ProtocolStateOf,
  type RoleDef,
  type Step,
} from "../src/index.js";
import { createIncrementalChecker, registerModel } from "../src/history/index.js";

/** A client's operation in a replica's log: a write of `value`, or a read; `client` is who gets the answer. */
export type Entry =
  | { readonly op: "write"; readonly value: number; readonly client: NodeId }
  | { readonly op: "read"; readonly client: NodeId };

/** The client asks the primary to store `value`. */
export interface WriteRequest {
  readonly type: "Write";
  readonly value: number;
}

/** The client asks the primary for the register's value. */
export interface ReadRequest {
  readonly type: "Read";
}

/** The primary's `index`-th log entry, sent to a backup in `epoch`. */
export interface Replicate {
  readonly type: "Replicate";
  readonly epoch: number;
  readonly index: number;
  readonly entry: Entry;
}

/** A backup holds the primary's first `length` entries of `epoch`. */
export interface ReplicateAck {
  readonly type: "ReplicateAck";
  readonly epoch: number;
  readonly length: number;
}

/** The primary tells the client that `value` is stored on every replica. */
export interface WriteAck {
  readonly type: "WriteAck";
  readonly value: number;
}

/** The primary answers a read: the last write before it in the log (`null`: none). */
export interface ReadAck {
  readonly type: "ReadAck";
  readonly value: number | null;
}

/** A backup tells a client that asked it where the primary of its epoch is. */
export interface NotPrimary {
  readonly type: "NotPrimary";
  readonly epoch: number;
  readonly primary: NodeId;
}

/** The configuration service makes the receiver primary of `epoch`. */
export interface NewEpoch {
  readonly type: "NewEpoch";
  readonly epoch: number;
}

/** A new primary hands its log to the other replicas: they become its backups in `epoch`. */
export interface NewPrimary {
  readonly type: "NewPrimary";
  readonly epoch: number;
  readonly log: readonly Entry[];
}

/** The configuration service tells the clients where the primary of `epoch` is. */
export interface PrimaryIs {
  readonly type: "PrimaryIs";
  readonly epoch: number;
  readonly primary: NodeId;
}

/** The messages of the protocol. */
export type ReplicationMessage =
  | WriteRequest
  | ReadRequest
  | Replicate
  | ReplicateAck
  | WriteAck
  | ReadAck
  | NotPrimary
  | NewEpoch
  | NewPrimary
  | PrimaryIs;

/** What a replica reacts to. */
export type ReplicaInput = WriteRequest | ReadRequest | Replicate | ReplicateAck | NewEpoch | NewPrimary;

/** A replica: primary or backup of an epoch, with its log. */
export interface Replica {
  /** The configuration it belongs to; it rejects messages of older ones. */
  readonly epoch: number;
  readonly role: "primary" | "backup";
  /** The primary of its epoch (itself when primary): where a backup sends clients. */
  readonly primary: NodeId;
  /** The clients' operations it holds, in the primary's order. */
  readonly log: readonly Entry[];
  /** Primary only: how many entries each backup has acknowledged in this epoch (volatile). */
  readonly acks: Readonly<Record<NodeId, number>>;
  /** Primary only: entries answered to the clients (or inherited at promotion). */
  readonly committed: number;
}

type ReplicaStep = Step<Replica, ReplicationMessage>;

/** The replica that starts as primary of epoch 1. */
export const FIRST_PRIMARY: NodeId = "r1";
/** The configuration service's node id. */
export const CONFIG: NodeId = "cfg";

/** The replica ids: r1..rN. */
export function replicaIds(n: number): readonly NodeId[] {
  return numberedIds("r", n);
}

/** The client ids: c1..cN (the ids the real-network runtime gives its clients too). */
export function clientIds(n: number): readonly NodeId[] {
  return numberedIds("c", n);
}

/** A replica at the start: r1 primary of epoch 1, the others its backups, all with empty logs. */
export function initialReplica(self: NodeId): Replica {
  return {
    epoch: 1,
    role: self === FIRST_PRIMARY ? "primary" : "backup",
    primary: FIRST_PRIMARY,
    log: [],
    acks: {},
    committed: 0,
  };
}

/**
 * The register's value just before the log's `index`-th entry: the last write before it, `null` if none.
 * @example valueBefore([{ op: "write", value: 7, client: "c1" }, { op: "read", client: "c2" }], 1) // 7
 */
export function valueBefore(log: readonly Entry[], index: number): number | null {
  for (let k = Math.min(index, log.length) - 1; k >= 0; k--) {
    const e = log[k]!;
    if (e.op === "write") return e.value;
  }
  return null;
}

/**
 * How many entries every backup holds: what the primary may answer.
 * With no backups, everything in the log.
 * @example replicatedLength({ ...primary, log: [w1, w2], acks: { r2: 2, r3: 1 } }, ["r2", "r3"]) // 1
 */
export function replicatedLength(primary: Replica, backups: readonly NodeId[]): number {
  return backups.reduce((least, b) => Math.min(least, primary.acks[b] ?? 0), primary.log.length);
}

/** The answer to the log's `index`-th entry, for its client. */
function answerOf(log: readonly Entry[], index: number): WriteAck | ReadAck {
  const e = log[index]!;
  return e.op === "write" ? { type: "WriteAck", value: e.value } : { type: "ReadAck", value: valueBefore(log, index) };
}

/**
 * Answers every entry that all backups now hold and has not been answered: a write's client is told it is stored, a
 * read's gets its value.
 */
export function acknowledgeReplicated(primary: Replica, backups: readonly NodeId[]): ReplicaStep {
  const upTo = replicatedLength(primary, backups);
  if (upTo <= primary.committed) return become(primary);
  const answers = [];
  for (let k = primary.committed; k < upTo; k++)
    answers.push(send<ReplicationMessage>(primary.log[k]!.client, answerOf(primary.log, k)));
  return become({ ...primary, committed: upTo }, ...answers);
}

/**
 * The primary's step on a client's operation: append it and send it to every
 * backup; it is answered later, by `acknowledgeReplicated`, once every
 * backup holds it (synchronous replication).
 * @example
 * onRequest(initialReplica("r1"), { op: "write", value: 7, client: "c1" }, ["r2"])
 * // → log [that entry]; Replicate{epoch:1,index:0,...} to r2
 */
export function onRequest(primary: Replica, entry: Entry, backups: readonly NodeId[]): ReplicaStep {
  const index = primary.log.length;
  const appended: Replica = { ...primary, log: [...primary.log, entry] };
  const replicate = broadcast<ReplicationMessage>(backups, { type: "Replicate", epoch: primary.epoch, index, entry });
  const acked = acknowledgeReplicated(appended, backups);
  return become(acked.state, replicate, ...acked.effects);
}

/**
 * A backup's step on a primary's entry: appended and acknowledged when it
 * is of the backup's epoch and the next in its log; an entry it already
 * holds is acknowledged again (a resent one, on a real network); an entry of
 * another epoch (a deposed primary's) is ignored.
 */
export function onReplicate(
  backup: Replica,
  m: Replicate,
  options: { readonly checkEpoch: boolean },
): { readonly replica: Replica; readonly ack: ReplicateAck | null } {
  if (backup.role !== "backup" || (options.checkEpoch && m.epoch !== backup.epoch) || m.index > backup.log.length)
    return { replica: backup, ack: null };
  if (m.index < backup.log.length) {
    return m.epoch === backup.epoch
      ? { replica: backup, ack: { type: "ReplicateAck", epoch: m.epoch, length: backup.log.length } }
      : { replica: backup, ack: null };
  }
  const log = [...backup.log, m.entry];
  return { replica: { ...backup, log }, ack: { type: "ReplicateAck", epoch: m.epoch, length: log.length } };
}

/** A replica promoted to primary of `epoch`: its log is the configuration's; entries it inherited count as handled. */
export function promote(replica: Replica, self: NodeId, epoch: number): Replica | null {
  if (epoch <= replica.epoch) return null;
  return { epoch, role: "primary", primary: self, log: replica.log, acks: {}, committed: replica.log.length };
}

/**
 * A replica joining `epoch` as a backup of `primary`: it adopts the new primary's log, dropping entries the old primary
 * never had acknowledged.
 */
export function joinEpoch(replica: Replica, m: NewPrimary, primary: NodeId): Replica | null {
  if (m.epoch <= replica.epoch) return null;
  return { epoch: m.epoch, role: "backup", primary, log: m.log, acks: {}, committed: 0 };
}

function othersOf(ctx: {
  readonly self: NodeId;
  readonly roles: Readonly<Record<string, readonly NodeId[]>>;
}): NodeId[] {
  return (ctx.roles["replica"] ?? []).filter((r) => r !== ctx.self);
}

/** The options of a replica's reducer: the variants' bugs. */
interface ReplicaOptions {
  /** Acknowledge a write to the client as soon as it is in the primary's log. */
  readonly ackBeforeReplicated: boolean;
  /** Compare a Replicate's epoch with the backup's. */
  readonly checkEpoch: boolean;
  /** Answer a read at once from the primary's log, without replicating it. */
  readonly readFromPrimaryState: boolean;
}

/**
 * A client's request at a replica: a backup says where the primary is; the primary appends it (or, in the variants,
 * answers at once).
 */
function onClientRequest(
  s: Replica,
  m: WriteRequest | ReadRequest,
  ctx: Parameters<RoleDef<Replica, ReplicaInput, ReplicationMessage>["reduce"]>[2],
  options: ReplicaOptions,
): ReplicaStep {
  const client = ctx.from!;
  if (s.role !== "primary")
    return become(s, reply<ReplicationMessage>(ctx, { type: "NotPrimary", epoch: s.epoch, primary: s.primary }));
  if (m.type === "Read" && options.readFromPrimaryState)
    return become(s, reply<ReplicationMessage>(ctx, { type: "ReadAck", value: valueBefore(s.log, s.log.length) }));
  const entry: Entry = m.type === "Write" ? { op: "write", value: m.value, client } : { op: "read", client };
  const step = onRequest(s, entry, othersOf(ctx));
  if (m.type !== "Write" || !options.ackBeforeReplicated) return step;
  return become(
    { ...step.state, committed: step.state.log.length },
    ...step.effects.filter((e) => e.type !== "send"),
    send<ReplicationMessage>(client, { type: "WriteAck", value: m.value }),
  );
}

function replicaRole(options: ReplicaOptions) {
  return defineRole<Replica, ReplicaInput, ReplicationMessage>({
    init: (ctx) => initialReplica(ctx.self),
    durable: ["epoch", "role", "primary", "log", "committed"],
    reduce: (s, input, ctx) =>
      match(input)
        .with({ type: "Write" }, { type: "Read" }, (m): ReplicaStep => onClientRequest(s, m, ctx, options))
        .with({ type: "Replicate" }, (m): ReplicaStep => {
          const r = onReplicate(s, m, options);
          return r.ack === null ? become(s) : become(r.replica, reply<ReplicationMessage>(ctx, r.ack));
        })
        .with({ type: "ReplicateAck" }, (m): ReplicaStep => {
          if (s.role !== "primary" || m.epoch !== s.epoch) return become(s);
          const acks = { ...s.acks, [ctx.from!]: Math.max(s.acks[ctx.from!] ?? 0, m.length) };
          return acknowledgeReplicated({ ...s, acks }, othersOf(ctx));
        })
        .with({ type: "NewEpoch" }, (m): ReplicaStep => {
          const primary = promote(s, ctx.self, m.epoch);
          if (primary === null) return become(s);
          return become(
            primary,
            broadcast<ReplicationMessage>(othersOf(ctx), { type: "NewPrimary", epoch: m.epoch, log: primary.log }),
          );
        })
        .with({ type: "NewPrimary" }, (m): ReplicaStep => become(joinEpoch(s, m, ctx.from!) ?? s))
        .exhaustive(),
  });
}

const CORRECT: ReplicaOptions = { ackBeforeReplicated: false, checkEpoch: true, readFromPrimaryState: false };

/** A replica: primary or backup, synchronous acknowledgement of writes and reads, epochs checked. */
export const replica = replicaRole(CORRECT);

/** The runtime replica's resend timer. */
export interface Resend {
  readonly type: "Resend";
}

/** Entries a resend carries at most per backup (a frame stays small; the next resend carries the rest). */
const RESEND_BATCH = 64;

/**
 * What a primary resends to each backup that has not acknowledged its whole
 * log: the new configuration (to one that never acknowledged anything in
 * this epoch) and the entries it lacks. The model's network loses nothing
 * and needs none of it; a real network loses messages under partitions and
 * kills, and without it one lost entry would stop every later answer.
 */
export function resends(primary: Replica, backups: readonly NodeId[]): ReplicaStep {
  if (primary.role !== "primary") return become(primary);
  const effects = [];
  for (const b of backups) {
    const held = primary.acks[b];
    if (held === undefined && primary.epoch > 1)
      effects.push(send<ReplicationMessage>(b, { type: "NewPrimary", epoch: primary.epoch, log: primary.log }));
    const from = held ?? 0;
    for (let k = from; k < Math.min(primary.log.length, from + RESEND_BATCH); k++)
      effects.push(
        send<ReplicationMessage>(b, { type: "Replicate", epoch: primary.epoch, index: k, entry: primary.log[k]! }),
      );
  }
  return become(primary, ...effects);
}

/** The replica on a real network: the model's reducer, plus a resend timer (see {@link resends}). */
function resendingReplica(
  role: RoleDef<Replica, ReplicaInput, ReplicationMessage>,
): RoleDef<Replica, ReplicaInput | Resend, ReplicationMessage, Resend> {
  return {
    ...role,
    initialTimers: () => [{ type: "Resend" }],
    reduce: (s, input, ctx) => {
      if (input.type !== "Resend") return role.reduce(s, input, ctx);
      const step = resends(s, othersOf(ctx));
      return become(step.state, ...step.effects, setTimer<Resend>({ type: "Resend" }));
    },
  };
}

/** The client's operation in progress. */
export type Pending = { readonly f: "write"; readonly value: number } | { readonly f: "read" } | null;

/** A client: the primary it believes in, its operations so far, and the one in progress. */
export interface Client {
  readonly epoch: number;
  readonly primary: NodeId;
  readonly writes: number;
  readonly reads: number;
  readonly pending: Pending;
}

/** What the client reacts to: its own decision to write or read, answers, and news of a new primary. */
export type ClientInput =
  { readonly type: "StartWrite" } | { readonly type: "StartRead" } | WriteAck | ReadAck | NotPrimary | PrimaryIs;

/** The bounds of a client's workload (the model's; a real run's client is unbounded). */
export interface ClientBounds {
  readonly writes: number;
  readonly reads: number;
}

type ClientStep = Step<Client, ReplicationMessage>;

/**
 * The value client `self`'s `k`-th write stores: 100 times its number plus
 * k, so that every client writes its own values and a history names them.
 * @example writeValue("c2", 1) // 201
 */
export function writeValue(self: NodeId, k: number): number {
  return 100 * Number(/\d+$/.exec(self)?.[0] ?? "0") + k;
}

function requestOf(p: Exclude<Pending, null>): WriteRequest | ReadRequest {
  return p.f === "write" ? { type: "Write", value: p.value } : { type: "Read" };
}

/** A client with the given workload bounds (`Infinity`: a real run's). */
function clientRole(bounds: (params: ClientBounds) => ClientBounds) {
  return defineRole<Client, ClientInput, ReplicationMessage, never, ClientBounds>({
    init: () => ({ epoch: 1, primary: FIRST_PRIMARY, writes: 0, reads: 0, pending: null }),
    durable: ["epoch", "primary", "writes", "reads", "pending"],
    choices: (s, ctx) => {
      if (s.pending !== null) return [];
      const b = bounds(ctx.params);
      return [
        ...(s.writes < b.writes ? [{ type: "StartWrite" } as const] : []),
        ...(s.reads < b.reads ? [{ type: "StartRead" } as const] : []),
      ];
    },
    reduce: (s, input, ctx) =>
      match(input)
        .with({ type: "StartWrite" }, (): ClientStep | undefined => {
          if (s.pending !== null) return undefined;
          const value = writeValue(ctx.self, s.writes + 1);
          return become<Client, ReplicationMessage>(
            { ...s, writes: s.writes + 1, pending: { f: "write", value } },
            send(s.primary, { type: "Write", value }),
            record({ type: "invoke", process: ctx.self, f: "write", value }),
          );
        })
        .with({ type: "StartRead" }, (): ClientStep | undefined => {
          if (s.pending !== null) return undefined;
          return become<Client, ReplicationMessage>(
            { ...s, reads: s.reads + 1, pending: { f: "read" } },
            send(s.primary, { type: "Read" }),
            record({ type: "invoke", process: ctx.self, f: "read", value: null }),
          );
        })
        .with({ type: "WriteAck" }, (m): ClientStep | undefined => {
          if (s.pending?.f !== "write" || s.pending.value !== m.value) return undefined;
          return become<Client, ReplicationMessage>(
            { ...s, pending: null },
            record({ type: "ok", process: ctx.self, f: "write", value: m.value }),
          );
        })
        .with({ type: "ReadAck" }, (m): ClientStep | undefined => {
          if (s.pending?.f !== "read") return undefined;
          return become<Client, ReplicationMessage>(
            { ...s, pending: null },
            record({ type: "ok", process: ctx.self, f: "read", value: m.value }),
          );
        })
        // A backup's redirect: follow it to the newer epoch's primary and ask there.
        .with({ type: "NotPrimary" }, (m): ClientStep | undefined => {
          if (m.epoch <= s.epoch) return undefined;
          const moved = { ...s, epoch: m.epoch, primary: m.primary };
          return s.pending === null
            ? become<Client, ReplicationMessage>(moved)
            : become<Client, ReplicationMessage>(moved, send(m.primary, requestOf(s.pending)));
        })
        .with({ type: "PrimaryIs" }, (m) =>
          become<Client, ReplicationMessage>(m.epoch > s.epoch ? { ...s, epoch: m.epoch, primary: m.primary } : s),
        )
        .exhaustive(),
  });
}

/**
 * The client: up to `writes` writes and `reads` reads, one at a time, each recorded in the history; it does not retry
 * at the same replica.
 */
export const client = clientRole((p) => p);

/** The client of a real run: as many operations as the run lasts. */
const unboundedClient = clientRole(() => ({ writes: Infinity, reads: Infinity }));

/** The configuration service: the current epoch and its primary; `failovers` counts promotions (a model bound). */
export interface ConfigService {
  readonly epoch: number;
  readonly primary: NodeId;
  readonly failovers: number;
}

/** The configuration service's decision to promote `replica`. */
export interface Promote {
  readonly type: "Promote";
  readonly replica: NodeId;
}

/**
 * The configuration service's step: promote another replica in a new epoch
 * and tell it and the clients.
 * @example
 * failover({ epoch: 1, primary: "r1", failovers: 0 }, "r2", ["c1"])
 * // → epoch 2, NewEpoch{epoch:2} to r2, PrimaryIs to c1
 */
export function failover(
  config: ConfigService,
  to: NodeId,
  clients: readonly NodeId[],
): Step<ConfigService, ReplicationMessage> {
  const epoch = config.epoch + 1;
  return become<ConfigService, ReplicationMessage>(
    { epoch, primary: to, failovers: config.failovers + 1 },
    send(to, { type: "NewEpoch", epoch }),
    ...clients.map((c) => send<ReplicationMessage>(c, { type: "PrimaryIs", epoch, primary: to })),
  );
}

/**
 * The configuration service: it may suspect the primary at any time (after
 * a crash, or wrongly) and promote another replica. On a real network its
 * suspicions come on its own clock: the runtime takes one of its choices
 * every `choiceMs`, whatever the network is doing, so failovers happen
 * during partitions and kills too.
 */
export const configService = defineRole<
  ConfigService,
  Promote,
  ReplicationMessage,
  never,
  { readonly failovers: number }
>({
  init: () => ({ epoch: 1, primary: FIRST_PRIMARY, failovers: 0 }),
  durable: ["epoch", "primary", "failovers"],
  choices: (s, ctx) =>
    s.failovers >= ctx.params.failovers
      ? []
      : (ctx.roles["replica"] ?? []).filter((r) => r !== s.primary).map((r) => ({ type: "Promote", replica: r })),
  reduce: (s, input, ctx) =>
    input.replica === s.primary ? undefined : failover(s, input.replica, ctx.roles["client"] ?? []),
});

interface Params {
  readonly replicas: number;
  readonly clients: number;
  readonly writes: number;
  readonly reads: number;
  readonly failovers: number;
  readonly crashes: number;
}

type State = ProtocolStateOf<{ replica: typeof replica; client: typeof client; config: typeof configService }>;

function configOf(s: State): ConfigService {
  return nodeOf(s, "config", CONFIG);
}

/** The primary of the configuration's epoch, once it has taken office. */
function currentPrimary(s: State, p: Params): Replica | null {
  const config = configOf(s);
  const r = nodeOf(s, "replica", config.primary);
  return r.role === "primary" && r.epoch === config.epoch && replicaIds(p.replicas).includes(config.primary) ? r : null;
}

function isPrefix(a: readonly Entry[], b: readonly Entry[]): boolean {
  return a.length <= b.length && a.every((x, k) => x === b[k] || JSON.stringify(x) === JSON.stringify(b[k]));
}

/**
 * Linearizability of the clients' history, against a register that starts as
 * `null`; the incremental checker shares work between a state's history and
 * its parent's.
 */
const linearizability = createIncrementalChecker(registerModel);

/** How the runtime runs primary-backup: see the module comment. */
const runtime = {
  roles: { replica: resendingReplica(replica), client: unboundedClient },
  variantRoles: {
    "async-ack": {
      replica: resendingReplica(replicaRole({ ...CORRECT, ackBeforeReplicated: true })),
    },
    "no-epoch-check": { replica: resendingReplica(replicaRole({ ...CORRECT, checkEpoch: false })) },
    "read-from-primary-state": {
      replica: resendingReplica(replicaRole({ ...CORRECT, readFromPrimaryState: true })),
    },
  },
  // `--nodes` sets the replicas (the configuration service runs besides them).
  nodesParam: "replicas",
  // The configuration service suspects the primary about once a second, with no bound on promotions.
  modelParams: { failovers: 1_000_000 },
  choiceMs: 1000,
  workload: { clients: ["client"], instances: { client: "option" as const }, model: "register" },
};

/**
 * Primary-backup replication: synchronous acknowledgement, reads through the log, failover to a new epoch, stale epochs
 * rejected.
 */
export const primaryBackup = defineProtocol({
  name: "primary-backup",
  description:
    "primary-backup replication: writes and reads answered once every backup has them, failover by a configuration service with epoch numbers",
  params: {
    replicas: int(3, { min: 1, max: 4, description: "replicas (r1 starts as primary)" }),
    clients: int(1, { min: 1, max: 3, description: "clients, each doing one operation at a time" }),
    writes: int(2, { min: 0, max: 3, description: "writes per client (model bound)" }),
    reads: int(1, { min: 0, max: 3, description: "reads per client (model bound)" }),
    failovers: int(1, { min: 0, max: 2, description: "promotions by the configuration service (model bound)" }),
    crashes: int(1, { min: 0, max: 2, description: "crashes, each followed by a restart with durable state" }),
  },
  network: "fifo",
  nodes: (p) => ({ replica: replicaIds(p.replicas), client: clientIds(p.clients), config: [CONFIG] }),
  roles: { replica, client, config: configService },
  faults: (p) => ({ crash: p.crashes }),
  runtime,
  properties: {
    acknowledgedWritesSurviveFailover: invariant<State, Params>((s, p) => {
      const primary = currentPrimary(s, p);
      if (primary === null) return true;
      return s.history.every(
        (e) =>
          e.type !== "ok" ||
          e.f !== "write" ||
          primary.log.some((x) => x.op === "write" && x.value === e.value && x.client === e.process),
      );
    }, "every write acknowledged to a client is in the log of the current epoch's primary, however many failovers came between"),
    backupsArePrefixesOfPrimary: invariant<State, Params>((s, p) => {
      const primary = currentPrimary(s, p);
      if (primary === null) return true;
      return replicaIds(p.replicas).every((id) => {
        const r = nodeOf(s, "replica", id);
        return r.role !== "backup" || r.epoch !== primary.epoch || isPrefix(r.log, primary.log);
      });
    }, "in the current epoch, every backup's log is a prefix of the primary's: backups hold only what the primary sent them"),
    oneWritableReplicaPerEpoch: invariant<State, Params>((s, p) => {
      const epochs = nodesOf(s, "replica", replicaIds(p.replicas))
        .filter((r) => r.role === "primary")
        .map((r) => r.epoch);
      return new Set(epochs).size === epochs.length;
    }, "at most one replica accepts writes as primary of any epoch"),
    historyIsLinearizable: invariant<State, Params>(
      (s) => linearizability.isLinearizable(s.history),
      "the clients' history of reads and writes is linearizable (a register that starts as null)",
    ),
  },
  variants: {
    "async-ack": {
      description:
        "the primary acknowledges a write as soon as it is in its own log (asynchronous replication): a failover before the backups have it loses an acknowledged write",
      violates: "acknowledgedWritesSurviveFailover",
      roles: { replica: replicaRole({ ...CORRECT, ackBeforeReplicated: true }) },
    },
    "no-epoch-check": {
      description:
        "backups apply entries of any epoch: a deposed primary that has not heard of the failover still writes into the new primary's backups",
      violates: "backupsArePrefixesOfPrimary",
      roles: { replica: replicaRole({ ...CORRECT, checkEpoch: false }) },
    },
    "read-from-primary-state": {
      description:
        "the primary answers a read from its own log at once, without replicating it: it returns a write no backup holds yet, which a failover then loses, and a later read returns the older value",
      violates: "historyIsLinearizable",
      // Two clients: one whose write is in flight, one that reads it and reads again after the failover.
      params: { clients: 2, writes: 1, reads: 2, crashes: 0 },
      roles: { replica: replicaRole({ ...CORRECT, readFromPrimaryState: true }) },
    },
  },
});
