/**
 * A circuit breaker (Nygard, "Release It!", 2007; the "Downstream Resiliency"
 * section of the seeds' crash course on distributed systems). The breaker
 * stands between callers and a downstream service and watches the answers.
 * Closed, it lets every call through and counts consecutive failures; after
 * `threshold` of them it trips open. Open, it fails every call fast, without
 * reaching the service, so callers stop waiting on a service that is down
 * and the service gets room to recover. After `cooldown` ticks it goes
 * half-open and lets at most `probes` trial calls through: a trial that
 * succeeds closes it (the count starts again from zero), a trial that fails
 * opens it again for a fresh cooldown.
 *
 * The model: a few callers, each with at most one call outstanding, call
 * through one breaker. The downstream answers each call that reached it
 * with a success or a failure, chosen freely (a service that is down for a
 * while is one such choice of answers), and in any order. Time is an
 * explicit `Tick` action, bounded by `horizon`; the calls that reach the
 * service are bounded by `calls`. A ghost record the breaker never reads
 * (consecutive failures answered while closed, when it last tripped, trial
 * calls since) lets the properties state the claims in terms of what
 * happened rather than of the breaker's own counters.
 *
 * Liveness (`--param liveness=true`): the breaker must close again once the
 * service has recovered (`eventuallyClosesAfterRecovery`). Judging it needs
 * behaviours that run forever, which bounded time cannot give: with time
 * 0..horizon a fair clock makes every behaviour leave the bound (the
 * property holds vacuously) and an unfair one lets time stop with the
 * breaker open (it fails trivially). So in that mode time is relative: only
 * the ticks since the breaker last opened matter, counted up to `cooldown`
 * (a closed breaker has no clock), calls are not capped, and a `Recover`
 * step, which need never happen, makes the service answer every later call
 * with a success. The safety properties are checked in both modes; the
 * default mode has no `Recover` step, so there the liveness property holds
 * vacuously and the default counts are those of the safety model.
 */
import { produce } from "immer";
import { match } from "ts-pattern";
import {
  bool,
  choose,
  defineSpec,
  int,
  invariant,
  leadsTo,
  onEveryStep,
  numberedIds,
  type NodeId,
} from "../src/index.js";

/** A breaker's state. */
export type Breaker =
  /** Calls pass; `failures` consecutive failures have been answered so far. */
  | { readonly mode: "closed"; readonly failures: number }
  /** Calls fail fast; the cooldown started at `openedAt`. */
  | { readonly mode: "open"; readonly openedAt: number }
  /** Cooldown over (it started at `openedAt`); `trials` trial calls admitted so far. */
  | { readonly mode: "half-open"; readonly openedAt: number; readonly trials: number };

/** How a breaker is tuned. */
export interface BreakerConfig {
  /** Consecutive failures that trip a closed breaker. */
  readonly threshold: number;
  /** Ticks an open breaker fails calls fast before it lets trials through. */
  readonly cooldown: number;
  /** Trial calls a half-open breaker admits. */
  readonly probes: number;
}

/** The answer of `admitCall`: the call may go to the service (a trial or not), or fails fast. */
export type Admission =
  | { readonly type: "admitted"; readonly breaker: Breaker; readonly trial: boolean }
  | { readonly type: "rejected"; readonly breaker: Breaker };

/** What the service answered to a call, and whether the call was a trial. */
export interface CallResult {
  readonly trial: boolean;
  readonly outcome: "success" | "failure";
}

/** A closed breaker that has seen no failure. */
export const closedBreaker: Breaker = { mode: "closed", failures: 0 };

/**
 * The breaker as it stands at time `now`: an open breaker whose cooldown has
 * run out is half-open. `admitCall` applies it, so an application need not
 * call it on a timer; a model calls it on every tick to keep one state per
 * situation.
 * @example
 * breakerAt({ mode: "open", openedAt: 4 }, 6, { threshold: 2, cooldown: 2, probes: 1 })
 * // { mode: "half-open", openedAt: 4, trials: 0 }
 */
export function breakerAt(breaker: Breaker, now: number, config: BreakerConfig): Breaker {
  if (breaker.mode === "open" && now - breaker.openedAt >= config.cooldown)
    return { mode: "half-open", openedAt: breaker.openedAt, trials: 0 };
  return breaker;
}

