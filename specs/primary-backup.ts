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
 * The model: `replicas` replicas (r1 starts as primary of epoch 1), one
 * client that sends `writes` writes to the replica it believes is primary,
 * and a configuration service that may promote another replica at any time,
 * at most `failovers` times (a model bound). The network is FIFO per channel
 * and loses nothing; any node may crash, at most `crashes` times, and
 * restart with its durable fields (a replica's epoch, role and log).
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
  reply,
  send,
  setAdd,
  type NodeId,
  type ProtocolStateOf,
  type Step,
} from "../src/index.js";

/** The client asks the primary to store `value`. */
export interface WriteRequest {
  readonly type: "Write";
  readonly value: number;
}

/** The primary's `index`-th log entry, sent to a backup in `epoch`. */
export interface Replicate {
  readonly type: "Replicate";
  readonly epoch: number;
  readonly index: number;
  readonly value: number;
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

/** The configuration service makes the receiver primary of `epoch`. */
export interface NewEpoch {
  readonly type: "NewEpoch";
  readonly epoch: number;
}

/** A new primary hands its log to the other replicas: they become its backups in `epoch`. */
export interface NewPrimary {
  readonly type: "NewPrimary";
  readonly epoch: number;
  readonly log: readonly number[];
}

/** The configuration service tells the client where the primary of `epoch` is. */
export interface PrimaryIs {
  readonly type: "PrimaryIs";
  readonly epoch: number;
  readonly primary: NodeId;
}

/** The messages of the protocol. */
export type ReplicationMessage = WriteRequest | Replicate | ReplicateAck | WriteAck | NewEpoch | NewPrimary | PrimaryIs;

/** What a replica reacts to. */
export type ReplicaInput = WriteRequest | Replicate | ReplicateAck | NewEpoch | NewPrimary;

/** A replica: primary or backup of an epoch, with its log. */
export interface Replica {
  /** The configuration it belongs to; it rejects messages of older ones. */
  readonly epoch: number;
  readonly role: "primary" | "backup";
  /** The writes it holds, in the primary's order. */
  readonly log: readonly number[];
  /** Primary only: how many entries each backup has acknowledged in this epoch (volatile). */
  readonly acks: Readonly<Record<NodeId, number>>;
  /** Primary only: entries acknowledged to the client (or inherited at promotion). */
  readonly committed: number;
}

type ReplicaStep = Step<Replica, ReplicationMessage>;

/** The replica that starts as primary of epoch 1. */
export const FIRST_PRIMARY: NodeId = "r1";
/** The client's node id. */
export const CLIENT: NodeId = "c";
/** The configuration service's node id. */
export const CONFIG: NodeId = "cfg";

/** The replica ids: r1..rN. */
export function replicaIds(n: number): readonly NodeId[] {
  return numberedIds("r", n);
}

/** A replica at the start: r1 primary of epoch 1, the others its backups, all with empty logs. */
export function initialReplica(self: NodeId): Replica {
  return { epoch: 1, role: self === FIRST_PRIMARY ? "primary" : "backup", log: [], acks: {}, committed: 0 };
}

/**
 * How many entries every backup holds: what the primary may acknowledge.
 * With no backups, everything in the log.
 * @example replicatedLength({ ...primary, log: [1, 2], acks: { r2: 2, r3: 1 } }, ["r2", "r3"]) // 1
 */
export function replicatedLength(primary: Replica, backups: readonly NodeId[]): number {
  return backups.reduce((least, b) => Math.min(least, primary.acks[b] ?? 0), primary.log.length);
}

/** Acknowledges to `client` every entry that all backups now hold and the client has not been told of. */
export function acknowledgeReplicated(primary: Replica, backups: readonly NodeId[], client: NodeId): ReplicaStep {
  const upTo = replicatedLength(primary, backups);
  if (upTo <= primary.committed) return become(primary);
  const acks = primary.log
    .slice(primary.committed, upTo)
    .map((value) => send<ReplicationMessage>(client, { type: "WriteAck", value }));
  return become({ ...primary, committed: upTo }, ...acks);
}

/**
 * The primary's step on a client write: append it and send it to every
 * backup; it is acknowledged to the client later, by `acknowledgeReplicated`,
 * once every backup holds it (synchronous replication).
 * @example
 * onWrite(initialReplica("r1"), 7, ["r2"], "c") // log [7]; Replicate{epoch:1,index:0,value:7} to r2
 */
export function onWrite(primary: Replica, value: number, backups: readonly NodeId[], client: NodeId): ReplicaStep {
  const index = primary.log.length;
  const appended: Replica = { ...primary, log: [...primary.log, value] };
  const replicate = broadcast<ReplicationMessage>(backups, { type: "Replicate", epoch: primary.epoch, index, value });
  const acked = acknowledgeReplicated(appended, backups, client);
  return become(acked.state, replicate, ...acked.effects);
}

/**
 * A backup's step on a primary's entry: appended and acknowledged when it
 * is of the backup's epoch and the next in its log; an entry of another
 * epoch (a deposed primary's) is ignored.
 */
export function onReplicate(
  backup: Replica,
  m: Replicate,
  options: { readonly checkEpoch: boolean },
): { readonly replica: Replica; readonly ack: ReplicateAck | null } {
  if (backup.role !== "backup" || (options.checkEpoch && m.epoch !== backup.epoch) || m.index !== backup.log.length)
    return { replica: backup, ack: null };
  const log = [...backup.log, m.value];
  return { replica: { ...backup, log }, ack: { type: "ReplicateAck", epoch: m.epoch, length: log.length } };
}

/** A replica promoted to primary of `epoch`: its log is the configuration's; entries it inherited count as handled. */
export function promote(replica: Replica, epoch: number): Replica | null {
  if (epoch <= replica.epoch) return null;
  return { epoch, role: "primary", log: replica.log, acks: {}, committed: replica.log.length };
}

/** A replica joining `epoch` as a backup: it adopts the new primary's log, dropping entries the old primary never had acknowledged. */
export function joinEpoch(replica: Replica, m: NewPrimary): Replica | null {
  if (m.epoch <= replica.epoch) return null;
  return { epoch: m.epoch, role: "backup", log: m.log, acks: {}, committed: 0 };
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
}

function replicaRole(options: ReplicaOptions) {
  return defineRole<Replica, ReplicaInput, ReplicationMessage>({
    init: (ctx) => initialReplica(ctx.self),
    durable: ["epoch", "role", "log", "committed"],
    reduce: (s, input, ctx) =>
      match(input)
        .with({ type: "Write" }, (m): ReplicaStep => {
          if (s.role !== "primary") return become(s);
          if (!options.ackBeforeReplicated) return onWrite(s, m.value, othersOf(ctx), CLIENT);
          const step = onWrite(s, m.value, othersOf(ctx), CLIENT);
          return become(
            { ...step.state, committed: step.state.log.length },
            ...step.effects,
            send<ReplicationMessage>(CLIENT, { type: "WriteAck", value: m.value }),
          );
        })
        .with({ type: "Replicate" }, (m): ReplicaStep => {
          const r = onReplicate(s, m, options);
          return r.ack === null ? become(s) : become(r.replica, reply<ReplicationMessage>(ctx, r.ack));
        })
        .with({ type: "ReplicateAck" }, (m): ReplicaStep => {
          if (s.role !== "primary" || m.epoch !== s.epoch) return become(s);
          const acks = { ...s.acks, [ctx.from!]: Math.max(s.acks[ctx.from!] ?? 0, m.length) };
          return acknowledgeReplicated({ ...s, acks }, othersOf(ctx), CLIENT);
        })
        .with({ type: "NewEpoch" }, (m): ReplicaStep => {
          const primary = promote(s, m.epoch);
          if (primary === null) return become(s);
          return become(
            primary,
            broadcast<ReplicationMessage>(othersOf(ctx), { type: "NewPrimary", epoch: m.epoch, log: primary.log }),
          );
        })
        .with({ type: "NewPrimary" }, (m): ReplicaStep => become(joinEpoch(s, m) ?? s))
        .exhaustive(),
  });
}

/** A replica: primary or backup, synchronous acknowledgement, epochs checked. */
export const replica = replicaRole({ ackBeforeReplicated: false, checkEpoch: true });

/** The client: the primary it believes in, the writes it sent and those acknowledged. */
export interface Client {
  readonly epoch: number;
  readonly primary: NodeId;
  /** Writes sent so far: values 1..issued. */
  readonly issued: number;
  /** Writes acknowledged, sorted. */
  readonly acked: readonly number[];
}

/** What the client reacts to: its own decision to write, acknowledgements, and news of a new primary. */
export type ClientInput = { readonly type: "SendWrite" } | WriteAck | PrimaryIs;

/** The client sends writes 1..`writes` to the primary it knows; it does not retry (a lost write is simply never acknowledged). */
export const client = defineRole<Client, ClientInput, ReplicationMessage, never, { readonly writes: number }>({
  init: () => ({ epoch: 1, primary: FIRST_PRIMARY, issued: 0, acked: [] }),
  durable: ["epoch", "primary", "issued", "acked"],
  choices: (s, ctx) => (s.issued < ctx.params.writes ? [{ type: "SendWrite" }] : []),
  reduce: (s, input) =>
    match(input)
      .with({ type: "SendWrite" }, () =>
        become<Client, ReplicationMessage>(
          { ...s, issued: s.issued + 1 },
          send(s.primary, { type: "Write", value: s.issued + 1 }),
        ),
      )
      .with({ type: "WriteAck" }, (m) => become<Client, ReplicationMessage>({ ...s, acked: setAdd(s.acked, m.value) }))
      .with({ type: "PrimaryIs" }, (m) =>
        become<Client, ReplicationMessage>(m.epoch > s.epoch ? { ...s, epoch: m.epoch, primary: m.primary } : s),
      )
      .exhaustive(),
});

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
 * and tell it and the client.
 * @example failover({ epoch: 1, primary: "r1", failovers: 0 }, "r2", "c") // epoch 2, NewEpoch{epoch:2} to r2, PrimaryIs to c
 */
export function failover(config: ConfigService, to: NodeId, clientId: NodeId): Step<ConfigService, ReplicationMessage> {
  const epoch = config.epoch + 1;
  return become<ConfigService, ReplicationMessage>(
    { epoch, primary: to, failovers: config.failovers + 1 },
    send(to, { type: "NewEpoch", epoch }),
    send(clientId, { type: "PrimaryIs", epoch, primary: to }),
  );
}

/** The configuration service: it may suspect the primary at any time (after a crash, or wrongly) and promote another replica. */
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
  reduce: (s, input) => (input.replica === s.primary ? undefined : failover(s, input.replica, CLIENT)),
});

