/**
 * Deadline propagation across a chain of calls (gRPC's deadlines and Go's
 * `context.Context`; the timeouts of the "Downstream Resiliency" section of
 * the seeds' crash course: a caller's timeout bounds the work done on its
 * behalf). A client
 * calls service s1 with a deadline; s1 calls s2, s2 calls s3, each passing
 * on the deadline it received rather than starting a fresh timeout. A
 * service checks the deadline when it picks a request up and refuses work
 * whose deadline has passed, so no work starts for a caller that has already
 * given up. Cancellation travels the same way: a service whose deadline
 * passes, or whose caller cancels it, cancels the call it made.
 *
 * The model: a request waits any number of ticks before the service picks it
 * up (network and queueing delay); time is an explicit `Tick` up to
 * `horizon`; the client may cancel its call once. A service finishes when
 * its own call has returned, and fails when that call was cancelled.
 */
import { produce } from "immer";
import { choose, atTermination, defineSpec, int, onEveryStep } from "../src/index.js";

/** What a service is doing with the request it received. */
export type CallStatus = "idle" | "pending" | "working" | "done" | "cancelled";

/** One service's call: its status and the deadline its request carries. */
export interface Call {
  readonly status: CallStatus;
  /** The absolute tick after which the work is useless (null while idle). */
  readonly deadline: number | null;
}

/**
 * The deadline a service puts on the call it makes: the one it received.
 * (A fresh per-hop timeout, `now + timeout`, outlives the caller.)
 * @example childDeadline(5) // 5
 */
export function childDeadline(received: number): number {
  return received;
}

/**
 * Whether a service may start work on a request at `now`: only while its
 * deadline has not passed.
 * @example [mayStart(3, 3), mayStart(4, 3)] // [true, false]
 */
export function mayStart(now: number, deadline: number): boolean {
  return now <= deadline;
}

/** The state of the model: the clock, each service's call (s1 first), and how often the client cancelled. */
export interface DeadlineState {
  readonly now: number;
  readonly calls: readonly Call[];
  readonly clientCancelled: boolean;
}

/** Parameter values of the spec. */
export interface DeadlineParams {
  readonly services: number;
  readonly deadline: number;
  readonly timeout: number;
  readonly horizon: number;
}

/** How a service treats deadlines and cancellation (the correct one, or a variant's bug). */
interface Behaviour {
  /** The deadline it puts on the call it makes, from the one it received. */
  readonly deadlineFor: (received: number, now: number, p: DeadlineParams) => number;
  /** Whether it looks at its caller's cancellation (before starting, before finishing, and to cancel its own call). */
  readonly seesCallerCancel: boolean;
}

const indices = (s: DeadlineState): number[] => s.calls.map((_, i) => i);

/** The deadline of the caller of service `i`: the client's for s1, else the deadline service i-1 received. */
function callerDeadline(s: DeadlineState, i: number, p: DeadlineParams): number {
  return i === 0 ? p.deadline : s.calls[i - 1]!.deadline!;
}

/** Has the caller of service `i` given up (the client cancelled, or service i-1's call was cancelled)? */
function callerCancelled(s: DeadlineState, i: number): boolean {
  return i === 0 ? s.clientCancelled : s.calls[i - 1]!.status === "cancelled";
}

/**
 * Start(i): service i picks its request up; unless the deadline has passed or the caller gave up, it works and calls
 * the next service.
 */
function startWith(b: Behaviour) {
  return choose(indices, (s: DeadlineState, i: number, p: DeadlineParams) => {
    const call = s.calls[i]!;
    if (call.status !== "pending") return undefined;
    return produce(s, (d) => {
      if (!mayStart(s.now, call.deadline!) || (b.seesCallerCancel && callerCancelled(s, i))) {
        d.calls[i]!.status = "cancelled";
        return;
      }
      d.calls[i]!.status = "working";
      if (i + 1 < s.calls.length)
        d.calls[i + 1] = { status: "pending", deadline: b.deadlineFor(call.deadline!, s.now, p) };
    });
  });
}

/**
 * Finish(i): service i's own call has returned: done, or cancelled when that call was cancelled or its caller gave up
 * meanwhile.
 */
