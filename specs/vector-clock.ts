/**
 * Vector clocks (Fidge and Mattern, 1988). Each process keeps one counter per
 * process; it increments its own entry at every event, stamps every message
 * with its vector, and on receipt takes the entry-wise maximum with the stamp
 * before incrementing its own entry. Then a happened before b exactly when
 * V(a) < V(b) (every entry <=, some <), and concurrent events have
 * incomparable vectors: two concurrent updates are detected as a conflict.
 *
 * The exported `vectorTick` and `compareVectors` are what an application
 * uses (e.g. a replicated store tagging versions). The model runs them in
 * processes that make local events, send to each other and receive in any
 * order, with the same ghost event log as `lamport-clock`: happened-before
 * comes from the event graph, never from the vectors under test.
 */
import { produce } from "immer";
import { match } from "ts-pattern";
import {
  become,
  defineProtocol,
  defineRole,
  int,
  invariant,
  send,
  type NodeId,
  type ProtocolState,
  type RoleDef,
} from "../src/index.js";
import { eventGraph, processIds, type EventRef } from "./lamport-clock.js";

/**
 * A vector clock: events seen from each process. Entries that are 0 are
 * absent, so every vector has one plain-data form.
 */
export type VectorClock = Readonly<Record<NodeId, number>>;

/**
 * What happens at a process: an internal event, a send (which stamps the message), or the receipt of a stamped message.
 */
export type VectorEvent =
  { readonly type: "Local" } | { readonly type: "Send" } | { readonly type: "Receive"; readonly stamp: VectorClock };

/** The entry-wise maximum of two vectors. */
export function mergeVectors(a: VectorClock, b: VectorClock): VectorClock {
  const merged: Record<NodeId, number> = { ...a };
  for (const [node, n] of Object.entries(b)) merged[node] = Math.max(merged[node] ?? 0, n);
  return merged;
}

function increment(clock: VectorClock, self: NodeId): VectorClock {
  return { ...clock, [self]: (clock[self] ?? 0) + 1 };
}

/**
 * The vector clock of process `self` after `event`, which is also the event's
 * timestamp (and, for a send, the stamp the message carries).
 * @example
 * vectorTick({}, "a", { type: "Send" })                                // { a: 1 }
 * vectorTick({ b: 2 }, "b", { type: "Receive", stamp: { a: 1 } })      // { a: 1, b: 3 }
 */
export function vectorTick(clock: VectorClock, self: NodeId, event: VectorEvent): VectorClock {
  return match(event)
    .with({ type: "Local" }, { type: "Send" }, () => increment(clock, self))
    .with({ type: "Receive" }, (e) => increment(mergeVectors(clock, e.stamp), self))
    .exhaustive();
}

/** How two timestamps are related: `before` means the first happened before the second. */
export type Causality = "before" | "after" | "equal" | "concurrent";

/**
 * Compares two vector clocks. `concurrent` (neither is <= the other) is how
 * an application detects conflicting updates.
 * @example compareVectors({ a: 1 }, { b: 1 }) // "concurrent"
 */
export function compareVectors(a: VectorClock, b: VectorClock): Causality {
  let less = false;
  let greater = false;
  for (const node of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[node] ?? 0;
    const y = b[node] ?? 0;
    if (x < y) less = true;
    if (x > y) greater = true;
  }
  if (less && greater) return "concurrent";
  return less ? "before" : greater ? "after" : "equal";
}

// ---------------------------------------------------------------------------
// The model: processes with a ghost log of their events.
// ---------------------------------------------------------------------------

/** One event in a process's ghost log: its kind, its vector timestamp and, for a receive, the send it received. */
export interface VectorEventRecord {
  readonly kind: "local" | "send" | "receive";
  readonly clock: VectorClock;
  readonly sentAt?: EventRef;
}

/** A modelled process: its vector clock and the ghost log of its events, oldest first. */
export interface VectorProcess {
  readonly clock: VectorClock;
  readonly events: readonly VectorEventRecord[];
}

/** A message: the sender's vector, and (ghost) which send event it is. */
export interface VectorMessage {
  readonly type: "Stamped";
  readonly stamp: VectorClock;
  readonly sentAt: EventRef;
}

/** A process's inputs: its own local event or send, or a message. */
export type VectorInput = { readonly type: "Local" } | { readonly type: "Send"; readonly to: NodeId } | VectorMessage;

type Tick = (clock: VectorClock, self: NodeId, event: VectorEvent) => VectorClock;
type State = ProtocolState<VectorProcess, VectorMessage>;
interface Params {
  readonly processes: number;
  readonly events: number;
}

function spontaneousEvents(s: VectorProcess): number {
  return s.events.filter((e) => e.kind !== "receive").length;
}