/**
 * The breaker's decision on a call at time `now`: closed admits it, open
 * fails it fast, half-open admits it as a trial while fewer than `probes`
 * trials have gone through. Send the call only on `admitted`, in the same
 * step: a permission checked now and used later may outlive the closed state.
 * @example
 * const config = { threshold: 2, cooldown: 2, probes: 1 };
 * admitCall({ mode: "open", openedAt: 4 }, 5, config) // rejected
 * admitCall({ mode: "open", openedAt: 4 }, 6, config) // admitted, trial: true
 */
export function admitCall(breaker: Breaker, now: number, config: BreakerConfig): Admission {
  return match(breakerAt(breaker, now, config))
    .with({ mode: "closed" }, (b): Admission => ({ type: "admitted", breaker: b, trial: false }))
    .with({ mode: "open" }, (b): Admission => ({ type: "rejected", breaker: b }))
    .with({ mode: "half-open" }, (b): Admission =>
      b.trials < config.probes
        ? { type: "admitted", breaker: { ...b, trials: b.trials + 1 }, trial: true }
        : { type: "rejected", breaker: b },
    )
    .exhaustive();
}

/**
 * The breaker's step when an answer comes back at time `now`. Closed: a
 * success resets the failure count, a failure adds one and trips the
 * breaker at `threshold`. Half-open: a trial's success closes it, a trial's
 * failure opens it for a fresh cooldown from `now`. Answers to calls
 * admitted before the breaker tripped say nothing of the service now: open
 * or half-open, the breaker ignores every answer but a trial's.
 * @example
 * const config = { threshold: 2, cooldown: 2, probes: 1 };
 * recordResult({ mode: "closed", failures: 1 }, { trial: false, outcome: "failure" }, 3, config)
 * // → { mode: "open", openedAt: 3 }
 * recordResult({ mode: "half-open", openedAt: 3, trials: 1 }, { trial: true, outcome: "success" }, 5, config)
 * // → closedBreaker
 */
export function recordResult(breaker: Breaker, result: CallResult, now: number, config: BreakerConfig): Breaker {
  return match(breaker)
    .with({ mode: "closed" }, (b): Breaker => {
      if (result.outcome === "success") return closedBreaker;
      return b.failures + 1 >= config.threshold
        ? { mode: "open", openedAt: now }
        : { mode: "closed", failures: b.failures + 1 };
    })
    .with({ mode: "open" }, (b) => b)
    .with({ mode: "half-open" }, (b): Breaker => {
      if (!result.trial) return b;
      return result.outcome === "success" ? closedBreaker : { mode: "open", openedAt: now };
    })
    .exhaustive();
}

/**
 * A caller of the model: idle, holding a permission it has not used yet (only in `check-then-call`), or waiting for an
 * answer.
 */
export type Caller =
  | { readonly status: "idle" }
  | { readonly status: "permitted"; readonly trial: boolean }
  | { readonly status: "in-flight"; readonly trial: boolean };

/** The state of the model: the clock, the breaker, the callers, and the ghost record the properties read. */
export interface CircuitState {
  /** The clock; with `liveness`, ticks since the breaker last opened, up to `cooldown` (0 while closed). */
  readonly now: number;
  readonly breaker: Breaker;
  readonly callers: Readonly<Record<NodeId, Caller>>;
  /**
   * Calls that reached the service; with `liveness`, its parity only (uncapped calls, and a step that reaches the
   * service still changes it).
   */
  readonly reached: number;
  /**
   * The service has recovered: it answers every call from now on with a success (`liveness` only; the `Recover` step).
   */
  readonly recovered: boolean;
  /** Ghost: consecutive failures answered while the breaker was closed, since it last closed. */
  readonly streak: number;
  /**
   * Ghost: when the breaker last went from not open to open, or null (with `liveness`, on the relative clock, and null
   * while closed).
   */
  readonly trippedAt: number | null;
  /** Ghost: calls admitted while half-open since the breaker last tripped. */
  readonly trials: number;
}

