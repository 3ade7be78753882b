import { describe, expect, it } from "vitest";
import { bfs, checkSpec, violationOf } from "../../checker/index.js";
import {
  childrenToRestart,
  discardStaleExits,
  handleExit,
  initialSupervisor,
  recordRestart,
  supervisor,
  type SupervisionState,
  type SupervisorConfig,
} from "../../specs/supervisor.js";
import { onlyProperty } from "../../src/index.js";

describe("supervisor: strategy, intensity and the exit handler", () => {
  it("restarts the exited child alone, every child, or it and the children started after it", () => {
    const children = ["db", "cache", "api"];
    expect(childrenToRestart("one_for_one", children, "cache")).toEqual(["cache"]);
    expect(childrenToRestart("one_for_all", children, "cache")).toEqual(["db", "cache", "api"]);
    expect(childrenToRestart("rest_for_one", children, "cache")).toEqual(["cache", "api"]);
    expect(childrenToRestart("rest_for_one", children, "db")).toEqual(["db", "cache", "api"]);
  });

  it("counts restarts in a sliding window: a restart `period` ticks old no longer counts", () => {
    expect(recordRestart([], 4, 3)).toEqual([4]);
    expect(recordRestart([1, 2, 3], 4, 3)).toEqual([2, 3, 4]);
    expect(recordRestart([3, 5], 7, 3)).toEqual([5, 7]);
  });

  it("restarts within the intensity, escalates beyond it terminating every child, and then handles nothing", () => {
    const config: SupervisorConfig = {
      strategy: "rest_for_one",
      children: ["c1", "c2", "c3"],
      maxRestarts: 1,
      period: 5,
    };
    const first = handleExit(initialSupervisor, "c2", 0, config);
    expect(first).toEqual({ type: "restart", restart: ["c2", "c3"], supervisor: { restarts: [0], escalated: false } });
    if (first.type !== "restart") throw new Error("unreachable");
    const second = handleExit(first.supervisor, "c1", 4, config);
    expect(second).toEqual({
      type: "escalate",
      terminate: ["c1", "c2", "c3"],
      supervisor: { restarts: [0, 4], escalated: true },
    });
    if (second.type !== "escalate") throw new Error("unreachable");
    expect(handleExit(second.supervisor, "c3", 9, config)).toEqual({ type: "stopped" });
  });

  it("does not give up over restarts that have left the window", () => {
    const config: SupervisorConfig = { strategy: "one_for_one", children: ["c1"], maxRestarts: 1, period: 5 };
    expect(handleExit({ restarts: [0], escalated: false }, "c1", 5, config)).toEqual({
      type: "restart",
      restart: ["c1"],
      supervisor: { restarts: [5], escalated: false },
    });
  });

  it("after a restart drops the stale exits of the restarted children, and only those", () => {
    expect(discardStaleExits(["c2", "c3"], ["c1", "c2"])).toEqual(["c3"]);
    expect(discardStaleExits(["c3"], ["c1"])).toEqual(["c3"]);
  });
});

