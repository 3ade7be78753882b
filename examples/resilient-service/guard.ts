/**
 * The service's logic as one pure role, built from the verified functions of
 * three catalogue specs: the token bucket of `rate-limiter` (tryAcquire),
 * the breaker of `circuit-breaker` (admitCall, recordResult) and the backoff
 * of `retry-backoff` (sentAttempt, nextStep, jitterChoices). The checker
 * proved each of those functions against its properties; this role only
 * chains them, and `startNode` runs it in service.ts, which performs its
 * effects with real sockets and clocks.
 *
 * Time is in ticks, as in the specs: every input carries the tick it
 * happened at (a timer fires at the tick it names), and randomness (the
 * jitter) enters as an input, so the role stays deterministic and a test
 * drives it with a fake clock.
 *
 * In your own app, import from the package instead of the repository:
 * `import { defineRole } from "interleave-check"` and
 * `import { tryAcquire } from "interleave-check/specs/rate-limiter"`.
 */
import { become, defineRole, send, setTimer, type Effect, type Step } from "../../src/index.js";
import {
  admitCall,
  closedBreaker,
  recordResult,
  type Breaker,
  type BreakerConfig,
} from "../../specs/circuit-breaker.js";
import { fullBucket, tryAcquire, type BucketConfig, type TokenBucket } from "../../specs/rate-limiter.js";
import {
  jitterChoices,
  nextStep,
  sentAttempt,
  type BackoffConfig,
  type RetryOperation,
} from "../../specs/retry-backoff.js";

/** How the guard is tuned; every duration is in ticks. */
export interface GuardConfig {
  readonly limiter: BucketConfig;
  readonly breaker: BreakerConfig;
  readonly retry: BackoffConfig;
}

/**
 * A client request being served: its retry operation, when its current
 * attempt was sent, whether that attempt is a breaker trial, and whether it
 * awaits the backend's answer or waits out its backoff.
 */
export interface PendingCall {
  readonly op: RetryOperation;
  readonly sentAt: number;
  readonly trial: boolean;
  readonly phase: "in-flight" | "backing-off";
}

/** The guard's state: the bucket, the breaker, and the requests in progress by id. */
export interface GuardState {
  readonly bucket: TokenBucket;
  readonly breaker: Breaker;
  readonly calls: Readonly<Record<string, PendingCall>>;
}

/** The node id the guard sends backend calls to. */
export const BACKEND = "backend";

/** A retry's wait is over: the timer names the request and the tick it is due at. */
export interface RetryTimer {
  readonly type: "Retry";
  readonly id: string;
  readonly at: number;
}

/** What the guard reacts to. */
export type GuardInput =
  /** A client request arrived (from the client `id`). */
  | { readonly type: "Request"; readonly id: string; readonly now: number }
  /** The backend answered attempt `attempt` of request `id`; `random` in [0, 1) draws the jitter of a retry. */
  | {
      readonly type: "Answer";
      readonly id: string;
      readonly attempt: number;
      readonly outcome: "success" | "failure";
      readonly body: string;
      readonly now: number;
      readonly random: number;
    }
  | RetryTimer;

/** What the guard sends: a call to the backend, or the answer to a client. */
export type GuardMessage =
  | { readonly type: "Call"; readonly id: string; readonly attempt: number }
  | { readonly type: "Respond"; readonly status: number; readonly body: string; readonly retryAfter?: number };

type GuardStep = Step<GuardState, GuardMessage, RetryTimer>;

function withoutCall(s: GuardState, id: string): GuardState {
  const { [id]: _done, ...calls } = s.calls;
  return { ...s, calls };
}

function respond(id: string, status: number, body: object, retryAfter?: number): Effect<GuardMessage, RetryTimer> {
  return send<GuardMessage>(id, {
    type: "Respond",
    status,
    body: JSON.stringify(body),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  });
}

