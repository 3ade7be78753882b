/**
 * A heartbeat failure detector (the health check of a load balancer or a
 * service registry): every node sends a heartbeat each tick, and a monitor
 * suspects a node it has not heard from for more than `timeout` ticks.
 *
 * Whether that is right depends on what the network promises. When every
 * message arrives within a known bound of `delayBound` ticks and the timeout
 * is above it, the detector is perfect: it never suspects a live node
 * (accuracy), and it suspects a crashed node within `timeout + delayBound`
 * ticks of its last heartbeat (completeness). When delay is unbounded no
 * timeout is safe: a slow node cannot be told from a crashed one, and the
 * checker finds a live node suspected for every timeout.
 *
 * Time is explicit: `Tick` advances real time, makes live nodes send their
 * heartbeat and makes the monitor check its timeouts. With a bound, a tick
 * cannot pass while a message is about to outlive it.
 */
import { castDraft, produce } from "immer";
import { match } from "ts-pattern";
import {
  choose,
  defineSpec,
  int,
  invariant,
  oneOf,
  setAdd,
  setHas,
  setRemove,
  numberedIds,
  type NodeId,
} from "../src/index.js";

/** The monitor's state: when it last heard from each node, and whom it suspects (a sorted set). */
export interface MonitorState {
  readonly lastHeard: Readonly<Record<NodeId, number>>;
  readonly suspected: readonly NodeId[];
}

/** What the monitor reacts to: a heartbeat from a node, or a tick of its clock (real time `now` has advanced). */
export type MonitorInput = { readonly type: "Heartbeat"; readonly from: NodeId } | { readonly type: "Tick" };

/** The monitor's configuration and its clock reading. */
export interface MonitorContext {
  readonly now: number;
  /** Ticks of silence the monitor tolerates before it suspects a node. */
  readonly timeout: number;
}

/** A monitor that has just heard from every node in `nodes` at time `now`. */
export function initialMonitor(nodes: readonly NodeId[], now: number): MonitorState {
  return { lastHeard: Object.fromEntries(nodes.map((n) => [n, now])), suspected: [] };
}

/**
 * The monitor's step: a heartbeat clears suspicion of its sender; a tick
 * suspects every node silent for more than `timeout` ticks.
 * @example
 * let m = initialMonitor(["n1"], 0);
 * m = monitorStep(m, { type: "Tick" }, { now: 3, timeout: 2 }); // suspected: ["n1"]
 * m = monitorStep(m, { type: "Heartbeat", from: "n1" }, { now: 3, timeout: 2 }); // suspected: []
 */
export function monitorStep(state: MonitorState, input: MonitorInput, ctx: MonitorContext): MonitorState {
  return match(input)
    .with({ type: "Heartbeat" }, ({ from }) =>
      produce(state, (d) => {
        d.lastHeard[from] = ctx.now;
        d.suspected = setRemove(state.suspected, from) as NodeId[];
      }),
    )
    .with({ type: "Tick" }, () =>
      produce(state, (d) => {
        for (const [node, heard] of Object.entries(state.lastHeard)) {
          if (ctx.now - heard > ctx.timeout) d.suspected = setAdd(d.suspected, node) as NodeId[];
        }
      }),
    )
    .exhaustive();
}

/** True when the monitor suspects `node`. */
export function isSuspected(state: MonitorState, node: NodeId): boolean {
  return setHas(state.suspected, node);
}

/** A heartbeat in flight. */
export interface Heartbeat {
  readonly from: NodeId;
  readonly sentAt: number;
}

/** A monitored node: alive or crashed, and when it sent its last heartbeat. */
export interface MonitoredNode {
  readonly alive: boolean;
  readonly lastSent: number;
}

/** The state of the model. */
export interface FailureDetectorState {
  readonly now: number;
  readonly nodes: Readonly<Record<NodeId, MonitoredNode>>;
  /** Heartbeats in flight, sorted by sender then send time. */
  readonly inFlight: readonly Heartbeat[];
  readonly monitor: MonitorState;
  readonly crashes: number;
}

/** The delay bound values: a number of ticks, or no bound at all. */
export const DELAY_BOUNDS = ["0", "1", "2", "3", "unbounded"] as const;

/** Parameter values of the spec. */
export interface FailureDetectorParams {
  readonly nodes: number;
  readonly timeout: number;
  readonly delayBound: (typeof DELAY_BOUNDS)[number];
  readonly horizon: number;
  readonly crashes: number;
}

/** The delay bound in ticks, or undefined when delay is unbounded. */
export function delayTicks(p: Pick<FailureDetectorParams, "delayBound">): number | undefined {
  return p.delayBound === "unbounded" ? undefined : Number(p.delayBound);
}

