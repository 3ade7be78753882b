/**
 * Lamport's logical clocks ("Time, Clocks, and the Ordering of Events in a
 * Distributed System", 1978). Each process keeps a counter; it ticks before
 * every event, stamps every message it sends, and on receipt jumps past the
 * stamp: `max(local, stamp) + 1`. The clock condition follows: if event a
 * happened before event b then C(a) < C(b), and ordering events by
 * (clock, process) gives a total order that extends happened-before.
 *
 * The exported `lamportTick` and `lamportOrder` are what an application uses.
 * The model runs them in processes that make local events, send to each
 * other and receive in any order, and keeps a ghost record of every event
 * (its clock, and for a receive, which send it received) so happened-before
 * is computed from the event graph, never from the clocks under test.
 */
import { produce } from "immer";
import { match } from "ts-pattern";
import {
  become,
  defineProtocol,
  defineRole,
  int,
  invariant,
  onEveryStep,
  send,
  type NodeId,
  type ProtocolState,
  type RoleDef,
  numberedIds,
} from "../src/index.js";

/**
 * What happens at a process: an internal event, a send (which stamps the message), or the receipt of a stamped message.
 */
export type ClockEvent =
  { readonly type: "Local" } | { readonly type: "Send" } | { readonly type: "Receive"; readonly stamp: number };

/**
 * Lamport's rules IR1 and IR2: the clock after `event`, which is also the
 * event's timestamp (and, for a send, the stamp the message carries).
 * @example
 * lamportTick(0, { type: "Send" })              // 1: the message carries 1
 * lamportTick(0, { type: "Receive", stamp: 4 }) // 5
 */
export function lamportTick(clock: number, event: ClockEvent): number {
  return match(event)
    .with({ type: "Local" }, { type: "Send" }, () => clock + 1)
    .with({ type: "Receive" }, (e) => Math.max(clock, e.stamp) + 1)
    .exhaustive();
}

/** A timestamped event: its Lamport clock and the process it happened at. */
export interface Timestamp {
  readonly clock: number;
  readonly node: NodeId;
}

/**
 * Lamport's total order on events: by clock, ties broken by process id.
 * A comparator (negative, zero, positive) for `Array.prototype.sort`.
 */
