/**
 * The bulkhead pattern (Nygard, "Release It!", 2007; "Upstream Resiliency"
 * in the seeds' crash course on distributed systems: isolate the parts of a
 * system so that a failure in one does not spread to the others). A service
 * calls two downstream dependencies, and each has its own bounded pool: at
 * most `limit` calls to it run at once, at most `queue` more wait for a slot
 * in first-come order, and any call beyond that is rejected at once. When
 * one dependency hangs, its calls hold its pool's slots until they time out
 * or it recovers, but they cannot take the slots of the other pool: calls to
 * the healthy dependency go on being served.
 *
 * The model: `callers` callers, each with at most one call outstanding, call
 * either dependency, `calls` calls in all (a model bound). Dependency `a`
 * always answers; dependency `b` may hang once (its running calls do not
 * complete, they can only time out) until it recovers. A call to a dependency
 * that answers completes before its timeout, so only calls to a hung
 * dependency time out. No clock is needed: how long a hang lasts is the
 * order in which calls, completions, timeouts and the recovery interleave.
 * The properties count calls by what their callers are doing (running,
 * waiting), never by the pools' own counters, and a ghost counts the calls
 * rejected per dependency.
 */
import { produce } from "immer";
import { match } from "ts-pattern";
import { choose, defineSpec, int, invariant, numberedIds, onEveryStep, type NodeId } from "../src/index.js";

/** One bounded pool: slots taken, and the callers waiting for a slot in arrival order. */
export interface Pool {
  readonly active: number;
  readonly waiting: readonly NodeId[];
}

/** How a pool is sized. */
export interface PoolConfig {
  /** Calls that may run at once. */
  readonly limit: number;
  /** Calls that may wait for a slot. */
  readonly queue: number;
}

/** The answer of `admit`: run now, wait in the queue, or fail fast. */
export type Admission =
  | { readonly type: "admitted"; readonly pool: Pool }
  | { readonly type: "queued"; readonly pool: Pool }
  | { readonly type: "rejected"; readonly pool: Pool };

/** The answer of `release`: the pool after a slot is freed, and the waiting caller that takes the slot, if any. */
export interface Release {
  readonly pool: Pool;
  readonly promoted: NodeId | null;
}

/** A pool with no call running or waiting. */
export const emptyPool: Pool = { active: 0, waiting: [] };

/**
 * The pool's decision on a call from `caller`: a free slot runs it now; with
 * every slot taken it waits if the queue has room, and is rejected otherwise.
 * @example
 * const config = { limit: 1, queue: 1 };
 * admit(emptyPool, "c1", config)                      // admitted, { active: 1, waiting: [] }
 * admit({ active: 1, waiting: [] }, "c2", config)     // queued, { active: 1, waiting: ["c2"] }
 * admit({ active: 1, waiting: ["c2"] }, "c3", config) // rejected
 */
export function admit(pool: Pool, caller: NodeId, config: PoolConfig): Admission {
  if (pool.active < config.limit) return { type: "admitted", pool: { ...pool, active: pool.active + 1 } };
  if (pool.waiting.length < config.queue)
    return { type: "queued", pool: { ...pool, waiting: [...pool.waiting, caller] } };
  return { type: "rejected", pool };
}

/**
 * The pool's step when a running call ends (it completed or timed out):
 * frees its slot, which the first waiting caller takes at once. Call it
 * exactly once per admitted call, however the call ends.
 * @example
 * release({ active: 1, waiting: ["c2", "c3"] }) // { pool: { active: 1, waiting: ["c3"] }, promoted: "c2" }
 * release({ active: 1, waiting: [] })           // { pool: emptyPool, promoted: null }
 */
export function release(pool: Pool): Release {
  const [next, ...rest] = pool.waiting;
  if (next === undefined) return { pool: { ...pool, active: pool.active - 1 }, promoted: null };
  return { pool: { active: pool.active, waiting: rest }, promoted: next };
}

/** The downstream dependencies of the model. */
export type Dependency = "a" | "b";

/** The dependencies, in order; `b` is the one that may hang. */
export const dependencies: readonly Dependency[] = ["a", "b"];

/** A caller of the model. */
export type BulkheadCaller =
  | { readonly status: "idle" }
  | { readonly status: "waiting"; readonly dep: Dependency }
  | { readonly status: "running"; readonly dep: Dependency };

/** The state of the model. */
export interface BulkheadState {
  /** The pools, by name: one per dependency. */
  readonly pools: Readonly<Record<string, Pool>>;
  readonly callers: Readonly<Record<NodeId, BulkheadCaller>>;
  /** Whether `b` hangs now, and how many times it has hung. */
  readonly hung: boolean;
  readonly hangs: number;
  /** Calls made so far (model bound). */
  readonly made: number;
  /** Ghost: calls rejected, per dependency. */
  readonly rejected: Readonly<Record<Dependency, number>>;
}