/** Sends attempt `attempt` of request `id` at `now` if the breaker lets it through; fails it fast (503) otherwise. */
function attempt(s: GuardState, id: string, attempt: number, now: number, config: GuardConfig): GuardStep {
  const admission = admitCall(s.breaker, now, config.breaker);
  if (admission.type === "rejected") {
    return become(withoutCall({ ...s, breaker: admission.breaker }, id), respond(id, 503, { error: "circuit open" }));
  }
  const call: PendingCall = {
    op: sentAttempt(attempt, now, 0, config.retry),
    sentAt: now,
    trial: admission.trial,
    phase: "in-flight",
  };
  return become(
    { ...s, breaker: admission.breaker, calls: { ...s.calls, [id]: call } },
    send<GuardMessage>(BACKEND, { type: "Call", id, attempt }),
  );
}

/**
 * A failed attempt: its wait is `backoffDelay` plus a jitter drawn with
 * `random`, counted from when it was sent. Once the wait is over the client
 * either sends the next attempt or has spent its budget; the budget is known
 * now, so a request with no attempt left gets its 502 at once.
 */
function failed(
  s: GuardState,
  id: string,
  call: PendingCall,
  random: number,
  now: number,
  config: GuardConfig,
): GuardStep {
  if (call.op.status !== "waiting") return become(s);
  const jitters = jitterChoices(call.op.attempt, config.retry);
  const op = sentAttempt(call.op.attempt, call.sentAt, jitters[Math.floor(random * jitters.length)]!, config.retry);
  if (op.status !== "waiting") return become(s);
  const due = Math.max(now, op.retryAt);
  const decision = nextStep(op, due, config.retry);
  if (decision.type !== "send")
    return become(withoutCall(s, id), respond(id, 502, { error: `backend failed after ${op.attempt} attempts` }));
  if (due === now) return attempt(s, id, decision.attempt, now, config);
  return become(
    { ...s, calls: { ...s.calls, [id]: { ...call, op, phase: "backing-off" } } },
    setTimer<RetryTimer>({ type: "Retry", id, at: op.retryAt }),
  );
}

/** The guard in front of one backend: rate limiter, then circuit breaker, then retries with backoff. */
export const guard = defineRole<GuardState, GuardInput, GuardMessage, RetryTimer, GuardConfig>({
  init: (ctx) => ({ bucket: fullBucket(ctx.params.limiter, 0), breaker: closedBreaker, calls: {} }),
  reduce: (s, input, ctx): GuardStep | undefined => {
    const config = ctx.params;
    switch (input.type) {
      case "Request": {
        if (input.id in s.calls) return undefined;
        const decision = tryAcquire(s.bucket, input.now, config.limiter);
        if (decision.type === "rejected") {
          return become(
            { ...s, bucket: decision.bucket },
            respond(input.id, 429, { error: "rate limited" }, decision.retryAfter),
          );
        }
        return attempt({ ...s, bucket: decision.bucket }, input.id, 1, input.now, config);
      }
      case "Answer": {
        const call = s.calls[input.id];
        // Only the answer to the attempt in flight counts; a stray or repeated one is not enabled.
        if (
          call === undefined ||
          call.phase !== "in-flight" ||
          call.op.status !== "waiting" ||
          call.op.attempt !== input.attempt
        )
          return undefined;
        const breaker = recordResult(
          s.breaker,
          { trial: call.trial, outcome: input.outcome },
          input.now,
          config.breaker,
        );
        if (input.outcome === "success")
          return become(
            withoutCall({ ...s, breaker }, input.id),
            send<GuardMessage>(input.id, { type: "Respond", status: 200, body: input.body }),
          );
        return failed({ ...s, breaker }, input.id, call, input.random, input.now, config);
      }
      case "Retry": {
        const call = s.calls[input.id];
        if (call === undefined || call.phase !== "backing-off") return undefined;
        const decision = nextStep(call.op, input.at, config.retry);
        return decision.type === "send" ? attempt(s, input.id, decision.attempt, input.at, config) : undefined;
      }
    }
  },
});