/** Parameter values of the spec. */
export interface CircuitParams {
  readonly callers: number;
  readonly threshold: number;
  readonly cooldown: number;
  readonly probes: number;
  readonly horizon: number;
  readonly calls: number;
  readonly liveness: boolean;
}

type Admit = (breaker: Breaker, now: number, config: BreakerConfig) => Admission;
type RecordFn = (breaker: Breaker, result: CallResult, now: number, config: BreakerConfig) => Breaker;

const idle: Caller = { status: "idle" };
const callersOf = (s: CircuitState): readonly NodeId[] => Object.keys(s.callers);
const configOf = (p: CircuitParams): BreakerConfig => ({
  threshold: p.threshold,
  cooldown: p.cooldown,
  probes: p.probes,
});

/**
 * With `liveness`, the state with time made relative: a closed breaker has no
 * clock, an open or half-open one counts the ticks since it opened up to
 * `cooldown` (all that `breakerAt` reads), the ghost's trip time shifted
 * with it. Without, the state as it is.
 */
function relativeTime(s: CircuitState, p: CircuitParams): CircuitState {
  if (!p.liveness) return s;
  if (s.breaker.mode === "closed") return s.now === 0 && s.trippedAt === null ? s : { ...s, now: 0, trippedAt: null };
  const base = s.breaker.openedAt;
  return {
    ...s,
    now: Math.min(s.now - base, p.cooldown),
    breaker: { ...s.breaker, openedAt: 0 },
    trippedAt: s.trippedAt === null ? null : s.trippedAt - base,
  };
}

/** `reached` after one more call reached the service (its parity with `liveness`). */
const reachedAfter = (s: CircuitState, p: CircuitParams): number => (p.liveness ? (s.reached + 1) % 2 : s.reached + 1);

/**
 * The ghost's bookkeeping after a step that moved the breaker from `prev`
 * to `next.breaker`: a trip notes the time and starts a new count of trials;
 * closing starts a new streak.
 */
function observed(prev: Breaker, next: CircuitState): CircuitState {
  if (next.breaker.mode === prev.mode) return next;
  if (next.breaker.mode === "open") return { ...next, trippedAt: next.now, trials: 0 };
  if (next.breaker.mode === "closed") return { ...next, streak: 0 };
  return next;
}

/** Takes a call's admission; a call admitted into a half-open breaker counts as a trial in the ghost. */
function admitted(
  s: CircuitState,
  c: NodeId,
  admission: Admission & { type: "admitted" },
  status: "permitted" | "in-flight",
  p: CircuitParams,
): CircuitState {
  const next = produce(s, (d) => {
    d.breaker = admission.breaker;
    d.callers[c] = { status, trial: admission.trial };
    if (status === "in-flight") d.reached = reachedAfter(s, p);
    if (admission.breaker.mode === "half-open") d.trials += 1;
  });
  return relativeTime(observed(s.breaker, next), p);
}

/**
 * Call(c): an idle caller calls through the breaker; admitted, the call reaches the service in the same step. A call
 * that fails fast changes nothing.
 */
function callWith(admit: Admit, status: "permitted" | "in-flight") {
  return choose(callersOf, (s: CircuitState, c: NodeId, p: CircuitParams) => {
    if (s.callers[c]!.status !== "idle" || (!p.liveness && s.reached >= p.calls)) return undefined;
    const admission = admit(s.breaker, s.now, configOf(p));
    return admission.type === "admitted" ? admitted(s, c, admission, status, p) : undefined;
  });
}

/** Send(c), `check-then-call` only: a caller uses the permission it got earlier, whatever the breaker's state now. */
const send = choose(callersOf, (s: CircuitState, c: NodeId, p: CircuitParams) => {
  const caller = s.callers[c]!;
  if (caller.status !== "permitted") return undefined;
  return produce(s, (d) => {
    d.callers[c] = { status: "in-flight", trial: caller.trial };
    d.reached = reachedAfter(s, p);
  });
});

/**
 * Succeed(c) / Fail(c): the service answers c's call, and the breaker records the answer. A recovered service only
 * succeeds.
 */