/** Parameter values of the spec. */
export interface BulkheadParams {
  readonly callers: number;
  readonly limit: number;
  readonly queue: number;
  readonly calls: number;
  readonly hangs: number;
}

/** Which pool serves calls to a dependency. */
type Route = (dep: Dependency) => string;
type Admit = (pool: Pool, caller: NodeId, config: PoolConfig) => Admission;
/** What a timeout does to the pool of the call that timed out. */
type OnTimeout = (s: BulkheadState, pool: string) => BulkheadState;

const ownPool: Route = (dep) => dep;
const configOf = (p: BulkheadParams): PoolConfig => ({ limit: p.limit, queue: p.queue });
const callersOf = (s: BulkheadState): readonly NodeId[] => Object.keys(s.callers);
const idle: BulkheadCaller = { status: "idle" };

/** Frees a slot of `pool` in the model: the promoted caller, if any, starts running. */
function freeSlot(s: BulkheadState, pool: string): BulkheadState {
  const r = release(s.pools[pool]!);
  return produce(s, (d) => {
    d.pools[pool] = { active: r.pool.active, waiting: [...r.pool.waiting] };
    if (r.promoted !== null) {
      const waiter = s.callers[r.promoted]!;
      if (waiter.status === "waiting") d.callers[r.promoted] = { status: "running", dep: waiter.dep };
    }
  });
}

/** Call(c, dep): an idle caller calls a dependency through its pool. */
function callWith(route: Route, admission: Admit) {
  return choose(
    (s: BulkheadState) => callersOf(s).flatMap((c) => dependencies.map((dep) => ({ c, dep }))),
    (s: BulkheadState, { c, dep }, p: BulkheadParams) => {
      if (s.callers[c]!.status !== "idle" || s.made >= p.calls) return undefined;
      const pool = route(dep);
      const a = admission(s.pools[pool]!, c, configOf(p));
      return produce(s, (d) => {
        d.made += 1;
        d.pools[pool] = { active: a.pool.active, waiting: [...a.pool.waiting] };
        match(a.type)
          .with("admitted", () => void (d.callers[c] = { status: "running", dep }))
          .with("queued", () => void (d.callers[c] = { status: "waiting", dep }))
          .with("rejected", () => void (d.rejected[dep] += 1))
          .exhaustive();
      });
    },
    ({ c, dep }) => `${c}, ${dep}`,
  );
}

/** Complete(c): a running call to a dependency that answers returns, and frees its slot. */
function completeWith(route: Route) {
  return choose(callersOf, (s: BulkheadState, c: NodeId) => {
    const caller = s.callers[c]!;
    if (caller.status !== "running" || (caller.dep === "b" && s.hung)) return undefined;
    return freeSlot({ ...s, callers: { ...s.callers, [c]: idle } }, route(caller.dep));
  });
}

/** Timeout(c): a call to the hung dependency times out; the caller stops waiting and the pool gets the slot back. */
function timeoutWith(route: Route, onTimeout: OnTimeout) {
  return choose(callersOf, (s: BulkheadState, c: NodeId) => {
    const caller = s.callers[c]!;
    if (caller.status !== "running" || caller.dep !== "b" || !s.hung) return undefined;
    return onTimeout({ ...s, callers: { ...s.callers, [c]: idle } }, route(caller.dep));
  });
}

/** `release-twice`: the timeout handler frees the slot, and so does the `finally` around the call. */
const releaseTwice: OnTimeout = (s, pool) => freeSlot(freeSlot(s, pool), pool);

/** `reject-when-slots-full`: the queue is configured but never used: a call that finds every slot taken is rejected. */
const admitWithoutQueue: Admit = (pool, caller, config) => admit(pool, caller, { ...config, queue: 0 });

/** `unbounded-queue`: the queue has no bound (a plain executor's default): a call is never rejected, it waits. */
const admitUnbounded: Admit = (pool, caller, config) =>
  admit(pool, caller, { ...config, queue: Number.POSITIVE_INFINITY });

function countCallers(s: BulkheadState, status: BulkheadCaller["status"], dep: Dependency): number {
  let n = 0;
  for (const caller of Object.values(s.callers))
    if (caller.status !== "idle" && caller.status === status && caller.dep === dep) n++;
  return n;
}