function finishWith(b: Behaviour) {
  return choose(indices, (s: DeadlineState, i: number) => {
    const call = s.calls[i]!;
    const child = s.calls[i + 1];
    if (call.status !== "working" || (child !== undefined && child.status !== "done" && child.status !== "cancelled"))
      return undefined;
    const failed = child?.status === "cancelled" || (b.seesCallerCancel && callerCancelled(s, i));
    return produce(s, (d) => {
      d.calls[i]!.status = failed ? "cancelled" : "done";
    });
  });
}

/** Cancel(i): service i's call is cancelled: its deadline passed while it waited or worked, or its caller gave up. */
function cancelWith(b: Behaviour) {
  return choose(indices, (s: DeadlineState, i: number) => {
    const call = s.calls[i]!;
    if (call.status !== "pending" && call.status !== "working") return undefined;
    if (s.now <= call.deadline! && !(b.seesCallerCancel && callerCancelled(s, i))) return undefined;
    return produce(s, (d) => {
      d.calls[i]!.status = "cancelled";
    });
  });
}

const propagating: Behaviour = { deadlineFor: childDeadline, seesCallerCancel: true };

/** A chain of services that propagate the client's deadline and cancellation. */
export const deadline = defineSpec({
  name: "deadline",
  description:
    "deadlines propagate across a chain of calls: no work starts after its caller's deadline, and a cancelled caller cancels its children",
  params: {
    services: int(3, { min: 1, max: 4, description: "services in the chain" }),
    deadline: int(2, { min: 0, max: 6, description: "the client's deadline (absolute tick)" }),
    timeout: int(2, { min: 1, max: 4, description: "per-hop timeout (used only by the fresh-timeout bug)" }),
    horizon: int(4, { min: 1, max: 8, description: "ticks explored (model bound)" }),
  },
  init: (p): DeadlineState[] => [
    {
      now: 0,
      calls: Array.from({ length: p.services }, (_, i): Call =>
        i === 0 ? { status: "pending", deadline: p.deadline } : { status: "idle", deadline: null },
      ),
      clientCancelled: false,
    },
  ],
  actions: {
    Start: startWith(propagating),
    Finish: finishWith(propagating),
    Cancel: cancelWith(propagating),
    ClientCancels: (s: DeadlineState) =>
      s.clientCancelled || s.calls[0]!.status === "done" ? undefined : { ...s, clientCancelled: true },
    Tick: (s: DeadlineState, p: DeadlineParams) => (s.now >= p.horizon ? undefined : { ...s, now: s.now + 1 }),
  },
  properties: {
    noWorkStartsAfterCallerDeadline: onEveryStep<DeadlineState, DeadlineParams>(
      (prev, next, p) =>
        next.calls.every(
          (c, i) =>
            c.status !== "working" || prev.calls[i]!.status === "working" || next.now <= callerDeadline(prev, i, p),
        ),
      "a service starts work only while its caller's deadline has not passed",
    ),
    cancelledCallerCancelsChildren: onEveryStep<DeadlineState, DeadlineParams>(
      (prev, next) =>
        next.calls.every(
          (c, i) => !callerCancelled(prev, i) || c.status === prev.calls[i]!.status || c.status === "cancelled",
        ),
      "once a caller has given up, the call it made neither starts nor completes work: it ends cancelled",
    ),
    chainComesToRest: atTermination<DeadlineState, DeadlineParams>(
      (s) => s.calls.every((c) => c.status !== "pending" && c.status !== "working"),
      "when nothing more can happen, no call is still waiting or working (every call finished or was cancelled)",
    ),
  },
  variants: {
    "fresh-timeouts": {
      description:
        "each service calls the next with a fresh timeout (now + timeout) instead of its own deadline: the child starts work after the caller has given up",
      violates: "noWorkStartsAfterCallerDeadline",
      actions: { Start: startWith({ ...propagating, deadlineFor: (_received, now, p) => now + p.timeout }) },
    },
    "no-cancel-propagation": {
      description:
        "a cancelled service does not cancel the call it made: the client gives up and the chain below goes on working",
      violates: "cancelledCallerCancelsChildren",
      params: { deadline: 6 },
      actions: {
        Start: startWith({ ...propagating, seesCallerCancel: false }),
        Finish: finishWith({ ...propagating, seesCallerCancel: false }),
        Cancel: cancelWith({ ...propagating, seesCallerCancel: false }),
      },
    },
  },
});