function answerWith(record: RecordFn, outcome: CallResult["outcome"]) {
  return choose(callersOf, (s: CircuitState, c: NodeId, p: CircuitParams) => {
    const caller = s.callers[c]!;
    if (caller.status !== "in-flight" || (s.recovered && outcome === "failure")) return undefined;
    const breaker = record(s.breaker, { trial: caller.trial, outcome }, s.now, configOf(p));
    const next = produce(s, (d) => {
      d.breaker = breaker;
      d.callers[c] = idle;
      if (s.breaker.mode === "closed") d.streak = outcome === "failure" ? s.streak + 1 : 0;
    });
    return relativeTime(observed(s.breaker, next), p);
  });
}

/** `unlimited-half-open`: a half-open breaker admits every call as a trial. */
const admitUnlimited: Admit = (breaker, now, config) =>
  admitCall(breaker, now, { ...config, probes: Number.POSITIVE_INFINITY });

/** `trip-above-threshold`: the classic off-by-one, `failures > threshold` for `>=`. */
const recordAboveThreshold: RecordFn = (breaker, result, now, config) =>
  recordResult(breaker, result, now, { ...config, threshold: config.threshold + 1 });

/**
 * `no-failure-reset`: a success leaves the count of a closed breaker as it was, so failures need not be consecutive.
 */
const recordWithoutReset: RecordFn = (breaker, result, now, config) =>
  breaker.mode === "closed" && result.outcome === "success" ? breaker : recordResult(breaker, result, now, config);

/**
 * `reopen-keeps-old-timer`: a failed trial opens the breaker again but keeps the old `openedAt`, so the cooldown is
 * already over.
 */
const recordKeepingTimer: RecordFn = (breaker, result, now, config) =>
  breaker.mode === "half-open" && result.trial && result.outcome === "failure"
    ? { mode: "open", openedAt: breaker.openedAt }
    : recordResult(breaker, result, now, config);

/**
 * `reopen-on-success`: the half-open breaker re-opens on every trial's answer, as if the failure path handled both
 * outcomes.
 */
const recordReopenOnSuccess: RecordFn = (breaker, result, now, config) =>
  breaker.mode === "half-open" && result.trial
    ? { mode: "open", openedAt: now }
    : recordResult(breaker, result, now, config);

