/**
 * Total-order broadcast through a sequencer (Amoeba, the fixed-sequencer
 * algorithms of Défago, Schiper and Urbán's survey, Kafka's partition leader,
 * the single-leader log of the seeds' chapter on replication), with failover
 * when the sequencer crashes.
 *
 * A node that broadcasts sends its message to the sequencer; the sequencer
 * numbers each message it has not numbered before with the next sequence
 * number and sends it, numbered, to every node; a node delivers message
 * number i + 1 right after message number i, holding back any that arrive
 * early. So every node delivers the same sequence, with no gap and no
 * message twice.
 *
 * Failover: when the sequencer crashes, the next live node (in id order)
 * takes over once every numbered message the old sequencer sent it has
 * arrived (the flush of a view change: the old sequencer sent each numbered
 * message to all nodes at once, so the new one then knows every number ever
 * given); it continues numbering after the highest number it holds, and
 * drops requests for messages it has already seen numbered. A node whose
 * request went to the crashed sequencer, and who has not seen its message
 * numbered, sends it again to the new one.
 *
 * The model: `nodes` nodes, n1 the first sequencer, each broadcasting one
 * message (m1 from n1, ...); an unordered, reliable network (a crash drops
 * the messages to the crashed node); at most `failovers` crashes of the
 * sequencer.
 */
import { produce } from "immer";
import {
  atTermination,
  choose,
  defineSpec,
  int,
  invariant,
  numberedIds,
  setAdd,
  setHas,
  type NodeId,
} from "../src/index.js";

/** A message a node broadcasts, named after its sender: m1 from n1. */
export type MessageId = string;

/** "Please number and send this." To the sequencer. */
export interface RequestMessage {
  readonly type: "Request";
  readonly to: NodeId;
  readonly msg: MessageId;
}

/** "This is message number `seq`." From the sequencer to every node. */
export interface OrderedMessage {
  readonly type: "Ordered";
  readonly to: NodeId;
  readonly seq: number;
  readonly msg: MessageId;
}

/** What travels on the network. */
export type NetworkMessage = RequestMessage | OrderedMessage;

/** A node's state. */
export interface SequencerNode {
  /** The numbered messages it has received: number -> message. */
  readonly received: Readonly<Record<number, MessageId>>;
  /** The messages it has delivered, in order: delivered[i] has number i + 1. */
  readonly delivered: readonly MessageId[];
  /** As the sequencer: the next number to give. */
  readonly nextSeq: number;
  /** The sequencer its last request went to, or null before it broadcasts. */
  readonly requestedFrom: NodeId | null;
}

/** A node that has received nothing and broadcast nothing. */
export const initialNode: SequencerNode = { received: {}, delivered: [], nextSeq: 1, requestedFrom: null };

/**
 * A node receives message number `seq`: it keeps the first message it got
 * with that number and delivers every message that now follows its last
 * delivery without a gap.
 * @example
 * let n = receiveOrdered(initialNode, 2, "m3"); // held back: delivered []
 * n = receiveOrdered(n, 1, "m2"); // delivered ["m2", "m3"]
 */
export function receiveOrdered(node: SequencerNode, seq: number, msg: MessageId): SequencerNode {
  if (node.received[seq] !== undefined) return node;
  const received = { ...node.received, [seq]: msg };
  const delivered = [...node.delivered];
  for (let next = received[delivered.length + 1]; next !== undefined; next = received[delivered.length + 1])
    delivered.push(next);
  return { ...node, received, delivered };
}

/** The highest number a node holds, 0 when none. */
export function highestSeq(node: SequencerNode): number {
  let max = 0;
  for (const seq of Object.keys(node.received)) max = Math.max(max, Number(seq));
  return max;
}

/** True when the node holds `msg` under some number. */
export function hasNumbered(node: SequencerNode, msg: MessageId): boolean {
  return Object.values(node.received).includes(msg);
}

