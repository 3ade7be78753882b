/**
 * Target-tracking auto-scaling (the seeds' "Auto-scaling terminology":
 * an auto-scaling group of instances with a desired, a minimum and a
 * maximum capacity, a scaling policy, a cooldown and health checks; AWS EC2
 * Auto Scaling's target tracking policies work this way). On every tick a
 * controller reads a load metric and sets the desired capacity to
 * `clamp(ceil(load / targetPerInstance), min, max)`: enough instances that
 * none carries more than its target. It compares that with the group's
 * capacity, the instances in service plus those it has launched that are
 * still warming up, and launches or terminates the difference. After a
 * scaling action it waits `cooldown` ticks before the next, so that the
 * metric can show the effect of the last one. A health check replaces an
 * instance that fails it with a fresh one, which must warm up too; a
 * replacement is not a scaling action.
 *
 * Counting the instances still warming up is what keeps the group within
 * its maximum when warm-up takes longer than the cooldown: they serve no
 * load yet, so the metric still says "overloaded".
 *
 * The model: time is an explicit `Tick(load)` action, bounded by `horizon`;
 * each tick brings the instances whose warm-up is over into service, reads
 * a load chosen freely in `0..maxLoad` (any sequence of readings, spikes
 * included) and runs the controller once. Health-check failures are bounded
 * by `failures`. A ghost record of the last scaling action, which the
 * controller never reads, lets the properties speak of what the group did
 * rather than of the controller's own bookkeeping.
 */
import { match } from "ts-pattern";
import { choose, defineSpec, int, invariant, onEveryStep } from "../src/index.js";

/** How a group is tuned. */
export interface ScalingConfig {
  /** Hard lower limit on the group's capacity. */
  readonly min: number;
  /** Hard upper limit on the group's capacity. */
  readonly max: number;
  /** The load one instance should carry (the tracked target). */
  readonly targetPerInstance: number;
  /** Ticks from launch until an instance is in service. */
  readonly warmup: number;
  /** Ticks after a scaling action before the next one. */
  readonly cooldown: number;
}

/** An auto-scaling group as the controller keeps it. */
export interface ScalingGroup {
  /** Instances that passed warm-up and serve load. */
  readonly inService: number;
  /** Instances launched and warming up: the tick each enters service, ascending. */
  readonly pending: readonly number[];
  /** When the last scaling action was taken, or null: the cooldown runs from there. */
  readonly lastScalingAt: number | null;
}

/** What the controller decides on one reading. */
export type ScalingDecision =
  | { readonly type: "scale-out"; readonly launch: number }
  | { readonly type: "scale-in"; readonly terminate: number }
  | { readonly type: "hold"; readonly reason: "cooldown" | "at-desired" };

/** The direction of a scaling action. */
export type ScalingDirection = "out" | "in";

/** A group of `min` instances in service that has never scaled. */
export function initialGroup(config: Pick<ScalingConfig, "min">): ScalingGroup {
  return { inService: config.min, pending: [], lastScalingAt: null };
}

/** The group's capacity: instances in service plus those warming up (both are paid for, both count against `max`). */
export function capacityOf(group: ScalingGroup): number {
  return group.inService + group.pending.length;
}

/**
 * The target-tracking policy: the fewest instances that keep each at or
 * below its target load, within the hard limits.
 * @example
 * desiredCapacity(5, { min: 1, max: 3, targetPerInstance: 2 }) // 3
 * desiredCapacity(0, { min: 1, max: 3, targetPerInstance: 2 }) // 1
 */
export function desiredCapacity(
  load: number,
  config: Pick<ScalingConfig, "min" | "max" | "targetPerInstance">,
): number {
  return Math.min(config.max, Math.max(config.min, Math.ceil(load / config.targetPerInstance)));
}

/** Is the group still cooling down from its last scaling action at time `now`? */
export function inCooldown(group: ScalingGroup, now: number, config: Pick<ScalingConfig, "cooldown">): boolean {
  return group.lastScalingAt !== null && now - group.lastScalingAt < config.cooldown;
}

/**
 * The controller's decision on a reading of `load` at time `now`: hold
 * during the cooldown, otherwise launch or terminate the difference between
 * the desired capacity and the capacity, pending instances included.
 * @example
 * const config = { min: 1, max: 3, targetPerInstance: 2, warmup: 3, cooldown: 2 };
 * decideScaling({ inService: 1, pending: [], lastScalingAt: null }, 6, 0, config) // { type: "scale-out", launch: 2 }
 * decideScaling({ inService: 1, pending: [3, 3], lastScalingAt: 0 }, 6, 2, config)
 * // → { type: "hold", reason: "at-desired" }
 */