interface Params {
  readonly replicas: number;
  readonly writes: number;
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

function isPrefix(a: readonly number[], b: readonly number[]): boolean {
  return a.length <= b.length && a.every((x, k) => x === b[k]);
}

/** Primary-backup replication: synchronous acknowledgement, failover to a new epoch, stale epochs rejected. */
export const primaryBackup = defineProtocol({
  name: "primary-backup",
  description:
    "primary-backup replication: writes acknowledged once every backup has them, failover by a configuration service with epoch numbers",
  params: {
    replicas: int(3, { min: 1, max: 4, description: "replicas (r1 starts as primary)" }),
    writes: int(2, { min: 1, max: 4, description: "writes the client sends" }),
    failovers: int(1, { min: 0, max: 2, description: "promotions by the configuration service (model bound)" }),
    crashes: int(1, { min: 0, max: 2, description: "crashes, each followed by a restart with durable state" }),
  },
  network: "fifo",
  nodes: (p) => ({ replica: replicaIds(p.replicas), client: [CLIENT], config: [CONFIG] }),
  roles: { replica, client, config: configService },
  faults: (p) => ({ crash: p.crashes }),
  properties: {
    acknowledgedWritesSurviveFailover: invariant<State, Params>((s, p) => {
      const primary = currentPrimary(s, p);
      return primary === null || nodeOf(s, "client", CLIENT).acked.every((v) => primary.log.includes(v));
    }, "every write acknowledged to the client is in the log of the current epoch's primary, however many failovers came between"),
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
  },
  variants: {
    "async-ack": {
      description:
        "the primary acknowledges a write as soon as it is in its own log (asynchronous replication): a failover before the backups have it loses an acknowledged write",
      violates: "acknowledgedWritesSurviveFailover",
      roles: { replica: replicaRole({ ackBeforeReplicated: true, checkEpoch: true }) },
    },
    "no-epoch-check": {
      description:
        "backups apply entries of any epoch: a deposed primary that has not heard of the failover still writes into the new primary's backups",
      violates: "backupsArePrefixesOfPrimary",
      roles: { replica: replicaRole({ ackBeforeReplicated: false, checkEpoch: false }) },
    },
  },
});