/** A circuit breaker in front of a service that answers as it likes, with callers that call at any time. */
export const circuitBreaker = defineSpec({
  name: "circuit-breaker",
  description:
    "a circuit breaker (closed, open, half-open): fails fast while open, opens on consecutive failures, waits out its cooldown, lets a bounded number of trials through",
  params: {
    callers: int(2, { min: 1, max: 4, description: "callers, each with at most one call outstanding" }),
    threshold: int(2, { min: 1, max: 4, description: "consecutive failures that trip the breaker" }),
    cooldown: int(2, { min: 1, max: 4, description: "ticks the breaker stays open" }),
    probes: int(1, { min: 1, max: 3, description: "trial calls a half-open breaker admits" }),
    horizon: int(6, { min: 1, max: 10, description: "ticks explored (model bound)" }),
    calls: int(6, { min: 1, max: 10, description: "calls reaching the service per run (model bound)" }),
    liveness: bool(false, {
      description:
        "judge eventuallyClosesAfterRecovery: the service may recover (Recover), time counts from the last trip up to cooldown, calls are uncapped (horizon and calls unused)",
    }),
  },
  init: (p) => [
    {
      now: 0,
      breaker: closedBreaker,
      callers: Object.fromEntries(numberedIds("c", p.callers).map((c): [NodeId, Caller] => [c, idle])),
      reached: 0,
      recovered: false,
      streak: 0,
      trippedAt: null,
      trials: 0,
    },
  ],
  actions: {
    Call: callWith(admitCall, "in-flight"),
    Succeed: answerWith(recordResult, "success"),
    Fail: answerWith(recordResult, "failure"),
    Tick: (s: CircuitState, p: CircuitParams) =>
      relativeTime(
        observed(s.breaker, { ...s, now: s.now + 1, breaker: breakerAt(s.breaker, s.now + 1, configOf(p)) }),
        p,
      ),
    Recover: (s: CircuitState, p: CircuitParams) =>
      p.liveness && !s.recovered ? { ...s, recovered: true } : undefined,
  },
  constraint: (s, p) => p.liveness || s.now <= p.horizon,
  // The breaker's own steps and its callers are fair: time passes (so a cooldown runs out), idle callers
  // keep calling (so a half-open breaker gets its trial), the service answers every call. Recovery is not:
  // the service need not recover, and the property asks for nothing until it has.
  fairness: { weak: ["Call", "Succeed", "Fail", "Tick"] },
  properties: {
    noCallReachesDownstreamWhileOpen: onEveryStep<CircuitState, CircuitParams>(
      (prev, next) => next.reached === prev.reached || next.breaker.mode !== "open",
      "fail fast: no call reaches the service while the breaker is open",
    ),
    opensAfterThresholdFailures: invariant<CircuitState, CircuitParams>(
      (s, p) => s.breaker.mode !== "closed" || s.streak < p.threshold,
      "the breaker is never closed once `threshold` consecutive failures have been answered: it trips on the threshold-th",
    ),
    tripsOnlyOnConsecutiveFailures: onEveryStep<CircuitState, CircuitParams>(
      (prev, next, p) =>
        !(prev.breaker.mode === "closed" && next.breaker.mode === "open") || next.streak >= p.threshold,
      "a closed breaker trips only after `threshold` consecutive failures: failures separated by a success do not add up",
    ),
    staysOpenForCooldown: onEveryStep<CircuitState, CircuitParams>(
      (prev, next, p) =>
        !(prev.breaker.mode === "open" && next.breaker.mode !== "open") ||
        (next.trippedAt !== null && next.now - next.trippedAt >= p.cooldown),
      "an open breaker leaves the open state only `cooldown` ticks or more after it last tripped, a failed trial's re-opening included",
    ),
    halfOpenAdmitsAtMostProbes: invariant<CircuitState, CircuitParams>(
      (s, p) => s.trials <= p.probes,
      "after a trip, at most `probes` trial calls reach the recovering service before the breaker closes or trips again",
    ),
    eventuallyClosesAfterRecovery: leadsTo<CircuitState>(
      (s) => s.recovered,
      (s) => s.breaker.mode === "closed",
      "once the service has recovered, the breaker is eventually closed again: it does not keep failing calls fast, or probing, forever",
    ),
  },
  variants: {
    "unlimited-half-open": {
      description:
        "half-open lets every call through: the recovering service gets the whole backlog at once instead of `probes` trials",
      violates: "halfOpenAdmitsAtMostProbes",
      actions: { Call: callWith(admitUnlimited, "in-flight") },
    },
    "trip-above-threshold": {
      description:
        "trips on `failures > threshold`: the off-by-one keeps calling a service that has already failed `threshold` times in a row",
      violates: "opensAfterThresholdFailures",
      actions: {
        Succeed: answerWith(recordAboveThreshold, "success"),
        Fail: answerWith(recordAboveThreshold, "failure"),
      },
    },
    "no-failure-reset": {
      description:
        "a success does not reset the failure count: sporadic failures spread over a healthy run add up and trip the breaker",
      violates: "tripsOnlyOnConsecutiveFailures",
      actions: { Succeed: answerWith(recordWithoutReset, "success"), Fail: answerWith(recordWithoutReset, "failure") },
    },
    "reopen-keeps-old-timer": {
      description:
        "a failed trial re-opens the breaker without restarting the cooldown: it is half-open again at once and probes a down service back to back",
      violates: "staysOpenForCooldown",
      actions: { Succeed: answerWith(recordKeepingTimer, "success"), Fail: answerWith(recordKeepingTimer, "failure") },
    },
    "check-then-call": {
      description:
        "the caller asks the breaker for permission and sends the call later (after an await): the breaker trips in between and the call reaches the service while it is open",
      violates: "noCallReachesDownstreamWhileOpen",
      actions: { Call: callWith(admitCall, "permitted"), Send: send },
    },
    "reopen-on-success": {
      description:
        "half-open re-opens on every trial's answer, a success too: after the service recovers the breaker probes it every cooldown and never closes",
      violates: "eventuallyClosesAfterRecovery",
      params: { liveness: true },
      actions: {
        Succeed: answerWith(recordReopenOnSuccess, "success"),
        Fail: answerWith(recordReopenOnSuccess, "failure"),
      },
    },
  },
});
