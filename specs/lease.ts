/**
 * Leases with fencing tokens (Gray and Cheriton's leases; Kleppmann's
 * "How to do distributed locking"). A lock service grants a lease for
 * `duration` ticks of its clock, with a token one higher than the last. A
 * client writes to storage only while its lease is valid by its own clock,
 * less a margin for clock drift, and sends its token with every write; the
 * storage rejects a token below the highest it has accepted.
 *
 * The margin alone is not enough: a client may check its lease, stall for
 * any number of ticks (a GC pause, a slow network) and then write, long after
 * the lease passed to someone else. The token is what keeps the paused
 * client's write from landing on top of the new holder's: in the storage's
 * order, lease periods follow each other and never interleave.
 *
 * The model: the service's clock is real time; a client's clock may run slow,
 * losing up to `drift` ticks; every write is a check-and-send followed, any
 * number of ticks later, by its arrival at the storage.
 */
import { produce } from "immer";
import { match } from "ts-pattern";
import { choose, defineSpec, int, invariant, onEveryStep, numberedIds, type NodeId } from "../src/index.js";

/** The lock service's state: the last token granted, to whom, and until when (its clock). */
export interface LockService {
  /** The last token granted; 0 before the first grant. */
  readonly token: number;
  readonly holder: NodeId | null;
  /** The first tick at which the lease is no longer valid. */
  readonly expires: number;
}

/** A lease as its holder keeps it: its token and when it was acquired, by the holder's clock. */
export interface Lease {
  readonly token: number;
  readonly acquiredAt: number;
}

/** The answer of `grantLease`. */
export type GrantResult =
  | { readonly type: "granted"; readonly service: LockService; readonly token: number }
  | { readonly type: "busy"; readonly until: number };

/** A lock service that has granted nothing. */
export const initialLockService: LockService = { token: 0, holder: null, expires: 0 };

/**
 * The lock service's step: grants a lease to `client` at time `now` when no
 * lease is valid, with the next fencing token.
 * @example
 * grantLease(initialLockService, "c1", 0, 3) // granted, token 1, expires 3
 */
export function grantLease(service: LockService, client: NodeId, now: number, duration: number): GrantResult {
  if (service.holder !== null && now < service.expires) return { type: "busy", until: service.expires };
  const token = service.token + 1;
  return { type: "granted", service: { token, holder: client, expires: now + duration }, token };
}

/**
 * The holder's check before acting: is the lease still valid by its clock?
 * `margin` must cover how much the holder's clock may lose over a lease
 * (drift), or a slow clock makes an expired lease look valid.
 */
export function leaseStillValid(
  lease: Lease,
  localNow: number,
  options: { readonly duration: number; readonly margin: number },
): boolean {
  return localNow - lease.acquiredAt < options.duration - options.margin;
}

/** Storage that fences writes: the highest token it has accepted (0: none). */
export interface FencedStorage {
  readonly highestToken: number;
}

/** The answer of `fencedWrite`. */
export interface WriteResult {
  readonly accepted: boolean;
  readonly storage: FencedStorage;
}

/** The storage's step: accepts a write whose token is at least the highest accepted, rejects a stale one. */
export function fencedWrite(storage: FencedStorage, token: number): WriteResult {
  if (token < storage.highestToken) return { accepted: false, storage };
  return { accepted: true, storage: { highestToken: token } };
}

/**
 * A client of the model: its lease, how far its clock lags real time, and the write it has sent but the storage has not
 * yet seen.
 */
export interface LeaseClient {
  readonly lease: Lease | null;
  /** Ticks its clock has lost (at most `drift`). */
  readonly lag: number;
  /** A write in flight (the client paused or the message slow), with its lease's token. */
  readonly pending: { readonly token: number } | null;
}

/** A write as the storage saw it (a ghost the properties read): who wrote, under which lease, and the verdict. */
export interface WriteAttempt {
  readonly client: NodeId;
  readonly token: number;
  readonly accepted: boolean;
}

/** The state of the model. */
export interface LeaseState {
  readonly now: number;
  readonly service: LockService;
  readonly clients: Readonly<Record<NodeId, LeaseClient>>;
  readonly storage: FencedStorage;
  /** Every write that reached the storage, in its order. */
  readonly writes: readonly WriteAttempt[];
}

/** Parameter values of the spec. */
export interface LeaseParams {
  readonly clients: number;
  readonly duration: number;
  readonly drift: number;
  readonly horizon: number;
  readonly writes: number;
}

type Store = (storage: FencedStorage, token: number) => WriteResult;

/** A storage without fencing: it takes every write. */
const unfencedWrite: Store = (storage) => ({ accepted: true, storage });

function clientIds(n: number): readonly NodeId[] {
  return numberedIds("c", n);
}

const clientsOf = (s: LeaseState): string[] => Object.keys(s.clients);