/** True when `a` is a prefix of `b` or `b` of `a`. */
export function prefixRelated(a: readonly MessageId[], b: readonly MessageId[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The state of the model. */
export interface SequencerState {
  readonly nodes: Readonly<Record<NodeId, SequencerNode>>;
  /** The current sequencer (every node learns of a failover from the membership service). */
  readonly sequencer: NodeId;
  /** Crashed nodes, sorted. */
  readonly crashed: readonly NodeId[];
  /** Messages in flight, sorted by their JSON (a multiset). */
  readonly network: readonly NetworkMessage[];
  /** Ghost: the messages broadcast so far, sorted. */
  readonly broadcast: readonly MessageId[];
}

/** Parameter values of the spec. */
export interface SequencerParams {
  readonly nodes: number;
  readonly failovers: number;
}

const nodeIds = (p: SequencerParams): readonly NodeId[] => numberedIds("n", p.nodes);
const messageOf = (node: NodeId): MessageId => `m${node.slice(1)}`;
const isLive = (s: SequencerState, n: NodeId): boolean => !setHas(s.crashed, n);
const key = (m: NetworkMessage): string => JSON.stringify(m);

function withSent(network: readonly NetworkMessage[], sent: readonly NetworkMessage[]): readonly NetworkMessage[] {
  return [...network, ...sent].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function withoutOne(network: readonly NetworkMessage[], m: NetworkMessage): readonly NetworkMessage[] {
  const i = network.findIndex((x) => key(x) === key(m));
  return [...network.slice(0, i), ...network.slice(i + 1)];
}

/** Broadcast(n): n sends its message to the sequencer. */
const Broadcast = choose(
  (_: SequencerState, p: SequencerParams) => nodeIds(p),
  (s: SequencerState, n: NodeId) => {
    const msg = messageOf(n);
    if (!isLive(s, n) || setHas(s.broadcast, msg) || !isLive(s, s.sequencer)) return undefined;
    return produce(s, (d) => {
      d.nodes[n]!.requestedFrom = s.sequencer;
      d.network = withSent(s.network, [{ type: "Request", to: s.sequencer, msg }]) as NetworkMessage[];
      d.broadcast = setAdd(s.broadcast, msg) as MessageId[];
    });
  },
);

/** How the sequencer treats a request for a message it already numbered. */
interface SequencerOptions {
  readonly dedup: boolean;
}

/** Order(request): the sequencer numbers a requested message and sends it to every node (itself at once). */
function orderWith(options: SequencerOptions) {
  return choose(
    (s: SequencerState) => s.network.filter((m): m is RequestMessage => m.type === "Request" && m.to === s.sequencer),
    (s: SequencerState, m: RequestMessage, p: SequencerParams) => {
      const self = s.nodes[m.to]!;
      const network = withoutOne(s.network, m);
      if (options.dedup && hasNumbered(self, m.msg)) return { ...s, network };
      const seq = self.nextSeq;
      const others = nodeIds(p).filter((n) => n !== m.to && isLive(s, n));
      return {
        ...s,
        nodes: { ...s.nodes, [m.to]: { ...receiveOrdered(self, seq, m.msg), nextSeq: seq + 1 } },
        network: withSent(
          network,
          others.map((to) => ({ type: "Ordered", to, seq, msg: m.msg }) satisfies OrderedMessage),
        ),
      };
    },
    (m) => `${m.msg} at ${m.to}`,
  );
}

/** Deliver(message): a numbered message reaches its node. */
const Receive = choose(
  (s: SequencerState) => s.network.filter((m): m is OrderedMessage => m.type === "Ordered"),
  (s: SequencerState, m: OrderedMessage) => ({
    ...s,
    nodes: { ...s.nodes, [m.to]: receiveOrdered(s.nodes[m.to]!, m.seq, m.msg) },
    network: withoutOne(s.network, m),
  }),
  (m) => `#${m.seq}=${m.msg} at ${m.to}`,
);

/** Crash: the sequencer crashes; the messages to it are lost. */
const Crash = (s: SequencerState, p: SequencerParams): SequencerState | undefined => {
  if (!isLive(s, s.sequencer) || s.crashed.length >= p.failovers) return undefined;
  return { ...s, crashed: setAdd(s.crashed, s.sequencer), network: s.network.filter((m) => m.to !== s.sequencer) };
};

/** The next live node after `from` in id order, or null. */
function successor(s: SequencerState, from: NodeId, p: SequencerParams): NodeId | null {
  const ids = nodeIds(p);
  const start = ids.indexOf(from);
  for (let d = 1; d < ids.length; d++) {
    const n = ids[(start + d) % ids.length]!;
    if (isLive(s, n)) return n;
  }
  return null;
}

/** How a new sequencer picks its first number. */
type FirstNumber = (node: SequencerNode) => number;

/** Takeover: the next live node becomes the sequencer once the old one's numbered messages to it have arrived. */
function takeoverWith(first: FirstNumber) {
  return (s: SequencerState, p: SequencerParams): SequencerState | undefined => {
    if (isLive(s, s.sequencer)) return undefined;
    const next = successor(s, s.sequencer, p);
    if (next === null || s.network.some((m) => m.type === "Ordered" && m.to === next)) return undefined;
    const node = s.nodes[next]!;
    return { ...s, sequencer: next, nodes: { ...s.nodes, [next]: { ...node, nextSeq: first(node) } } };
  };
}

/**
 * Resend(n): n's request went to a crashed sequencer and n has not seen its message numbered, so it asks the new one.
 */
const Resend = choose(
  (_: SequencerState, p: SequencerParams) => nodeIds(p),
  (s: SequencerState, n: NodeId) => {
    const node = s.nodes[n]!;
    if (!isLive(s, n) || !isLive(s, s.sequencer) || node.requestedFrom === null || isLive(s, node.requestedFrom))
      return undefined;
    if (hasNumbered(node, messageOf(n))) return undefined;
    return produce(s, (d) => {
      d.nodes[n]!.requestedFrom = s.sequencer;
      d.network = withSent(s.network, [{ type: "Request", to: s.sequencer, msg: messageOf(n) }]) as NetworkMessage[];
    });
  },
);

function liveNodes(s: SequencerState): readonly [NodeId, SequencerNode][] {
  return Object.entries(s.nodes).filter(([n]) => isLive(s, n));
}

/** Total-order broadcast through a sequencer, with failover. */
export const sequencer = defineSpec({
  name: "sequencer",
  description:
    "total-order broadcast through a sequencer with failover: every node delivers the same sequence, with no gap and no duplicate",
  params: {
    nodes: int(3, { min: 2, max: 4, description: "nodes; each broadcasts one message; n1 is the first sequencer" }),
    failovers: int(1, { min: 0, max: 2, description: "sequencer crashes per run (model bound)" }),
  },
  init: (p) => [
    {
      nodes: Object.fromEntries(nodeIds(p).map((n) => [n, initialNode])),
      sequencer: "n1",
      crashed: [],
      network: [],
      broadcast: [],
    } satisfies SequencerState,
  ],
  actions: {
    Broadcast,
    Order: orderWith({ dedup: true }),
    Receive,
    Crash,
    Takeover: takeoverWith((node) => highestSeq(node) + 1),
    Resend,
  },
  properties: {
    everyNumberNamesOneMessage: invariant<SequencerState>((s) => {
      const named: Record<number, MessageId> = {};
      const numbered = [
        ...Object.values(s.nodes).flatMap((n) =>
          Object.entries(n.received).map(([seq, msg]) => ({ seq: Number(seq), msg })),
        ),
        ...s.network.filter((m): m is OrderedMessage => m.type === "Ordered"),
      ];
      return numbered.every(({ seq, msg }) => (named[seq] ??= msg) === msg);
    }, "a sequence number, wherever it is (held by a node or in flight), names one message: no two sequencers give one number twice"),
    everyNodeDeliversTheSameSequence: invariant<SequencerState>((s) => {
      const sequences = Object.values(s.nodes).map((n) => n.delivered);
      return sequences.every((a) => sequences.every((b) => prefixRelated(a, b)));
    }, "the delivered sequences of any two nodes (crashed ones too, up to their crash) are one a prefix of the other"),
    noMessageIsDeliveredTwice: invariant<SequencerState>(
      (s) => Object.values(s.nodes).every((n) => new Set(n.delivered).size === n.delivered.length),
      "no node delivers a message twice, through a failover and the resends it causes",
    ),
    onlyBroadcastMessagesAreDelivered: invariant<SequencerState>(
      (s) => Object.values(s.nodes).every((n) => n.delivered.every((m) => setHas(s.broadcast, m))),
      "a node delivers only messages some node broadcast",
    ),
    liveNodesDeliverEveryLiveNodesMessage: atTermination<SequencerState>((s) => {
      const live = liveNodes(s);
      const expected = live.map(([n]) => messageOf(n)).filter((m) => setHas(s.broadcast, m));
      return live.every(
        ([, node]) =>
          expected.every((m) => node.delivered.includes(m)) &&
          Object.keys(node.received).length === node.delivered.length,
      );
    }, "when nothing more can happen, every live node has delivered every message a live node broadcast, and holds nothing back (no gap)"),
  },
  variants: {
    "restart-numbering": {
      description:
        "the new sequencer starts numbering at 1 again: two messages get the same number, nodes deliver different sequences and some never deliver one of them",
      violates: "everyNumberNamesOneMessage",
      actions: { Takeover: takeoverWith(() => 1) },
    },
    "no-dedup": {
      description:
        "the new sequencer numbers a resent message the old one had already numbered: nodes deliver it twice",
      violates: "noMessageIsDeliveredTwice",
      actions: { Order: orderWith({ dedup: false }) },
    },
  },
});