/** The dependencies to which a call was turned away (queued or rejected) on the step prev -> next. */
function turnedAway(prev: BulkheadState, next: BulkheadState): { dep: Dependency; rejected: boolean }[] {
  const out: { dep: Dependency; rejected: boolean }[] = [];
  for (const dep of dependencies) if (next.rejected[dep] > prev.rejected[dep]) out.push({ dep, rejected: true });
  for (const [c, caller] of Object.entries(next.callers)) {
    if (caller.status === "waiting" && prev.callers[c]!.status === "idle")
      out.push({ dep: caller.dep, rejected: false });
  }
  return out;
}

/** Calls to two dependencies through separate bounded pools; one dependency may hang. */
export const bulkhead = defineSpec({
  name: "bulkhead",
  description:
    "bulkheads: calls to two dependencies go through separate bounded pools (slots and a wait queue), so a hung dependency cannot starve calls to the healthy one",
  params: {
    callers: int(4, { min: 1, max: 4, description: "callers, each with at most one call outstanding" }),
    limit: int(2, { min: 1, max: 3, description: "calls each pool runs at once" }),
    queue: int(1, { min: 0, max: 2, description: "calls each pool lets wait for a slot" }),
    calls: int(6, { min: 1, max: 8, description: "calls made per run (model bound)" }),
    hangs: int(1, { min: 0, max: 2, description: "times dependency b may hang" }),
  },
  init: (p) => [
    {
      pools: { a: emptyPool, b: emptyPool },
      callers: Object.fromEntries(numberedIds("c", p.callers).map((c): [NodeId, BulkheadCaller] => [c, idle])),
      hung: false,
      hangs: 0,
      made: 0,
      rejected: { a: 0, b: 0 },
    },
  ],
  actions: {
    Call: callWith(ownPool, admit),
    Complete: completeWith(ownPool),
    Timeout: timeoutWith(ownPool, freeSlot),
    Hang: (s: BulkheadState, p: BulkheadParams) =>
      s.hung || s.hangs >= p.hangs ? undefined : { ...s, hung: true, hangs: s.hangs + 1 },
    Recover: (s: BulkheadState) => (s.hung ? { ...s, hung: false } : undefined),
  },
  properties: {
    concurrencyWithinPoolLimit: invariant<BulkheadState, BulkheadParams>(
      (s, p) => dependencies.every((dep) => countCallers(s, "running", dep) <= p.limit),
      "at most `limit` calls to each dependency run at once",
    ),
    queueWithinLimit: invariant<BulkheadState, BulkheadParams>(
      (s, p) => dependencies.every((dep) => countCallers(s, "waiting", dep) <= p.queue),
      "at most `queue` calls to each dependency wait for a slot: beyond that, callers fail fast instead of piling up",
    ),
    healthyDependencyNeverStarved: onEveryStep<BulkheadState, BulkheadParams>(
      (prev, next, p) => turnedAway(prev, next).every(({ dep }) => countCallers(prev, "running", dep) >= p.limit),
      "isolation: a call is queued or rejected only when `limit` calls to its own dependency are running; calls to the other dependency, hung or not, never hold it back",
    ),
    rejectsOnlyWhenFull: onEveryStep<BulkheadState, BulkheadParams>(
      (prev, next, p) =>
        turnedAway(prev, next).every(
          ({ dep, rejected }) =>
            !rejected ||
            (countCallers(prev, "running", dep) >= p.limit && countCallers(prev, "waiting", dep) >= p.queue),
        ),
      "a call is rejected only when its dependency's slots and queue are all taken: a pool with room never fails a call fast",
    ),
  },
  variants: {
    "shared-pool": {
      description:
        "one pool serves both dependencies: calls to one fill it, and a call to the other waits with none of its own running (with b hung, it waits until b's calls time out)",
      violates: "healthyDependencyNeverStarved",
      actions: {
        Call: callWith(() => "a", admit),
        Complete: completeWith(() => "a"),
        Timeout: timeoutWith(() => "a", freeSlot),
      },
    },
    "release-twice": {
      description:
        "a timed-out call's slot is freed twice (in the timeout handler and in a finally block): the pool admits more calls than its limit",
      violates: "concurrencyWithinPoolLimit",
      actions: { Timeout: timeoutWith(ownPool, releaseTwice) },
    },
    "reject-when-slots-full": {
      description:
        "admission checks the slots only: a call that finds them taken is rejected though the queue has room",
      violates: "rejectsOnlyWhenFull",
      actions: { Call: callWith(ownPool, admitWithoutQueue) },
    },
    "unbounded-queue": {
      description: "the wait queue has no bound: behind a hung dependency, callers pile up instead of failing fast",
      violates: "queueWithinLimit",
      actions: { Call: callWith(ownPool, admitUnbounded) },
    },
  },
});
