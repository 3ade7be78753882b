import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import type { ProtocolState } from "../../src/index.js";
import { eventGraph, lamportClock, lamportOrder, lamportTick, type LamportProcess } from "../../specs/lamport-clock.js";

function state(nodes: Record<string, LamportProcess>): ProtocolState<LamportProcess> {
  return { nodes, network: [], timers: [], down: [], faults: { lost: 0, duplicated: 0, crashed: 0 }, history: [] };
}

function property(name: string) {
  const p = lamportClock.instantiate().properties.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no property ${name}`);
  return p;
}

describe("lamportTick and lamportOrder", () => {
  it("ticks on local events and sends, and jumps past a received stamp", () => {
    expect(lamportTick(0, { type: "Local" })).toBe(1);
    expect(lamportTick(3, { type: "Send" })).toBe(4);
    expect(lamportTick(2, { type: "Receive", stamp: 7 })).toBe(8);
    expect(lamportTick(9, { type: "Receive", stamp: 7 })).toBe(10);
  });

  it("orders by clock, then by process id", () => {
    const sorted = [
      { clock: 2, node: "n1" },
      { clock: 1, node: "n2" },
      { clock: 1, node: "n1" },
    ].sort(lamportOrder);
    expect(sorted).toEqual([
      { clock: 1, node: "n1" },
      { clock: 1, node: "n2" },
      { clock: 2, node: "n1" },
    ]);
  });
});

describe("lamport-clock", () => {
  it("holds at the defaults (3 processes, 1 event each): 480 distinct states, BFS and DFS agree", () => {
    const bfs = checkSpec(lamportClock);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 480, 802, 6]);
    const dfs = checkSpec(lamportClock, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 480, 802]);
  });

  it("holds with 2 processes and 2 events each: 749 distinct states", () => {
    const r = checkSpec(lamportClock, { params: { processes: 2, events: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 749, 1037]);
  });

  it("receive-without-max breaks the clock condition in 2 steps: a receive stamped no later than its send", () => {
    const r = checkSpec(lamportClock, { variant: "receive-without-max" });
    expect([r.result, r.property]).toEqual(["violation", "clockCondition"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      'n1: Send{to:"n2"}',
      'n2: receive Stamped{stamp:1,sentAt:{"node":"n1","index":0}} from n1',
    ]);
    const dfs = checkSpec(lamportClock, { variant: "receive-without-max", strategy: "dfs" });
    expect([dfs.result, dfs.property]).toEqual(["violation", "clockCondition"]);
  });

  it("happened-before is the transitive closure of process order and send-receive", () => {
    // n1 sends to n2; n2 then sends to n3; n3 had a local event first.
    const graph = eventGraph({
      n1: { events: [{ kind: "send", clock: 1 }] },
      n2: {
        events: [
          { kind: "receive", clock: 2, sentAt: { node: "n1", index: 0 } },
          { kind: "send", clock: 3 },
        ],
      },
      n3: {
        events: [
          { kind: "local", clock: 1 },
          { kind: "receive", clock: 4, sentAt: { node: "n2", index: 1 } },
        ],
      },
    });
    // Events are numbered process by process, in id order.
    const at = (node: string, index: number) => graph.events.filter((e) => e.node < node).length + index;
    expect(graph.happenedBefore(at("n1", 0), at("n3", 1))).toBe(true);
    expect(graph.happenedBefore(at("n3", 0), at("n3", 1))).toBe(true);
    expect(graph.happenedBefore(at("n3", 0), at("n2", 1))).toBe(false);
    expect(graph.happenedBefore(at("n2", 1), at("n3", 0))).toBe(false);
    expect(graph.happenedBefore(at("n3", 1), at("n1", 0))).toBe(false);
  });

  it("totalOrderExtendsHappenedBefore rejects two events with the same (clock, process)", () => {
    const p = property("totalOrderExtendsHappenedBefore");
    if (p.kind !== "invariant") throw new Error("not an invariant");
    const local = (clock: number) => ({ kind: "local", clock }) as const;
    expect(
      p.check(state({ n1: { clock: 2, events: [local(1), local(2)] }, n2: { clock: 1, events: [local(1)] } })),
    ).toBe(true);
    expect(p.check(state({ n1: { clock: 1, events: [local(1), local(1)] }, n2: { clock: 0, events: [] } }))).toBe(
      false,
    );
  });

  it("clockAdvancesWithEveryEvent rejects an event that leaves the clock where it was", () => {
    const p = property("clockAdvancesWithEveryEvent");
    if (p.kind !== "action") throw new Error("not an action property");
    const before = state({ n1: { clock: 1, events: [{ kind: "local", clock: 1 }] } });
    expect(
      p.check(
        before,
        state({
          n1: {
            clock: 2,
            events: [
              { kind: "local", clock: 1 },
              { kind: "local", clock: 2 },
            ],
          },
        }),
      ),
    ).toBe(true);
    expect(
      p.check(
        before,
        state({
          n1: {
            clock: 1,
            events: [
              { kind: "local", clock: 1 },
              { kind: "local", clock: 1 },
            ],
          },
        }),
      ),
    ).toBe(false);
  });
});