/** A modelled process that advances its clock with `tick`; at most `events` local events and sends each. */
function vectorProcess(tick: Tick): RoleDef<VectorProcess, VectorInput, VectorMessage, never, Params> {
  const log = (s: VectorProcess, record: VectorEventRecord): VectorProcess =>
    produce(s, (d) => {
      d.clock = record.clock;
      d.events.push(record);
    });
  return defineRole<VectorProcess, VectorInput, VectorMessage, never, Params>({
    init: () => ({ clock: {}, events: [] }),
    choices: (_s, ctx) => [
      { type: "Local" },
      ...ctx.nodes.filter((n) => n !== ctx.self).map((to) => ({ type: "Send", to }) as const),
    ],
    reduce: (s, input, ctx) =>
      match(input)
        .with({ type: "Local" }, () =>
          spontaneousEvents(s) >= ctx.params.events
            ? undefined
            : become(log(s, { kind: "local", clock: tick(s.clock, ctx.self, { type: "Local" }) })),
        )
        .with({ type: "Send" }, (i) => {
          if (spontaneousEvents(s) >= ctx.params.events) return undefined;
          const clock = tick(s.clock, ctx.self, { type: "Send" });
          const msg: VectorMessage = {
            type: "Stamped",
            stamp: clock,
            sentAt: { node: ctx.self, index: s.events.length },
          };
          return become(log(s, { kind: "send", clock }), send(i.to, msg));
        })
        .with({ type: "Stamped" }, (m) =>
          become(
            log(s, {
              kind: "receive",
              clock: tick(s.clock, ctx.self, { type: "Receive", stamp: m.stamp }),
              sentAt: m.sentAt,
            }),
          ),
        )
        .exhaustive(),
  });
}

/** The receive rule broken: merges the stamp but does not count the receive itself. */
function mergeWithoutIncrement(clock: VectorClock, self: NodeId, event: VectorEvent): VectorClock {
  return event.type === "Receive" ? mergeVectors(clock, event.stamp) : vectorTick(clock, self, event);
}

/** True when `ok` holds for every unordered pair of distinct events, given how they are related by the ghost graph. */
function everyPair(
  s: State,
  ok: (a: VectorEventRecord, b: VectorEventRecord, relation: "before" | "after" | "concurrent") => boolean,
): boolean {
  const { events, happenedBefore } = eventGraph(s.nodes);
  for (let a = 0; a < events.length; a++) {
    for (let b = a + 1; b < events.length; b++) {
      const relation = happenedBefore(a, b) ? "before" : happenedBefore(b, a) ? "after" : "concurrent";
      if (!ok(events[a]!.record, events[b]!.record, relation)) return false;
    }
  }
  return true;
}

/** Vector clocks over processes that exchange messages in any order. */
export const vectorClock = defineProtocol({
  name: "vector-clock",
  description:
    "vector clocks: a happened before b exactly when V(a) < V(b); concurrent events are incomparable (conflicts are detected)",
  params: {
    processes: int(3, { min: 2, max: 4, description: "number of processes" }),
    events: int(1, { min: 1, max: 3, description: "local events and sends per process (receives are not counted)" }),
  },
  network: "unordered",
  nodes: (p) => ({ process: processIds(p.processes) }),
  roles: { process: vectorProcess(vectorTick) },
  properties: {
    happenedBeforeIffVectorLess: invariant<State, Params>(
      (s) =>
        everyPair(s, (a, b, relation) => {
          const cmp = compareVectors(a.clock, b.clock);
          return relation === "concurrent" ? cmp !== "before" && cmp !== "after" : cmp === relation;
        }),
      "for distinct events, a happened before b (ghost event graph) exactly when V(a) < V(b)",
    ),
    concurrentEventsAreIncomparable: invariant<State, Params>(
      (s) =>
        everyPair(
          s,
          (a, b, relation) => relation !== "concurrent" || compareVectors(a.clock, b.clock) === "concurrent",
        ),
      "events unrelated by happened-before have incomparable vectors, so concurrent updates are detected as conflicts",
    ),
    ownEntryCountsOwnEvents: invariant<State, Params>(
      (s) => Object.entries(s.nodes).every(([id, p]) => p.events.every((e, k) => (e.clock[id] ?? 0) === k + 1)),
      "a process's own entry in an event's vector is that event's position in its log",
    ),
  },
  variants: {
    "merge-without-increment": {
      description:
        "on receipt the process merges the stamp but does not increment its own entry, so a receive can carry its send's vector",
      violates: "happenedBeforeIffVectorLess",
      roles: { process: vectorProcess(mergeWithoutIncrement) },
    },
  },
});
