import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  failureDetector,
  initialMonitor,
  isSuspected,
  monitorStep,
  type FailureDetectorState,
} from "../../specs/failure-detector.js";

describe("failure-detector: the monitor", () => {
  it("suspects after more than `timeout` silent ticks and clears suspicion on a heartbeat", () => {
    let m = initialMonitor(["n1", "n2"], 0);
    m = monitorStep(m, { type: "Heartbeat", from: "n2" }, { now: 1, timeout: 2 });
    m = monitorStep(m, { type: "Tick" }, { now: 2, timeout: 2 });
    expect(m.suspected).toEqual([]);
    m = monitorStep(m, { type: "Tick" }, { now: 3, timeout: 2 });
    expect([isSuspected(m, "n1"), isSuspected(m, "n2")]).toEqual([true, false]);
    m = monitorStep(m, { type: "Heartbeat", from: "n1" }, { now: 3, timeout: 2 });
    expect(m).toEqual({ lastHeard: { n1: 3, n2: 1 }, suspected: [] });
  });
});

describe("failure-detector: the model", () => {
  it("is perfect at the defaults (2 nodes, delay bound 2, timeout 3, 6 ticks, 1 crash): 5,821 states, BFS and DFS agree", () => {
    const bfs = checkSpec(failureDetector);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 5821, 20633]);
    const dfs = checkSpec(failureDetector, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 5821, 20633]);
  });

  // With a bound d, a timeout of d + 1 is exactly enough: a timeout of d suspects a live node in d + 3 steps.
  it.each([
    ["0", 1, 168, 0, 3],
    ["1", 2, 1257, 1, 4],
    ["2", 3, 5821, 2, 5],
  ])(
    "delay bound %s: timeout %i holds (%i states); timeout %i suspects a live node in %i steps",
    (delayBound, safe, states, unsafe, steps) => {
      const ok = checkSpec(failureDetector, { params: { delayBound, timeout: safe } });
      expect([ok.result, ok.distinctStates]).toEqual(["ok", states]);
      const bad = checkSpec(failureDetector, { params: { delayBound, timeout: unsafe } });
      expect([bad.result, bad.property, (bad.trace?.length ?? 0) - 1]).toEqual([
        "violation",
        "noLiveNodeSuspected",
        steps,
      ]);
    },
  );

  it("timeout-below-delay suspects a live node in 2 ticks", () => {
    const r = checkSpec(failureDetector, { variant: "timeout-below-delay" });
    expect([r.result, r.property]).toEqual(["violation", "noLiveNodeSuspected"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Tick", "Tick"]);
    const last = r.trace?.at(-1)?.state as FailureDetectorState;
    expect([last.now, last.monitor.suspected, last.nodes["n1"]?.alive]).toEqual([2, ["n1", "n2"], true]);
  });

  it("unbounded-delay suspects a live node in 4 ticks at the default timeout", () => {
    const r = checkSpec(failureDetector, { variant: "unbounded-delay" });
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Tick", "Tick", "Tick", "Tick"]);
    expect([r.result, r.property]).toEqual(["violation", "noLiveNodeSuspected"]);
  });

  // Slow versus crashed: without a bound, every timeout suspects a live node, just later.
  it.each([1, 2, 5])(
    "with unbounded delay, timeout %i still suspects a live node (in timeout + 1 ticks)",
    (timeout) => {
      const r = checkSpec(failureDetector, { params: { delayBound: "unbounded", timeout } });
      expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual([
        "violation",
        "noLiveNodeSuspected",
        timeout + 1,
      ]);
    },
  );

  it("completeness fails on a state where a crashed node's last heartbeat is timeout + delayBound + 1 ticks old and it is not suspected", () => {
    const model = failureDetector.instantiate();
    const completeness = model.properties.find((p) => p.name === "crashedNodeSuspectedInTime");
    if (completeness?.kind !== "invariant") throw new Error("missing invariant");
    const state = (now: number, suspected: string[]): FailureDetectorState => ({
      now,
      nodes: { n1: { alive: false, lastSent: 0 }, n2: { alive: true, lastSent: now } },
      inFlight: [],
      monitor: { lastHeard: { n1: 2, n2: now }, suspected },
      crashes: 1,
    });
    expect(completeness.check(state(5, []))).toBe(true);
    expect(completeness.check(state(6, []))).toBe(false);
    expect(completeness.check(state(6, ["n1"]))).toBe(true);
  });
});