export function decideScaling(group: ScalingGroup, load: number, now: number, config: ScalingConfig): ScalingDecision {
  if (inCooldown(group, now, config)) return { type: "hold", reason: "cooldown" };
  const desired = desiredCapacity(load, config);
  const capacity = capacityOf(group);
  if (desired > capacity) return { type: "scale-out", launch: desired - capacity };
  if (desired < capacity) return { type: "scale-in", terminate: capacity - desired };
  return { type: "hold", reason: "at-desired" };
}

/**
 * Carries out a decision at time `now`: launched instances enter service
 * `warmup` ticks later; a scale-in cancels the newest launches first (they
 * serve nothing yet), then terminates instances in service. A scaling
 * action starts the cooldown.
 */
export function applyScaling(
  group: ScalingGroup,
  decision: ScalingDecision,
  now: number,
  config: Pick<ScalingConfig, "warmup">,
): ScalingGroup {
  return match(decision)
    .with({ type: "hold" }, () => group)
    .with({ type: "scale-out" }, (d) => ({
      ...group,
      pending: [...group.pending, ...Array.from({ length: d.launch }, () => now + config.warmup)],
      lastScalingAt: now,
    }))
    .with({ type: "scale-in" }, (d) => {
      const cancelled = Math.min(d.terminate, group.pending.length);
      return {
        inService: group.inService - (d.terminate - cancelled),
        pending: group.pending.slice(0, group.pending.length - cancelled),
        lastScalingAt: now,
      };
    })
    .exhaustive();
}

/** The group at time `now`: pending instances whose warm-up is over are in service. */
export function warmUp(group: ScalingGroup, now: number): ScalingGroup {
  const ready = group.pending.filter((t) => t <= now).length;
  if (ready === 0) return group;
  return { ...group, inService: group.inService + ready, pending: group.pending.slice(ready) };
}

/**
 * The health check's step: an instance in service failed its check, so it
 * is terminated and a replacement launched at once, outside the scaling
 * policy and its cooldown. The capacity is unchanged.
 * @example
 * replaceUnhealthy({ inService: 2, pending: [], lastScalingAt: null }, 4, { warmup: 3 })
 * // → { inService: 1, pending: [7], lastScalingAt: null }
 */
export function replaceUnhealthy(
  group: ScalingGroup,
  now: number,
  config: Pick<ScalingConfig, "warmup">,
): ScalingGroup {
  if (group.inService === 0) return group;
  return { ...group, inService: group.inService - 1, pending: [...group.pending, now + config.warmup] };
}

/** The state of the model. */
export interface AutoscalerState {
  readonly now: number;
  /** The last reading of the load metric. */
  readonly load: number;
  readonly group: ScalingGroup;
  /** Health-check failures so far. */
  readonly failed: number;
  /** Ghost: the last scaling action the group took, whatever the controller remembers. */
  readonly lastScaling: { readonly at: number; readonly direction: ScalingDirection } | null;
}

/** Parameter values of the spec. */
export interface AutoscalerParams {
  readonly min: number;
  readonly max: number;
  readonly targetPerInstance: number;
  readonly warmup: number;
  readonly cooldown: number;
  readonly maxLoad: number;
  readonly failures: number;
  readonly horizon: number;
}

type Decide = (group: ScalingGroup, load: number, now: number, config: ScalingConfig) => ScalingDecision;

const configOf = (p: AutoscalerParams): ScalingConfig => ({
  min: p.min,
  max: p.max,
  targetPerInstance: p.targetPerInstance,
  warmup: p.warmup,
  cooldown: p.cooldown,
});

const loads = (_: AutoscalerState, p: AutoscalerParams): number[] => Array.from({ length: p.maxLoad + 1 }, (_, k) => k);

/**
 * Tick(load): time advances, warmed-up instances enter service, the metric reads `load`, and the controller acts on it.
 */
function tickWith(decide: Decide) {
  return choose(loads, (s: AutoscalerState, load: number, p: AutoscalerParams): AutoscalerState => {
    const now = s.now + 1;
    const config = configOf(p);
    const warmed = warmUp(s.group, now);
    const decision = decide(warmed, load, now, config);
    const lastScaling = match(decision)
      .with({ type: "hold" }, () => s.lastScaling)
      .with({ type: "scale-out" }, () => ({ at: now, direction: "out" as const }))
      .with({ type: "scale-in" }, () => ({ at: now, direction: "in" as const }))
      .exhaustive();
    return { ...s, now, load, group: applyScaling(warmed, decision, now, config), lastScaling };
  });
}

/** `count-pending-as-zero`: the controller counts only the instances in service, as if launches were instant. */
const decideIgnoringPending: Decide = (group, load, now, config) =>
  decideScaling({ ...group, pending: [] }, load, now, config);

/** `no-cooldown`: the controller acts on every reading. */
const decideWithoutCooldown: Decide = (group, load, now, config) =>
  decideScaling(group, load, now, { ...config, cooldown: 0 });

