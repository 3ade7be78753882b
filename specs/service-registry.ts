/**
 * A service registry with heartbeats and TTL expiry, and a client that caches
 * its lookups with a TTL, as DNS resolvers do (the seeds' "Service Discovery
 * with DNS"; registries such as Consul, Eureka or etcd leases work alike). Instances register and then heartbeat every
 * `heartbeatEvery` ticks; the registry drops an instance whose last heartbeat
 * is more than `registryTtl` ticks old. The client looks the instances up and
 * keeps the answer for `cacheTtl` ticks, sending its requests to the cached
 * instances and looking up again once the answer is too old.
 *
 * Two promises follow. A live instance that keeps heartbeating is never
 * expired, as long as the heartbeat interval is within the registry's TTL.
 * And no request goes to an instance the registry dropped more than
 * `cacheTtl` ticks ago: a cached answer listed it, so it was fetched before
 * the drop, and it is used for at most `cacheTtl` ticks.
 *
 * The model: instances crash at any time (at most `crashes`) and then stop
 * heartbeating; a live instance heartbeats at any moment, but time cannot
 * pass its heartbeat interval without one (that is what "keeps heartbeating"
 * means); the registry sweeps expired instances at any moment after they
 * expire. Time is an explicit `Tick` up to `horizon`.
 */
import { produce } from "immer";
import { choose, defineSpec, int, invariant, numberedIds, onEveryStep, type NodeId } from "../src/index.js";

/** The registry's entry for an instance: when its last heartbeat arrived. */
export interface Registration {
  readonly lastHeartbeat: number;
}

/** The registry: the instances registered, by id. */
export type Registry = Readonly<Record<NodeId, Registration>>;

/** A client's cached lookup: the instances listed, and when it was fetched. */
export interface CachedLookup {
  readonly instances: readonly NodeId[];
  readonly fetchedAt: number;
}

/** Registers `instance` (or renews it) at `now`. */
export function heartbeat(registry: Registry, instance: NodeId, now: number): Registry {
  return { ...registry, [instance]: { lastHeartbeat: now } };
}

/**
 * Whether the registry may drop `instance` at `now`: its last heartbeat is
 * more than `ttl` ticks old.
 * @example [isExpired({ lastHeartbeat: 1 }, 4, 3), isExpired({ lastHeartbeat: 1 }, 5, 3)] // [false, true]
 */
export function isExpired(registration: Registration, now: number, ttl: number): boolean {
  return now - registration.lastHeartbeat > ttl;
}

/** The registry's answer to a lookup at `now`: the instances registered, in id order. */
export function lookup(registry: Registry, now: number): CachedLookup {
  return { instances: Object.keys(registry).sort(), fetchedAt: now };
}

/**
 * The instances a client may send to at `now` from its cache, or null when
 * the cache is empty or older than `cacheTtl` and must be refreshed first.
 * @example usableInstances({ instances: ["i1"], fetchedAt: 2 }, 5, 2) // null
 */
export function usableInstances(cache: CachedLookup | null, now: number, cacheTtl: number): readonly NodeId[] | null {
  if (cache === null || now - cache.fetchedAt > cacheTtl) return null;
  return cache.instances;
}

/** An instance as it really is. */
export interface InstanceTruth {
  readonly alive: boolean;
  /** Ghost: when the registry dropped it, or null while registered. */
  readonly droppedAt: number | null;
}

/** The state of the model. */
export interface RegistryState {
  readonly now: number;
  readonly instances: Readonly<Record<NodeId, InstanceTruth>>;
  readonly registry: Registry;
  readonly cache: CachedLookup | null;
  readonly crashes: number;
  /** Requests sent so far. */
  readonly sent: number;
  /** Ghost: the instance the request sent in the last step went to (null after any other step). */
  readonly lastRequest: NodeId | null;
}

/** Parameter values of the spec. */
export interface RegistryParams {
  readonly instances: number;
  readonly heartbeatEvery: number;
  readonly registryTtl: number;
  readonly cacheTtl: number;
  readonly crashes: number;
  readonly requests: number;
  readonly horizon: number;
}

type Usable = (cache: CachedLookup | null, now: number, cacheTtl: number) => readonly NodeId[] | null;

const instancesOf = (s: RegistryState): NodeId[] => Object.keys(s.instances);

/** Request(i): the client sends a request to instance i, one of those its cache lets it use (per `usable`). */
function requestWith(usable: Usable) {
  return choose(instancesOf, (s: RegistryState, i: NodeId, p: RegistryParams): RegistryState | undefined => {
    if (s.sent >= p.requests || usable(s.cache, s.now, p.cacheTtl)?.includes(i) !== true) return undefined;
    return { ...s, sent: s.sent + 1, lastRequest: i };
  });
}

/** `cache-without-ttl`: a cached answer is used however old it is. */
const cacheForever: Usable = (cache) => cache?.instances ?? null;