function nodeIds(n: number): readonly NodeId[] {
  return numberedIds("n", n);
}

function byOrder(a: Heartbeat, b: Heartbeat): number {
  return a.from < b.from ? -1 : a.from > b.from ? 1 : a.sentAt - b.sentAt;
}

/** Heartbeat failure detection with an explicit clock and a known or unbounded message delay. */
export const failureDetector = defineSpec({
  name: "failure-detector",
  description: "heartbeats and a timeout: perfect detection under a known delay bound, false suspicion without one",
  params: {
    nodes: int(2, { min: 1, max: 3, description: "monitored nodes" }),
    timeout: int(3, { min: 0, max: 8, description: "ticks of silence before the monitor suspects a node" }),
    delayBound: oneOf(DELAY_BOUNDS, "2", { description: "ticks within which every message arrives, or unbounded" }),
    horizon: int(6, { min: 1, max: 10, description: "real-time ticks explored (model bound)" }),
    crashes: int(1, { min: 0, max: 3, description: "node crashes per run (model bound)" }),
  },
  init: (p) => {
    const ids = nodeIds(p.nodes);
    return [
      {
        now: 0,
        nodes: Object.fromEntries(ids.map((id) => [id, { alive: true, lastSent: 0 }])),
        inFlight: ids.map((from) => ({ from, sentAt: 0 })),
        monitor: initialMonitor(ids, 0),
        crashes: 0,
      },
    ];
  },
  actions: {
    Tick: (s: FailureDetectorState, p: FailureDetectorParams) => {
      const bound = delayTicks(p);
      // Under a delay bound, time cannot pass while a message would outlive it.
      if (bound !== undefined && s.inFlight.some((m) => m.sentAt + bound <= s.now)) return undefined;
      const now = s.now + 1;
      return produce(s, (d) => {
        d.now = now;
        d.monitor = castDraft(monitorStep(s.monitor, { type: "Tick" }, { now, timeout: p.timeout }));
        for (const [id, node] of Object.entries(s.nodes)) {
          if (!node.alive) continue;
          d.nodes[id]!.lastSent = now;
          d.inFlight.push({ from: id, sentAt: now });
        }
        d.inFlight.sort(byOrder);
      });
    },
    Deliver: choose(
      (s: FailureDetectorState) => s.inFlight,
      (s: FailureDetectorState, m: Heartbeat, p: FailureDetectorParams) =>
        produce(s, (d) => {
          d.inFlight = s.inFlight.filter((x) => x !== m);
          d.monitor = castDraft(
            monitorStep(s.monitor, { type: "Heartbeat", from: m.from }, { now: s.now, timeout: p.timeout }),
          );
        }),
      (m) => `${m.from}@${m.sentAt}`,
    ),
    Crash: choose(
      (s: FailureDetectorState) => Object.keys(s.nodes),
      (s: FailureDetectorState, id: NodeId, p: FailureDetectorParams) =>
        !s.nodes[id]!.alive || s.crashes >= p.crashes
          ? undefined
          : produce(s, (d) => {
              d.nodes[id]!.alive = false;
              d.crashes += 1;
            }),
    ),
  },
  constraint: (s, p) => s.now <= p.horizon,
  properties: {
    noLiveNodeSuspected: invariant<FailureDetectorState>(
      (s) => s.monitor.suspected.every((id) => !s.nodes[id]!.alive),
      "accuracy: the monitor never suspects a node that is alive",
    ),
    crashedNodeSuspectedInTime: invariant<FailureDetectorState, FailureDetectorParams>((s, p) => {
      const bound = delayTicks(p);
      if (bound === undefined) return true; // no delay bound, no time bound to claim
      return Object.entries(s.nodes).every(
        ([id, node]) => node.alive || s.now - node.lastSent <= p.timeout + bound || isSuspected(s.monitor, id),
      );
    }, "completeness: a crashed node is suspected once timeout + delayBound ticks have passed since its last heartbeat"),
  },
  variants: {
    "timeout-below-delay": {
      description:
        "the timeout (1 tick) is shorter than the delay bound (2 ticks): a slow heartbeat gets a live node suspected",
      violates: "noLiveNodeSuspected",
      params: { timeout: 1 },
    },
    "unbounded-delay": {
      description:
        "no delay bound: whatever the timeout, a live node whose heartbeats are slow is suspected (slow cannot be told from crashed)",
      violates: "noLiveNodeSuspected",
      params: { delayBound: "unbounded" },
    },
  },
});
