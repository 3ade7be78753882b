import { describe, expect, it } from "vitest";
import { bfs, checkSpec, violationOf } from "../../checker/index.js";
import { onlyProperty } from "../../src/index.js";
import {
  applyScaling,
  autoscaler,
  capacityOf,
  decideScaling,
  desiredCapacity,
  initialGroup,
  inCooldown,
  replaceUnhealthy,
  warmUp,
  type AutoscalerState,
  type ScalingGroup,
} from "../../specs/autoscaler.js";

const config = { min: 1, max: 3, targetPerInstance: 2, warmup: 3, cooldown: 2 };

describe("autoscaler: the policy and the group's steps", () => {
  it("desires ceil(load / target) instances, clamped to [min, max]", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 9].map((load) => desiredCapacity(load, config))).toEqual([1, 1, 1, 2, 2, 3, 3, 3]);
    expect(desiredCapacity(0, { ...config, min: 0 })).toBe(0);
  });

  it("launches the difference, counting instances still warming up, and holds during the cooldown", () => {
    const group = initialGroup(config);
    expect(group).toEqual({ inService: 1, pending: [], lastScalingAt: null });
    const out = decideScaling(group, 6, 0, config);
    expect(out).toEqual({ type: "scale-out", launch: 2 });
    const launched = applyScaling(group, out, 0, config);
    expect(launched).toEqual({ inService: 1, pending: [3, 3], lastScalingAt: 0 });
    expect(capacityOf(launched)).toBe(3);
    expect([1, 2].map((now) => inCooldown(launched, now, config))).toEqual([true, false]);
    expect(decideScaling(launched, 6, 1, config)).toEqual({ type: "hold", reason: "cooldown" });
    expect(decideScaling(launched, 6, 2, config)).toEqual({ type: "hold", reason: "at-desired" });
  });

  it("scales in by cancelling the newest launches first, then terminating instances in service", () => {
    const group: ScalingGroup = { inService: 2, pending: [5, 6], lastScalingAt: 1 };
    expect(decideScaling(group, 0, 4, config)).toEqual({ type: "scale-in", terminate: 3 });
    expect(applyScaling(group, { type: "scale-in", terminate: 1 }, 4, config)).toEqual({
      inService: 2,
      pending: [5],
      lastScalingAt: 4,
    });
    expect(applyScaling(group, { type: "scale-in", terminate: 3 }, 4, config)).toEqual({
      inService: 1,
      pending: [],
      lastScalingAt: 4,
    });
    expect(applyScaling(group, { type: "hold", reason: "at-desired" }, 4, config)).toBe(group);
  });

  it("brings instances into service when their warm-up is over", () => {
    const group: ScalingGroup = { inService: 1, pending: [3, 4], lastScalingAt: 0 };
    expect(warmUp(group, 2)).toBe(group);
    expect(warmUp(group, 3)).toEqual({ inService: 2, pending: [4], lastScalingAt: 0 });
    expect(warmUp(group, 9)).toEqual({ inService: 3, pending: [], lastScalingAt: 0 });
  });

  it("replaces an unhealthy instance with a fresh one, without starting a cooldown", () => {
    expect(replaceUnhealthy({ inService: 2, pending: [], lastScalingAt: null }, 4, config)).toEqual({
      inService: 1,
      pending: [7],
      lastScalingAt: null,
    });
    const empty: ScalingGroup = { inService: 0, pending: [5], lastScalingAt: null };
    expect(replaceUnhealthy(empty, 4, config)).toBe(empty);
  });
});

describe("autoscaler: the model", () => {
  it("holds at the defaults (capacity 1..3, target 2, warm-up 3, cooldown 2, load 0..6, 1 health failure, 6 ticks): 851 states, BFS and DFS agree", () => {
    const b = checkSpec(autoscaler);
    expect([b.result, b.distinctStates, b.generatedStates]).toEqual(["ok", 851, 6152]);
    const d = checkSpec(autoscaler, { strategy: "dfs" });
    expect([d.result, d.distinctStates, d.generatedStates]).toEqual(["ok", 851, 6152]);
  });

  it("count-pending-as-zero ignores a warming replacement and launches past max in 2 steps", () => {
    const r = checkSpec(autoscaler, { variant: "count-pending-as-zero" });
    expect([r.result, r.property]).toEqual(["violation", "capacityWithinMinMax"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "HealthCheckFails", "Tick(5)"]);
    expect((r.trace?.at(-1)?.state as AutoscalerState).group).toEqual({
      inService: 0,
      pending: [3, 4, 4, 4],
      lastScalingAt: 1,
    });
  });

  it("count-pending-as-zero, without health failures: launches, waits out the cooldown, and launches again while the first are warming up; a warm-up no longer than the cooldown hides the bug", () => {
    const r = checkSpec(autoscaler, { variant: "count-pending-as-zero", params: { failures: 0 } });
    expect([r.result, r.property]).toEqual(["violation", "capacityWithinMinMax"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Tick(3)", "Tick(0)", "Tick(5)"]);
    expect((r.trace?.at(-1)?.state as AutoscalerState).group).toEqual({
      inService: 1,
      pending: [4, 6, 6],
      lastScalingAt: 3,
    });
    expect(checkSpec(autoscaler, { variant: "count-pending-as-zero", params: { failures: 0, warmup: 2 } }).result).toBe(
      "ok",
    );
  });

  it("no-cooldown scales out on a spike and in on the next reading, in 2 steps", () => {
    const r = checkSpec(autoscaler, { variant: "no-cooldown" });
    expect([r.result, r.property]).toEqual(["violation", "noScalingDuringCooldown"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Tick(3)", "Tick(0)"]);
    const flapping = bfs.search(onlyProperty(autoscaler.instantiate({ variant: "no-cooldown" }), "noFlapping"));
    expect([flapping.result, violationOf(flapping)?.property, (violationOf(flapping)?.trace.length ?? 0) - 1]).toEqual([
      "violation",
      "noFlapping",
      2,
    ]);
  });

  it("floor-instead-of-ceil leaves a load of 3 on one instance with a target of 2, in 1 step", () => {
    const r = checkSpec(autoscaler, { variant: "floor-instead-of-ceil" });
    expect([r.result, r.property]).toEqual(["violation", "scalesOutWhenOverloaded"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Tick(3)"]);
  });
});
