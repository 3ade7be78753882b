import { describe, expect, it } from "vitest";
import {
  become,
  cancelTimer,
  defineRole,
  OptionError,
  reply,
  setTimer,
  startNode,
  type NodeContext,
} from "../../src/index.js";
import { resourceManager, transactionManager } from "../../specs/two-phase-commit.js";

const cluster = { tm: ["tm"], rm: ["rm1", "rm2"] };

describe("startNode with a catalogue role (two-phase commit)", () => {
  it("a resource manager prepares, then takes the manager's decision", () => {
    const rm = startNode(resourceManager, { self: "rm1", peers: cluster, params: {} });
    expect(rm.state).toEqual({ rmState: "working" });
    expect(rm.started).toEqual([]);
    expect(rm.handle({ type: "Prepare" })).toEqual([{ type: "send", to: "tm", msg: { type: "Prepared", rm: "rm1" } }]);
    expect(rm.state).toEqual({ rmState: "prepared" });
    expect(rm.handle({ type: "Commit" }, { from: "tm" })).toEqual([]);
    expect(rm.state).toEqual({ rmState: "committed" });
  });

  it("an input the reducer does not accept returns no effect and keeps the state", () => {
    const rm = startNode(resourceManager, { self: "rm2", peers: cluster, params: {} });
    rm.handle({ type: "ChooseToAbort" });
    expect(rm.handle({ type: "Prepare" })).toEqual([]);
    expect(rm.state).toEqual({ rmState: "aborted" });
  });

  it("the manager reads the cluster from ctx.roles: it commits once every RM listed under rm has prepared, and broadcasts to them", () => {
    const tm = startNode(transactionManager, { self: "tm", peers: cluster, params: {} });
    expect(tm.handle({ type: "Prepared", rm: "rm1" }, { from: "rm1" })).toEqual([]);
    expect(tm.handle({ type: "DecideCommit" })).toEqual([]);
    tm.handle({ type: "Prepared", rm: "rm2" }, { from: "rm2" });
    expect(tm.handle({ type: "DecideCommit" })).toEqual([
      { type: "broadcast", to: ["rm1", "rm2"], msg: { type: "Commit" } },
    ]);
    expect(tm.state).toEqual({ tmState: "committed", tmPrepared: ["rm1", "rm2"] });
  });

  it("a node missing from every role of peers is refused, naming the roles", () => {
    expect(() => startNode(resourceManager, { self: "rm9", peers: cluster, params: {} })).toThrow(OptionError);
    expect(() => startNode(resourceManager, { self: "rm9", peers: cluster, params: {} })).toThrow(
      'startNode: node "rm9" is in none of the roles of `peers` (tm, rm); list it under its role',
    );
  });
});

type Timer = { readonly type: "Heartbeat" } | { readonly type: "Timeout"; readonly attempt: number };
type Input = Timer | { readonly type: "Ping" } | { readonly type: "Stop" } | { readonly type: "Pause" };

/** A pinger: a heartbeat every period while running; a Ping is answered with the context it saw. */
const pinger = defineRole<
  { beats: number; paused: boolean; epoch: number },
  Input,
  { type: "Pong"; seen: Omit<NodeContext<{ period: number }>, "params"> & { period: number } },
  Timer,
  { period: number }
>({
  init: () => ({ beats: 0, paused: false, epoch: 0 }),
  initialTimers: () => [{ type: "Heartbeat" }, { type: "Timeout", attempt: 1 }],
  durable: ["epoch"],
  reduce: (s, input, ctx) => {
    switch (input.type) {
      case "Heartbeat":
        return s.paused ? undefined : become({ ...s, beats: s.beats + 1 }, setTimer<Timer>({ type: "Heartbeat" }));
      case "Timeout":
        return become({ ...s, epoch: s.epoch + 1 }, setTimer<Timer>({ type: "Timeout", attempt: input.attempt + 1 }));
      case "Ping": {
        const { params, ...rest } = ctx;
        return become(s, reply(ctx, { type: "Pong" as const, seen: { ...rest, period: params.period } }));
      }
      case "Stop":
        return become(s, cancelTimer<Timer>({ type: "Heartbeat" }));
      case "Pause":
        return become({ ...s, paused: true });
    }
  },
});