/** `floor-instead-of-ceil`: the policy rounds load / target down, leaving the remainder of the load uncovered. */
const decideRoundingDown: Decide = (group, load, now, config) =>
  decideScaling(group, Math.floor(load / config.targetPerInstance) * config.targetPerInstance, now, config);

/** A step that advanced time. */
const isTick = (prev: AutoscalerState, next: AutoscalerState): boolean => next.now === prev.now + 1;

/**
 * Was the step prev -> next a tick on which the group scaled (in `direction`, if given)? Health-check replacements are
 * not scaling.
 */
function scaled(prev: AutoscalerState, next: AutoscalerState, direction?: ScalingDirection): boolean {
  if (!isTick(prev, next) || next.lastScaling === null || next.lastScaling.at !== next.now) return false;
  return direction === undefined || next.lastScaling.direction === direction;
}

/**
 * A target-tracking controller over an auto-scaling group with warm-up, cooldown and health-check replacements, under
 * any load.
 */
export const autoscaler = defineSpec({
  name: "autoscaler",
  description:
    "target-tracking auto-scaling: desired = clamp(ceil(load / target), min, max), pending instances counted, a cooldown after every scaling action",
  params: {
    min: int(1, { min: 0, max: 3, description: "minimum capacity" }),
    max: int(3, { min: 1, max: 5, description: "maximum capacity" }),
    targetPerInstance: int(2, { min: 1, max: 4, description: "load one instance should carry" }),
    warmup: int(3, { min: 0, max: 5, description: "ticks from launch to in service" }),
    cooldown: int(2, { min: 0, max: 5, description: "ticks after a scaling action before the next" }),
    maxLoad: int(6, { min: 0, max: 10, description: "highest reading of the load metric" }),
    failures: int(1, { min: 0, max: 3, description: "instances that fail their health check per run" }),
    horizon: int(6, { min: 1, max: 10, description: "ticks explored (model bound)" }),
  },
  init: (p) => [{ now: 0, load: 0, group: initialGroup(p), failed: 0, lastScaling: null }],
  actions: {
    Tick: tickWith(decideScaling),
    HealthCheckFails: (s: AutoscalerState, p: AutoscalerParams) =>
      s.failed >= p.failures || s.group.inService === 0
        ? undefined
        : { ...s, group: replaceUnhealthy(s.group, s.now, p), failed: s.failed + 1 },
  },
  constraint: (s, p) => s.now < p.horizon,
  properties: {
    capacityWithinMinMax: invariant<AutoscalerState, AutoscalerParams>(
      (s, p) => capacityOf(s.group) >= p.min && capacityOf(s.group) <= p.max,
      "the group's capacity, instances in service plus those warming up, stays within [min, max]",
    ),
    noScalingDuringCooldown: onEveryStep<AutoscalerState, AutoscalerParams>(
      (prev, next, p) =>
        !scaled(prev, next) || prev.lastScaling === null || next.now - prev.lastScaling.at >= p.cooldown,
      "no scaling action comes less than `cooldown` ticks after the previous one",
    ),
    noFlapping: onEveryStep<AutoscalerState, AutoscalerParams>(
      (prev, next, p) =>
        !scaled(prev, next, "in") ||
        prev.lastScaling === null ||
        prev.lastScaling.direction !== "out" ||
        next.now - prev.lastScaling.at >= p.cooldown,
      "the group never terminates instances within `cooldown` ticks of launching some: a passing dip in the load does not undo a scale-out",
    ),
    scalesOutWhenOverloaded: onEveryStep<AutoscalerState, AutoscalerParams>((prev, next, p) => {
      if (!isTick(prev, next)) return true;
      const capacity = capacityOf(warmUp(prev.group, next.now));
      const cooling = prev.lastScaling !== null && next.now - prev.lastScaling.at < p.cooldown;
      const overloaded = next.load > capacity * p.targetPerInstance;
      return !overloaded || capacity >= p.max || cooling || scaled(prev, next, "out");
    }, "when the load exceeds what the capacity can carry at its target, the group is below max and not cooling down, the controller launches instances on that reading"),
  },
  variants: {
    "count-pending-as-zero": {
      description:
        "the controller counts only instances in service: while launches warm up the metric still says overloaded, so it launches again past max",
      violates: "capacityWithinMinMax",
      actions: { Tick: tickWith(decideIgnoringPending) },
    },
    "no-cooldown": {
      description:
        "no cooldown: the controller acts on every reading, scaling out on a spike and in again on the next dip",
      violates: "noScalingDuringCooldown",
      actions: { Tick: tickWith(decideWithoutCooldown) },
    },
    "floor-instead-of-ceil": {
      description:
        "desired = floor(load / target): a load between multiples of the target is left uncovered and the group stays overloaded",
      violates: "scalesOutWhenOverloaded",
      actions: { Tick: tickWith(decideRoundingDown) },
    },
  },
});