export function lamportOrder(a: Timestamp, b: Timestamp): number {
  if (a.clock !== b.clock) return a.clock - b.clock;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

// ---------------------------------------------------------------------------
// The model: processes with a ghost log of their events.
// ---------------------------------------------------------------------------

/** A reference to the `index`-th event of process `node` (ghost). */
export interface EventRef {
  readonly node: NodeId;
  readonly index: number;
}

/** One event in a process's ghost log: its kind, its timestamp and, for a receive, the send it received. */
export interface ClockEventRecord {
  readonly kind: "local" | "send" | "receive";
  readonly clock: number;
  readonly sentAt?: EventRef;
}

/** A modelled process: its Lamport clock and the ghost log of its events, oldest first. */
export interface LamportProcess {
  readonly clock: number;
  readonly events: readonly ClockEventRecord[];
}

/** A message: the sender's stamp, and (ghost) which send event it is. */
export interface StampedMessage {
  readonly type: "Stamped";
  readonly stamp: number;
  readonly sentAt: EventRef;
}

/** A process's inputs: its own local event or send, or a message. */
export type LamportInput = { readonly type: "Local" } | { readonly type: "Send"; readonly to: NodeId } | StampedMessage;

type Tick = (clock: number, event: ClockEvent) => number;
type State = ProtocolState<LamportProcess, StampedMessage>;
interface Params {
  readonly processes: number;
  readonly events: number;
}

function spontaneousEvents(s: LamportProcess): number {
  return s.events.filter((e) => e.kind !== "receive").length;
}

/** A modelled process that advances its clock with `tick`; at most `events` local events and sends each. */
function lamportProcess(tick: Tick): RoleDef<LamportProcess, LamportInput, StampedMessage, never, Params> {
  const log = (s: LamportProcess, record: ClockEventRecord): LamportProcess =>
    produce(s, (d) => {
      d.clock = record.clock;
      d.events.push(record);
    });
  return defineRole<LamportProcess, LamportInput, StampedMessage, never, Params>({
    init: () => ({ clock: 0, events: [] }),
    choices: (_s, ctx) => [
      { type: "Local" },
      ...ctx.nodes.filter((n) => n !== ctx.self).map((to) => ({ type: "Send", to }) as const),
    ],
    reduce: (s, input, ctx) =>
      match(input)
        .with({ type: "Local" }, () =>
          spontaneousEvents(s) >= ctx.params.events
            ? undefined
            : become(log(s, { kind: "local", clock: tick(s.clock, { type: "Local" }) })),
        )
        .with({ type: "Send" }, (i) => {
          if (spontaneousEvents(s) >= ctx.params.events) return undefined;
          const clock = tick(s.clock, { type: "Send" });
          const msg: StampedMessage = {
            type: "Stamped",
            stamp: clock,
            sentAt: { node: ctx.self, index: s.events.length },
          };
          return become(log(s, { kind: "send", clock }), send(i.to, msg));
        })
        .with({ type: "Stamped" }, (m) =>
          become(
            log(s, { kind: "receive", clock: tick(s.clock, { type: "Receive", stamp: m.stamp }), sentAt: m.sentAt }),
          ),
        )
        .exhaustive(),
  });
}

/** Lamport's receive rule broken: the clock ticks past its own value only, ignoring the stamp. */
function receiveWithoutMax(clock: number, event: ClockEvent): number {
  return event.type === "Receive" ? clock + 1 : lamportTick(clock, event);
}

/** An event of the whole run: where it happened, its ghost record, and the events that directly precede it. */
export interface GraphEvent<E> {
  readonly node: NodeId;
  readonly record: E;
  /** Its process's previous event and, for a receive, the send it received (indices into the graph's events). */
  readonly before: readonly number[];
}

/** The happened-before relation of a run, from its ghost event logs. */
export interface EventGraph<E> {
  readonly events: readonly GraphEvent<E>[];
  /** Lamport's ->: the transitive closure of process order and send-receive. */
  happenedBefore(a: number, b: number): boolean;
}

/**
 * The event graph of ghost logs (each process's events, oldest first; a
 * receive names its send in `sentAt`), with happened-before computed as
 * reachability over it: independent of any clock.
 */
export function eventGraph<E extends { readonly sentAt?: EventRef }>(
  logs: Readonly<Record<NodeId, { readonly events: readonly E[] }>>,
): EventGraph<E> {
  const ids = Object.keys(logs).sort();
  const offset = new Map<NodeId, number>();
  let total = 0;
  for (const id of ids) {
    offset.set(id, total);
    total += logs[id]!.events.length;
  }
  const events: GraphEvent<E>[] = [];
  for (const id of ids) {
    logs[id]!.events.forEach((record, k) => {
      const before: number[] = k > 0 ? [offset.get(id)! + k - 1] : [];
      if (record.sentAt !== undefined) before.push(offset.get(record.sentAt.node)! + record.sentAt.index);
      events.push({ node: id, record, before });
    });
  }
  // The causal past of each event as a bit set (hand-rolled: properties run on every state).
  const words = Math.ceil(total / 32);
  const past = new Array<Uint32Array | undefined>(total);
  const pastOf = (b: number): Uint32Array => {
    const known = past[b];
    if (known) return known;
    const set = new Uint32Array(words);
    for (const a of events[b]!.before) {
      set[a >>> 5]! |= 1 << (a & 31);
      const pa = pastOf(a);
      for (let w = 0; w < words; w++) set[w]! |= pa[w]!;
    }
    past[b] = set;
    return set;
  };
  return { events, happenedBefore: (a, b) => (pastOf(b)[a >>> 5]! & (1 << (a & 31))) !== 0 };
}

/** True when `ok` holds for every ordered pair of distinct events of the ghost logs. */
export function everyOrderedPair<E extends { readonly sentAt?: EventRef }>(
  logs: Readonly<Record<NodeId, { readonly events: readonly E[] }>>,
  ok: (a: GraphEvent<E>, b: GraphEvent<E>, aHappenedBeforeB: boolean) => boolean,
): boolean {
  const { events, happenedBefore } = eventGraph(logs);
  for (let a = 0; a < events.length; a++) {
    for (let b = 0; b < events.length; b++) {
      if (a !== b && !ok(events[a]!, events[b]!, happenedBefore(a, b))) return false;
    }
  }
  return true;
}

function stamp(e: GraphEvent<ClockEventRecord>): Timestamp {
  return { clock: e.record.clock, node: e.node };
}

/** The process ids for `processes` processes: n1..nN. */
export function processIds(processes: number): readonly NodeId[] {
  return numberedIds("n", processes);
}

/** Lamport clocks over processes that exchange messages in any order. */
export const lamportClock = defineProtocol({
  name: "lamport-clock",
  description:
    "Lamport's logical clocks: happened-before implies a smaller clock, and (clock, process) totally orders events consistently with it",
  params: {
    processes: int(3, { min: 2, max: 4, description: "number of processes" }),
    events: int(1, { min: 1, max: 3, description: "local events and sends per process (receives are not counted)" }),
  },
  network: "unordered",
  nodes: (p) => ({ process: processIds(p.processes) }),
  roles: { process: lamportProcess(lamportTick) },
  properties: {
    clockCondition: invariant<State, Params>(
      (s) => everyOrderedPair(s.nodes, (a, b, aBeforeB) => !aBeforeB || a.record.clock < b.record.clock),
      "if a happened before b (ghost event graph) then C(a) < C(b)",
    ),
    totalOrderExtendsHappenedBefore: invariant<State, Params>(
      (s) =>
        everyOrderedPair(s.nodes, (a, b, aBeforeB) =>
          aBeforeB ? lamportOrder(stamp(a), stamp(b)) < 0 : lamportOrder(stamp(a), stamp(b)) !== 0,
        ),
      "ordering events by (clock, process) never ties two events and puts a before b whenever a happened before b",
    ),
    clockAdvancesWithEveryEvent: onEveryStep<State, Params>(
      (prev, next) =>
        Object.keys(next.nodes).every((id) => {
          const before = prev.nodes[id]!;
          const after = next.nodes[id]!;
          return after.events.length === before.events.length || after.clock > before.clock;
        }),
      "a process's clock increases between any two of its events (IR1)",
    ),
  },
  variants: {
    "receive-without-max": {
      description: "on receipt the clock ticks past its own value only (local + 1), ignoring the message's stamp",
      violates: "clockCondition",
      roles: { process: lamportProcess(receiveWithoutMax) },
    },
  },
});
