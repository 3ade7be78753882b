import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  bullyElection,
  freshProcess,
  messageKey,
  onCoordinatorTimeout,
  onElectionTimeout,
  onMessage,
  startElection,
  type BullyState,
} from "../../specs/bully-election.js";

const ids = [1, 2, 3];
const ctx = { ids, suspected: [] };

describe("the Bully steps", () => {
  it("an election goes to the higher ids; the highest process is coordinator at once", () => {
    expect(startElection(1, ids)).toEqual({
      process: { coordinator: null, phase: "electing" },
      sends: [
        { type: "Election", from: 1, to: 2 },
        { type: "Election", from: 1, to: 3 },
      ],
    });
    expect(startElection(3, ids)).toEqual({
      process: { coordinator: 3, phase: "normal" },
      sends: [
        { type: "Coordinator", from: 3, to: 1 },
        { type: "Coordinator", from: 3, to: 2 },
      ],
    });
  });

  it("an Election is answered with Alive, and starts an election only outside one", () => {
    const step = onMessage(freshProcess, { type: "Election", from: 1, to: 2 }, ctx);
    expect(step.sends.map(messageKey)).toEqual(["Alive p2→p1", "Election p2→p3"]);
    expect(step.process).toEqual({ coordinator: null, phase: "electing" });
    expect(onMessage(step.process, { type: "Election", from: 1, to: 2 }, ctx)).toEqual({
      process: step.process,
      sends: [{ type: "Alive", from: 2, to: 1 }],
    });
  });

  it("an Alive makes an electing process wait for the announcement; elsewhere it changes nothing", () => {
    const electing = { coordinator: null, phase: "electing" } as const;
    expect(onMessage(electing, { type: "Alive", from: 3, to: 2 }, ctx).process).toEqual({
      coordinator: null,
      phase: "awaitingCoordinator",
    });
    expect(onMessage(freshProcess, { type: "Alive", from: 3, to: 2 }, ctx).process).toBe(freshProcess);
  });

  it("an announcement from a higher id is accepted; one from a lower id is bullied", () => {
    expect(onMessage(freshProcess, { type: "Coordinator", from: 3, to: 2 }, ctx)).toEqual({
      process: { coordinator: 3, phase: "normal" },
      sends: [],
    });
    expect(onMessage(freshProcess, { type: "Coordinator", from: 2, to: 3 }, ctx).sends.map(messageKey)).toEqual([
      "Coordinator p3→p1",
      "Coordinator p3→p2",
    ]);
    expect(
      onMessage(freshProcess, { type: "Coordinator", from: 2, to: 3 }, ctx, { acceptLower: true }).process,
    ).toEqual({ coordinator: 2, phase: "normal" });
  });

  it("a late announcement from below the coordinator followed is ignored, unless that coordinator is suspected", () => {
    const following3 = { coordinator: 3, phase: "normal" } as const;
    const late = { type: "Coordinator", from: 2, to: 1 } as const;
    expect(onMessage(following3, late, ctx)).toEqual({ process: following3, sends: [] });
    expect(onMessage(following3, late, { ids, suspected: [3] }).process).toEqual({ coordinator: 2, phase: "normal" });
  });

  it("the timeouts: no Alive means take the role; no announcement means elect again", () => {
    expect(onElectionTimeout({ coordinator: null, phase: "electing" }, 2, ids)?.sends.map(messageKey)).toEqual([
      "Coordinator p2→p1",
      "Coordinator p2→p3",
    ]);
    expect(onElectionTimeout(freshProcess, 2, ids)).toBeUndefined();
    expect(
      onCoordinatorTimeout({ coordinator: null, phase: "awaitingCoordinator" }, 1, ids)?.sends.map(messageKey),
    ).toEqual(["Election p1→p2", "Election p1→p3"]);
    expect(onCoordinatorTimeout({ coordinator: null, phase: "electing" }, 1, ids)).toBeUndefined();
  });
});

describe("bully-election: the model", () => {
  it("holds at the defaults (3 processes, 1 crash): 37,340 states, BFS and DFS agree", () => {
    const bfs = checkSpec(bullyElection);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 37340, 166221, 60]);
    const dfs = checkSpec(bullyElection, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 37340, 166221]);
  });

  it("holds without crashes: 1,462 states", () => {
    const r = checkSpec(bullyElection, { params: { crashes: 0 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 1462, 5273]);
  });

  it("timeout-with-answer-in-flight: p1 takes the role while p3's answer is on its way, two coordinators in 3 steps", () => {
    const r = checkSpec(bullyElection, { variant: "timeout-with-answer-in-flight" });
    expect([r.result, r.property]).toEqual(["violation", "atMostOneCoordinatorAmongLive"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Suspect(p1)", "Suspect(p3)", "ElectionTimeout(p1)"]);
    const last = r.trace?.at(-1)?.state as BullyState;
    expect(last.processes.map((p) => p.coordinator)).toEqual([1, null, 3]);
    expect(last.network.map(messageKey)).toContain("Election p1→p3");
  });

  it("accept-lower-coordinator: p3 recovers during p2's election and follows p2's late announcement, in 8 steps", () => {
    const r = checkSpec(bullyElection, { variant: "accept-lower-coordinator" });
    expect([r.result, r.property]).toEqual(["violation", "coordinatorIsHighestLive"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Suspect(p2)",
      "Crash(p3)",
      "Recover(p3)",
      "Deliver(Coordinator p3→p1)",
      "ElectionTimeout(p2)",
      "Deliver(Coordinator p2→p1)",
      "Deliver(Coordinator p2→p3)",
      "Deliver(Coordinator p3→p2)",
    ]);
    expect((r.trace?.at(-1)?.state as BullyState).processes.map((p) => p.coordinator)).toEqual([2, 3, 2]);
  });

  it("coordinatorIsHighestLive rejects quiescent states that disagree or follow a lower process", () => {
    const property = bullyElection.instantiate().properties.find((p) => p.name === "coordinatorIsHighestLive");
    if (property?.kind !== "final") throw new Error("missing property");
    const state = (coordinators: number[], down: number[] = []): BullyState => ({
      processes: coordinators.map((c) => ({ coordinator: c, phase: "normal" })),
      down,
      everCrashed: down,
      network: [],
      crashes: down.length,
    });
    expect(
      [state([3, 3, 3]), state([2, 2, 2], [3]), state([3, 2, 3]), state([2, 2, 2])].map((s) => property.check(s)),
    ).toEqual([true, true, false, false]);
  });
});
