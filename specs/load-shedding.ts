/**
 * Load shedding by priority (the "Upstream Resiliency" section of the seeds'
 * crash course on distributed systems: a server that is overloaded rejects
 * work it cannot serve in time rather than queueing it, and sheds the least
 * important work first). The server keeps one bounded queue ordered by
 * priority (high before low, first come first served within a priority) and
 * serves one request per tick. A request carries a deadline, `deadline`
 * ticks after it arrives; a request that would finish after its deadline is
 * useless work, so the server does not keep it.
 *
 * When a request arrives, `admit` puts it in its place in the queue, then
 * sheds: while the queue is over its bound it drops the last request (the
 * lowest priority, the newest among those), and it drops every request that
 * its place in the queue now makes finish after its deadline. A new request
 * only pushes back requests of lower priority, so high-priority work is shed
 * only when nothing of low priority is left to shed.
 *
 * The model: requests of either priority arrive at any time, `requests` of
 * them, faster than the server serves them; time is an explicit `Tick`, up to
 * `horizon` ticks, and each tick the head of the queue completes.
 */
import { produce } from "immer";
import { choose, defineSpec, int, invariant, onEveryStep } from "../src/index.js";

/** A request's priority. */
export type Priority = "high" | "low";

/** The priorities, highest first. */
export const PRIORITIES: readonly Priority[] = ["high", "low"];

/** A queued request: its priority and the tick by which it must complete. */
export interface Job {
  readonly priority: Priority;
  readonly deadline: number;
}

/** How the server sheds. */
export interface ShedConfig {
  /** Requests the queue holds at most. */
  readonly capacity: number;
}

/**
 * The answer of `admit`: the queue after the request, and the requests shed (the new one among them when it was not
 * admitted).
 */
export interface ShedResult {
  readonly queue: readonly Job[];
  readonly shed: readonly Job[];
}

const rank = (p: Priority): number => (p === "high" ? 0 : 1);

/** The tick at which the job at `index` completes, serving one per tick from `now`. */
export function completesAt(now: number, index: number): number {
  return now + index + 1;
}

/**
 * The server's step for a request arriving at `now`: insert it after every
 * queued request of its priority or higher, then shed the last requests while
 * the queue is over `capacity`, and every request that would now complete
 * after its deadline.
 * @example
 * const queue = [{ priority: "high", deadline: 3 }, { priority: "low", deadline: 3 }];
 * admit(queue, { priority: "high", deadline: 3 }, 1, { capacity: 2 })
 * // { queue: [high, high], shed: [low] }
 */
export function admit(queue: readonly Job[], job: Job, now: number, config: ShedConfig): ShedResult {
  const at = queue.findIndex((q) => rank(q.priority) > rank(job.priority));
  const inserted = at === -1 ? [...queue, job] : [...queue.slice(0, at), job, ...queue.slice(at)];
  const kept = inserted.slice(0, config.capacity);
  const shed = inserted.slice(config.capacity);
  const onTime: Job[] = [];
  for (const q of kept) {
    if (completesAt(now, onTime.length) <= q.deadline) onTime.push(q);
    else shed.push(q);
  }
  return { queue: onTime, shed };
}

/** The state of the model. */
export interface SheddingState {
  readonly now: number;
  readonly queue: readonly Job[];
  /** Requests that have arrived. */
  readonly arrived: number;
  /** Ghost: the requests shed in the last step (empty after a tick). */
  readonly lastShed: readonly Job[];
  /** Ghost: requests completed after their deadline. */
  readonly late: number;
  /** Ghost: requests completed. */
  readonly served: number;
}

/** Parameter values of the spec. */
export interface SheddingParams {
  readonly capacity: number;
  readonly deadline: number;
  readonly requests: number;
  readonly horizon: number;
}

type Admit = (queue: readonly Job[], job: Job, now: number, config: ShedConfig) => ShedResult;

/** Arrive(priority): a request arrives and the server admits or sheds with `admitFn`. */
function arriveWith(admitFn: Admit) {
  return choose(
    () => PRIORITIES,
    (s: SheddingState, priority: Priority, p: SheddingParams) => {
      if (s.arrived >= p.requests) return undefined;
      const result = admitFn(s.queue, { priority, deadline: s.now + p.deadline }, s.now, { capacity: p.capacity });
      return { ...s, queue: result.queue, arrived: s.arrived + 1, lastShed: result.shed };
    },
  );
}

/** `fifo-drop`: one first-come queue; a request that finds it full is turned away, whatever its priority. */
const fifoAdmit: Admit = (queue, job, now, config) => {
  if (queue.length >= config.capacity || completesAt(now, queue.length) > job.deadline) return { queue, shed: [job] };
  return { queue: [...queue, job], shed: [] };
};

/** Priority load shedding in front of a server that serves one request per tick. */
export const loadShedding = defineSpec({
  name: "load-shedding",
  description:
    "priority load shedding under overload: the lowest priority is shed first, the queue stays bounded, admitted work meets its deadline",
  params: {
    capacity: int(2, { min: 1, max: 4, description: "requests the queue holds" }),
    deadline: int(2, { min: 1, max: 4, description: "ticks from arrival by which a request must complete" }),
    requests: int(5, { min: 1, max: 8, description: "requests arriving per run (model bound)" }),
    horizon: int(4, { min: 1, max: 8, description: "ticks explored (model bound)" }),
  },
  init: (): SheddingState[] => [{ now: 0, queue: [], arrived: 0, lastShed: [], late: 0, served: 0 }],
  actions: {
    Arrive: arriveWith(admit),
    Tick: (s: SheddingState, p: SheddingParams) => {
      if (s.now >= p.horizon) return undefined;
      const now = s.now + 1;
      const [head, ...rest] = s.queue;
      return produce(s, (d) => {
        d.now = now;
        d.lastShed = [];
        if (head === undefined) return;
        d.queue = rest;
        d.served += 1;
        if (now > head.deadline) d.late += 1;
      });
    },
  },
  properties: {
    queueStaysBounded: invariant<SheddingState, SheddingParams>(
      (s, p) => s.queue.length <= p.capacity,
      "the queue never holds more than `capacity` requests",
    ),
    lowestPriorityShedFirst: onEveryStep<SheddingState, SheddingParams>(
      (_prev, next) =>
        !next.lastShed.some((j) => j.priority === "high") || next.queue.every((j) => j.priority === "high"),
      "a high-priority request is shed only when no low-priority request is left in the queue",
    ),
    admittedWorkMeetsDeadline: invariant<SheddingState, SheddingParams>(
      (s) => s.late === 0 && s.queue.every((j, i) => completesAt(s.now, i) <= j.deadline),
      "every request served completes by its deadline, and every queued request still can",
    ),
  },
  variants: {
    "fifo-drop": {
      description:
        "one first-come queue that turns away whatever arrives when it is full: a high-priority request is dropped while low-priority work sits in the queue",
      violates: "lowestPriorityShedFirst",
      actions: { Arrive: arriveWith(fifoAdmit) },
    },
    "no-deadline-shedding": {
      description:
        "the server inserts by priority and sheds only for the bound: low-priority work pushed back by high-priority arrivals stays queued past its deadline",
      violates: "admittedWorkMeetsDeadline",
      actions: {
        Arrive: arriveWith((queue, job, _now, config) => {
          const at = queue.findIndex((q) => rank(q.priority) > rank(job.priority));
          const inserted = at === -1 ? [...queue, job] : [...queue.slice(0, at), job, ...queue.slice(at)];
          return { queue: inserted.slice(0, config.capacity), shed: inserted.slice(config.capacity) };
        }),
      },
    },
  },
});