describe("startNode: timers are data the app schedules", () => {
  const start = () => startNode(pinger, { self: "a", peers: ["b", "c"], params: { period: 5 } });

  it("starts with the role's initial timers armed and returned as setTimer effects", () => {
    const node = start();
    expect(node.started).toEqual([
      { type: "setTimer", timer: { type: "Heartbeat" } },
      { type: "setTimer", timer: { type: "Timeout", attempt: 1 } },
    ]);
    expect(node.timers).toEqual([{ type: "Heartbeat" }, { type: "Timeout", attempt: 1 }]);
  });

  it("a fired timer is disarmed, runs the reducer, and what it arms is armed", () => {
    const node = start();
    expect(node.handle({ type: "Timeout", attempt: 1 }, { kind: "timer" })).toEqual([
      { type: "setTimer", timer: { type: "Timeout", attempt: 2 } },
    ]);
    expect(node.timers).toEqual([{ type: "Heartbeat" }, { type: "Timeout", attempt: 2 }]);
    expect(node.state).toEqual({ beats: 0, paused: false, epoch: 1 });
  });

  it("a timer that is not armed (never set, or cancelled) is ignored: no effect, no state change", () => {
    const node = start();
    expect(node.handle({ type: "Timeout", attempt: 7 }, { kind: "timer" })).toEqual([]);
    expect(node.handle({ type: "Stop" })).toEqual([{ type: "cancelTimer", timer: { type: "Heartbeat" } }]);
    expect(node.timers).toEqual([{ type: "Timeout", attempt: 1 }]);
    expect(node.handle({ type: "Heartbeat" }, { kind: "timer" })).toEqual([]);
    expect(node.state).toEqual({ beats: 0, paused: false, epoch: 0 });
  });

  it("a timer the reducer does not accept stays armed: the answer is a setTimer to schedule it again", () => {
    const node = start();
    node.handle({ type: "Pause" });
    expect(node.handle({ type: "Heartbeat" }, { kind: "timer" })).toEqual([
      { type: "setTimer", timer: { type: "Heartbeat" } },
    ]);
    expect(node.timers).toEqual([{ type: "Timeout", attempt: 1 }, { type: "Heartbeat" }]);
    expect(node.state).toEqual({ beats: 0, paused: true, epoch: 0 });
  });

  it("the reducer's context: self, the sender, the kind, params, and peers after self", () => {
    const node = start();
    expect(node.handle({ type: "Ping" }, { from: "b" })).toEqual([
      {
        type: "send",
        to: "b",
        msg: {
          type: "Pong",
          seen: { self: "a", from: "b", kind: "message", nodes: ["a", "b", "c"], roles: {}, period: 5 },
        },
      },
    ]);
  });

  it("a Ping without a sender is a local choice, and reply() has nobody to answer", () => {
    expect(() => start().handle({ type: "Ping" })).toThrow("reply() outside a message handler: there is no sender");
  });

  it("a restart keeps the durable fields only", () => {
    const node = startNode(pinger, { self: "a", params: { period: 5 }, durable: { epoch: 3, beats: 9 } });
    expect(node.state).toEqual({ beats: 0, paused: false, epoch: 3 });
  });
});

/** A role whose state is the context of its last input (without params). */
const observer = defineRole<unknown, { type: "Look" }, never, never, Record<string, never>>({
  init: () => undefined,
  reduce: (_, __, { params: _params, ...seen }) => become(seen),
});

describe("startNode: the context a reducer sees", () => {
  it("an input with no sender is a local choice; one with a sender is a message", () => {
    const node = startNode(observer, { self: "a", peers: ["b"], params: {} });
    node.handle({ type: "Look" });
    expect(node.state).toEqual({ self: "a", from: undefined, kind: "choice", nodes: ["a", "b"], roles: {} });
    node.handle({ type: "Look" }, { from: "b" });
    expect(node.state).toEqual({ self: "a", from: "b", kind: "message", nodes: ["a", "b"], roles: {} });
  });

  it("without peers the node is alone, and self listed among peers comes first, once", () => {
    const alone = startNode(observer, { self: "a", params: {} });
    alone.handle({ type: "Look" });
    expect(alone.state).toMatchObject({ nodes: ["a"] });
    const listed = startNode(observer, { self: "b", peers: ["a", "b", "c"], params: {} });
    listed.handle({ type: "Look" });
    expect(listed.state).toMatchObject({ nodes: ["b", "a", "c"] });
  });

  it("a node given roles that list nobody is refused, saying so", () => {
    expect(() => startNode(observer, { self: "a", peers: {}, params: {} })).toThrow(
      'startNode: node "a" is in none of the roles of `peers` (none); list it under its role',
    );
  });
});