/** A registry with heartbeats and TTL expiry, and a client caching its lookups. */
export const serviceRegistry = defineSpec({
  name: "service-registry",
  description:
    "registration, heartbeats and TTL expiry with a client-side cache: no request goes to an instance dropped longer than the cache TTL ago, and a live instance that keeps heartbeating is never expired",
  params: {
    instances: int(2, { min: 1, max: 3, description: "service instances" }),
    heartbeatEvery: int(1, { min: 1, max: 3, description: "ticks between a live instance's heartbeats, at most" }),
    registryTtl: int(2, {
      min: 0,
      max: 4,
      description: "ticks without a heartbeat before the registry may drop an instance",
    }),
    cacheTtl: int(1, { min: 0, max: 4, description: "ticks the client uses a cached lookup" }),
    crashes: int(1, { min: 0, max: 2, description: "instance crashes per run" }),
    requests: int(2, { min: 0, max: 4, description: "requests the client sends per run (model bound)" }),
    horizon: int(6, { min: 1, max: 8, description: "ticks explored (model bound)" }),
  },
  init: (p): RegistryState[] => {
    const ids = numberedIds("i", p.instances);
    return [
      {
        now: 0,
        instances: Object.fromEntries(ids.map((i): [NodeId, InstanceTruth] => [i, { alive: true, droppedAt: null }])),
        registry: ids.reduce((r, i) => heartbeat(r, i, 0), {} as Registry),
        cache: null,
        crashes: 0,
        sent: 0,
        lastRequest: null,
      },
    ];
  },
  actions: {
    Heartbeat: choose(instancesOf, (s: RegistryState, i: NodeId) => {
      if (!s.instances[i]!.alive || s.registry[i]?.lastHeartbeat === s.now) return undefined;
      return produce(s, (d) => {
        d.registry = heartbeat(s.registry, i, s.now);
        d.instances[i]!.droppedAt = null;
        d.lastRequest = null;
      });
    }),
    Crash: choose(instancesOf, (s: RegistryState, i: NodeId, p: RegistryParams) => {
      if (!s.instances[i]!.alive || s.crashes >= p.crashes) return undefined;
      return produce(s, (d) => {
        d.instances[i]!.alive = false;
        d.crashes += 1;
        d.lastRequest = null;
      });
    }),
    Expire: choose(instancesOf, (s: RegistryState, i: NodeId, p: RegistryParams) => {
      const registration = s.registry[i];
      if (registration === undefined || !isExpired(registration, s.now, p.registryTtl)) return undefined;
      return produce(s, (d) => {
        delete d.registry[i];
        d.instances[i]!.droppedAt = s.now;
        d.lastRequest = null;
      });
    }),
    Lookup: (s: RegistryState) => {
      if (s.cache?.fetchedAt === s.now) return undefined;
      return { ...s, cache: lookup(s.registry, s.now), lastRequest: null };
    },
    Request: requestWith(usableInstances),
    Tick: (s: RegistryState, p: RegistryParams) => {
      if (s.now >= p.horizon) return undefined;
      // A live instance keeps heartbeating: time does not pass its interval without one.
      const overdue = Object.entries(s.instances).some(
        ([i, t]) => t.alive && s.now + 1 - (s.registry[i]?.lastHeartbeat ?? -Infinity) > p.heartbeatEvery,
      );
      return overdue ? undefined : { ...s, now: s.now + 1, lastRequest: null };
    },
  },
  properties: {
    noRequestToInstanceDroppedLongerThanCacheTtl: onEveryStep<RegistryState, RegistryParams>((_prev, next, p) => {
      const i = next.lastRequest;
      const droppedAt = i === null ? null : next.instances[i]!.droppedAt;
      return droppedAt === null || next.now - droppedAt <= p.cacheTtl;
    }, "a request goes only to an instance that is registered, or was dropped at most `cacheTtl` ticks ago"),
    liveInstanceNeverExpired: invariant<RegistryState, RegistryParams>(
      (s) => Object.entries(s.instances).every(([i, t]) => !t.alive || i in s.registry),
      "an instance that is alive (and so heartbeats every `heartbeatEvery` ticks) is always registered",
    ),
  },
  variants: {
    "cache-without-ttl": {
      description:
        "the client keeps its cached lookup forever: it goes on sending to an instance the registry dropped long ago",
      violates: "noRequestToInstanceDroppedLongerThanCacheTtl",
      actions: { Request: requestWith(cacheForever) },
    },
    "ttl-below-heartbeat-interval": {
      description:
        "the registry's TTL (1) is shorter than the heartbeat interval (2): a live instance that heartbeats on schedule is dropped between two heartbeats",
      violates: "liveInstanceNeverExpired",
      params: { heartbeatEvery: 2, registryTtl: 1 },
    },
  },
});