describe("supervisor: the model", () => {
  it("holds at the defaults (3 children, one_for_one, at most 2 restarts in 3 ticks, time 0..4, 4 crashes): 4,461 states, BFS and DFS agree", () => {
    const bfsReport = checkSpec(supervisor);
    expect([bfsReport.result, bfsReport.distinctStates, bfsReport.generatedStates]).toEqual(["ok", 4461, 8622]);
    const dfsReport = checkSpec(supervisor, { strategy: "dfs" });
    expect([dfsReport.result, dfsReport.distinctStates, dfsReport.generatedStates]).toEqual(["ok", 4461, 8622]);
  });

  it.each([
    ["one_for_all", 1267, 2653],
    ["rest_for_one", 5814, 11058],
  ] as const)("holds with %s: %i states", (strategy, distinct, generated) => {
    const r = checkSpec(supervisor, { params: { strategy } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", distinct, generated]);
  });

  it("restart-forever restarts three crashed children at tick 0 with an intensity of 2, in 6 steps", () => {
    const r = checkSpec(supervisor, { variant: "restart-forever" });
    expect([r.result, r.property]).toEqual(["violation", "restartsWithinIntensity"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Crash(c1)",
      "Crash(c2)",
      "Crash(c3)",
      "HandleExit(c1)",
      "HandleExit(c2)",
      "HandleExit(c3)",
    ]);
    expect((r.trace?.at(-1)?.state as SupervisionState).restartLog).toEqual([0, 0, 0]);
  });

  it("intensity-never-expires gives up at tick 3 counting a restart at tick 0 that has left the window, in 9 steps", () => {
    const r = checkSpec(supervisor, { variant: "intensity-never-expires" });
    expect([r.result, r.property]).toEqual(["violation", "escalatesOnlyWhenIntensityExceeded"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Crash(c1)",
      "Crash(c2)",
      "Crash(c3)",
      "HandleExit(c1)",
      "Tick",
      "Tick",
      "Tick",
      "HandleExit(c2)",
      "HandleExit(c3)",
    ]);
    const last = r.trace?.at(-1)?.state as SupervisionState;
    expect([last.now, last.restartLog, last.supervisor]).toEqual([3, [0, 3], { restarts: [0, 3, 3], escalated: true }]);
  });

  it("one-for-all-restarts-only-crashed leaves c2 and c3 running beside a new c1, in 2 steps", () => {
    const r = checkSpec(supervisor, { variant: "one-for-all-restarts-only-crashed" });
    expect([r.result, r.property]).toEqual(["violation", "strategyRestartsTheRightChildren"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Crash(c1)", "HandleExit(c1)"]);
    const children = (r.trace?.at(-1)?.state as SupervisionState).children;
    expect([children.c1?.incarnation, children.c2?.incarnation, children.c3?.incarnation]).toEqual([1, 0, 0]);
  });

  it("flush-mailbox-after-restart forgets c2's crash while restarting c1, in 3 steps", () => {
    const r = checkSpec(supervisor, { variant: "flush-mailbox-after-restart" });
    expect([r.result, r.property]).toEqual(["violation", "everyCrashAwaitsRestart"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Crash(c1)", "Crash(c2)", "HandleExit(c1)"]);
    const last = r.trace?.at(-1)?.state as SupervisionState;
    expect([last.children.c2?.status, last.mailbox]).toEqual(["dead", []]);
  });

  it("flush-mailbox-after-restart also ends runs with children dead and nothing escalated (the atTermination claim)", () => {
    const model = onlyProperty(
      supervisor.instantiate({ variant: "flush-mailbox-after-restart" }),
      "crashedChildIsRestartedOrSupervisorEscalated",
    );
    const r = bfs.search(model);
    expect([r.result, violationOf(r)?.property, (violationOf(r)?.trace.length ?? 0) - 1]).toEqual([
      "violation",
      "crashedChildIsRestartedOrSupervisorEscalated",
      10,
    ]);
    const last = violationOf(r)?.trace.at(-1)?.state as SupervisionState;
    expect([last.now, last.crashes, last.supervisor.escalated, last.mailbox, last.children.c2?.status]).toEqual([
      4,
      4,
      false,
      [],
      "dead",
    ]);
  });

  it("escalate-leaving-children gives up with c1 and c2 still running, in 6 steps", () => {
    const r = checkSpec(supervisor, { variant: "escalate-leaving-children" });
    expect([r.result, r.property]).toEqual(["violation", "noChildRunsAfterEscalation"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Crash(c1)",
      "Crash(c2)",
      "Crash(c3)",
      "HandleExit(c1)",
      "HandleExit(c2)",
      "HandleExit(c3)",
    ]);
    const last = r.trace?.at(-1)?.state as SupervisionState;
    expect([
      last.supervisor.escalated,
      last.children.c1?.status,
      last.children.c2?.status,
      last.children.c3?.status,
    ]).toEqual([true, "running", "running", "dead"]);
  });

  it("rest_for_one's claim fails on a restart of the wrong children", () => {
    const model = supervisor.instantiate({ params: { strategy: "rest_for_one" } });
    const prop = model.properties.find((p) => p.name === "strategyRestartsTheRightChildren");
    if (prop?.kind !== "action") throw new Error("missing action property");
    const [init] = model.initStates();
    const crashed: SupervisionState = {
      ...init!,
      children: { ...init!.children, c2: { status: "dead", incarnation: 0 } },
      mailbox: ["c2"],
      crashes: 1,
    };
    const restarted = (...cs: string[]): SupervisionState => ({
      ...crashed,
      children: Object.fromEntries(
        Object.entries(crashed.children).map(([c, child]) => [
          c,
          cs.includes(c) ? { status: "running", incarnation: 1 } : child,
        ]),
      ),
      mailbox: [],
      restartLog: [0],
    });
    expect(prop.check(crashed, restarted("c2", "c3"))).toBe(true);
    expect(prop.check(crashed, restarted("c2"))).toBe(false);
    expect(prop.check(crashed, restarted("c1", "c2", "c3"))).toBe(false);
  });

  describe("liveness: crashedChildEventuallyRestarted", () => {
    it("holds when the supervisor handles its mailbox fairly (weak fairness on HandleExit)", () => {
      const r = checkSpec(supervisor);
      expect([r.result, r.property, r.distinctStates, r.generatedStates]).toEqual(["ok", null, 4461, 8622]);
    });

    it("defer-while-busy shuffles two pending exits forever: 2 steps, then a fair cycle of 2", () => {
      const r = checkSpec(supervisor, { variant: "defer-while-busy" });
      expect([r.result, r.property, r.propertyKind, r.loopStart]).toEqual([
        "violation",
        "crashedChildEventuallyRestarted",
        "leadsTo",
        2,
      ]);
      expect(r.trace?.map((s) => s.action)).toEqual([
        null,
        "Crash(c1)",
        "Crash(c2)",
        "HandleExit(c1)",
        "HandleExit(c2)",
      ]);
      expect(r.trace?.at(-1)?.state).toEqual(r.trace?.[2]?.state);
    });
  });
});