/** BeginWrite(c): the client checks its lease with `margin` and, if valid, sends a write with its token. */
function beginWriteWith(margin: (p: LeaseParams) => number) {
  return choose(clientsOf, (s: LeaseState, c: NodeId, p: LeaseParams) => {
    const client = s.clients[c]!;
    if (client.pending !== null || client.lease === null) return undefined;
    if (!leaseStillValid(client.lease, s.now - client.lag, { duration: p.duration, margin: margin(p) }))
      return undefined;
    const token = client.lease.token;
    return produce(s, (d) => {
      d.clients[c]!.pending = { token };
    });
  });
}

/** WriteArrives(c): the client's write reaches the storage, however late. */
function writeArrivesWith(store: Store) {
  return choose(clientsOf, (s: LeaseState, c: NodeId) => {
    const pending = s.clients[c]!.pending;
    if (pending === null) return undefined;
    const result = store(s.storage, pending.token);
    return produce(s, (d) => {
      d.clients[c]!.pending = null;
      d.storage = result.storage;
      d.writes.push({ client: c, token: pending.token, accepted: result.accepted });
    });
  });
}

/** The highest token among accepted writes before index `k`. */
function highestAcceptedBefore(writes: readonly WriteAttempt[], k: number): number {
  let highest = 0;
  for (let i = 0; i < k; i++) if (writes[i]!.accepted) highest = Math.max(highest, writes[i]!.token);
  return highest;
}

/** A lease with fencing tokens, clients with drifting clocks that pause for any number of ticks. */
export const lease = defineSpec({
  name: "lease",
  description:
    "leases with fencing tokens under clock drift and process pauses: lease periods never interleave at the storage",
  params: {
    clients: int(2, { min: 1, max: 3, description: "clients competing for the lease" }),
    duration: int(3, { min: 1, max: 6, description: "lease length in ticks of the service's clock" }),
    drift: int(1, { min: 0, max: 3, description: "ticks a client's clock may lose (its safety margin)" }),
    horizon: int(5, { min: 1, max: 10, description: "real-time ticks explored (model bound)" }),
    writes: int(3, { min: 1, max: 6, description: "writes reaching the storage per run (model bound)" }),
  },
  init: (p) => [
    {
      now: 0,
      service: initialLockService,
      clients: Object.fromEntries(
        clientIds(p.clients).map((c): [NodeId, LeaseClient] => [c, { lease: null, lag: 0, pending: null }]),
      ),
      storage: { highestToken: 0 },
      writes: [],
    },
  ],
  actions: {
    Tick: (s: LeaseState) => ({ ...s, now: s.now + 1 }),
    ClockSlips: choose(clientsOf, (s: LeaseState, c: NodeId, p: LeaseParams) =>
      s.clients[c]!.lag >= p.drift
        ? undefined
        : produce(s, (d) => {
            d.clients[c]!.lag += 1;
          }),
    ),
    Acquire: choose(clientsOf, (s: LeaseState, c: NodeId, p: LeaseParams) => {
      const client = s.clients[c]!;
      if (client.pending !== null) return undefined;
      return match(grantLease(s.service, c, s.now, p.duration))
        .with({ type: "busy" }, () => undefined)
        .with({ type: "granted" }, (g) =>
          produce(s, (d) => {
            d.service = g.service;
            d.clients[c]!.lease = { token: g.token, acquiredAt: s.now - client.lag };
          }),
        )
        .exhaustive();
    }),
    BeginWrite: beginWriteWith((p) => p.drift),
    WriteArrives: writeArrivesWith(fencedWrite),
  },
  constraint: (s, p) => s.now <= p.horizon && s.writes.length < p.writes,
  properties: {
    writesStartWithinLease: onEveryStep<LeaseState>(
      (prev, next) =>
        Object.entries(next.clients).every(([c, client]) => {
          if (client.pending === null || prev.clients[c]!.pending !== null) return true;
          return client.pending.token === prev.service.token && prev.now < prev.service.expires;
        }),
      "a client starts a write only while its lease is valid in real time: the margin covers its clock's drift",
    ),
    oneHolderPerPeriod: invariant<LeaseState>(
      (s) => s.writes.every((w, k) => !w.accepted || w.token >= highestAcceptedBefore(s.writes, k)),
      "at most one holder's writes are accepted per lease period: in the storage's order, periods (tokens) follow each other and never interleave",
    ),
    staleTokensRejected: invariant<LeaseState>(
      (s) => s.writes.every((w, k) => w.accepted === w.token >= highestAcceptedBefore(s.writes, k)),
      "the storage rejects exactly the writes whose token is below the highest it has accepted",
    ),
  },
  variants: {
    "no-fencing-token": {
      description:
        "writes carry no token and the storage takes them all: a paused former holder overwrites the new holder's write",
      violates: "oneHolderPerPeriod",
      actions: { WriteArrives: writeArrivesWith(unfencedWrite) },
    },
    "no-drift-margin": {
      description:
        "the holder trusts its clock with no margin for drift: a slow clock makes an expired lease look valid",
      violates: "writesStartWithinLease",
      actions: { BeginWrite: beginWriteWith(() => 0) },
    },
  },
});
