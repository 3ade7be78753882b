/**
 * FIFO delivery over a network that reorders and duplicates messages: the
 * monotonic-counter ordering of the seeds. Each sender numbers the packets it
 * sends to a receiver 1, 2, 3, ...; the receiver delivers packet n from a
 * sender only after n - 1, holding early packets in a reorder buffer and
 * dropping duplicates (numbers it has delivered or already holds). So each
 * message is delivered once, in send order, and on a network that loses
 * nothing every message is delivered.
 *
 * The exported roles `fifoSender` and `fifoReceiver` are what an application
 * runs. The model drives each sender with payloads that name their sender and
 * their position in its send order (a ghost count kept beside the sender's
 * state), and the properties compare the receiver's deliveries with that
 * record, never with the sequence numbers under test.
 */
import { match } from "ts-pattern";
import {
  atTermination,
  become,
  defineProtocol,
  defineRole,
  int,
  invariant,
  nodeOf,
  send,
  type Json,
  type NodeId,
  type ProtocolStateOf,
  type RoleDef,
  numberedIds,
} from "../src/index.js";

/** A numbered packet: the `seq`-th the sender sent to this receiver. */
export interface Packet {
  readonly type: "Packet";
  readonly seq: number;
  readonly payload: Json;
}

/** The sender's application asks it to send `payload` to `to`. */
export interface SendRequest {
  readonly type: "Send";
  readonly to: NodeId;
  readonly payload: Json;
}

/** A sender: how many packets it has sent to each receiver (0 entries absent). */
export interface FifoSender {
  readonly sent: Readonly<Record<NodeId, number>>;
}

/** A sender: numbers each packet with its position on its channel. */
export const fifoSender = defineRole<FifoSender, SendRequest, Packet>({
  init: () => ({ sent: {} }),
  reduce: (s, input) =>
    match(input)
      .with({ type: "Send" }, (i) => {
        const seq = (s.sent[i.to] ?? 0) + 1;
        return become<FifoSender, Packet>(
          { sent: { ...s.sent, [i.to]: seq } },
          send(i.to, { type: "Packet", seq, payload: i.payload }),
        );
      })
      .exhaustive(),
});

/** A packet that arrived early, held until the packets before it are delivered. */
export interface HeldPacket {
  readonly from: NodeId;
  readonly seq: number;
  readonly payload: Json;
}

/** A message handed to the application. */
export interface Delivery {
  readonly from: NodeId;
  readonly payload: Json;
}

/** A receiver. */
export interface FifoReceiver {
  /** Packets delivered from each sender (0 entries absent): the next one expected is this plus one. */
  readonly deliveredFrom: Readonly<Record<NodeId, number>>;
  /** The reorder buffer, ordered by sender then number, without duplicates. */
  readonly buffer: readonly HeldPacket[];
  /** Delivered to the application, in delivery order; the application consumes it. */
  readonly delivered: readonly Delivery[];
}

function bySenderThenSeq(a: HeldPacket, b: HeldPacket): number {
  if (a.from !== b.from) return a.from < b.from ? -1 : 1;
  return a.seq - b.seq;
}

/** `s` after handing the next packet from `from` to the application. */
function deliver(s: FifoReceiver, from: NodeId, payload: Json): FifoReceiver {
  return {
    ...s,
    deliveredFrom: { ...s.deliveredFrom, [from]: (s.deliveredFrom[from] ?? 0) + 1 },
    delivered: [...s.delivered, { from, payload }],
  };
}

/** `s` with `p` from `from` in the reorder buffer, then every packet from `from` that is next in line delivered. */
function holdThenDeliver(s: FifoReceiver, from: NodeId, p: Packet): FifoReceiver {
  let next: FifoReceiver = {
    ...s,
    buffer: [...s.buffer, { from, seq: p.seq, payload: p.payload }].sort(bySenderThenSeq),
  };
  for (let k = nextIndex(next, from); k >= 0; k = nextIndex(next, from)) {
    const ready = next.buffer[k]!;
    next = deliver({ ...next, buffer: next.buffer.filter((_, j) => j !== k) }, from, ready.payload);
  }
  return next;
}

function nextIndex(s: FifoReceiver, from: NodeId): number {
  const want = (s.deliveredFrom[from] ?? 0) + 1;
  return s.buffer.findIndex((h) => h.from === from && h.seq === want);
}

/** A receiver: delivers each sender's packets in number order, once, whatever order and however often they arrive. */
export const fifoReceiver = defineRole<FifoReceiver, Packet>({
  init: () => ({ deliveredFrom: {}, buffer: [], delivered: [] }),
  reduce: (s, input, ctx) =>
    match(input)
      .with({ type: "Packet" }, (p) => {
        const from = ctx.from!;
        const duplicate =
          p.seq <= (s.deliveredFrom[from] ?? 0) || s.buffer.some((h) => h.from === from && h.seq === p.seq);
        return become(duplicate ? s : holdThenDeliver(s, from, p));
      })
      .exhaustive(),
});

/**
 * The bug: no reorder buffer; a packet numbered past the last delivered one is delivered at once, and older ones are
 * dropped as duplicates.
 */
const noReorderBuffer = defineRole<FifoReceiver, Packet>({
  ...fifoReceiver,
  reduce: (s, p, ctx) => {
    const from = ctx.from!;
    if (p.seq <= (s.deliveredFrom[from] ?? 0)) return become(s);
    return become({
      ...s,
      deliveredFrom: { ...s.deliveredFrom, [from]: p.seq },
      delivered: [...s.delivered, { from, payload: p.payload }],
    });
  },
});

/**
 * The bug: duplicates are checked against what was delivered but not against the buffer, so a second copy of a held
 * packet stays there forever.
 */
const bufferDuplicates = defineRole<FifoReceiver, Packet>({
  ...fifoReceiver,
  reduce: (s, p, ctx) => {
    const from = ctx.from!;
    return become(p.seq <= (s.deliveredFrom[from] ?? 0) ? s : holdThenDeliver(s, from, p));
  },
});

// ---------------------------------------------------------------------------
// The model: senders whose application sends `messages` payloads to one
// receiver, counting them itself (the ghost).
// ---------------------------------------------------------------------------

/** A modelled payload: its sender and its position in that sender's send order. */
export interface GhostPayload {
  readonly sender: NodeId;
  readonly n: number;
}

/** A modelled sender: the application's sender and how many sends its application has asked for. */
export interface ModelSender extends FifoSender {
  readonly sends: number;
}

interface Params {
  readonly senders: number;
  readonly messages: number;
  readonly duplicates: number;
}

type State = ProtocolStateOf<{ sender: ReturnType<typeof application>; receiver: typeof fifoReceiver }>;

/** The receiver's node id. */
export const RECEIVER: NodeId = "r";

function ghost(payload: Json): GhostPayload {
  return payload as unknown as GhostPayload;
}

/** Runs `sender` under an application that sends payloads 1..messages, in order, to the receiver. */
function application(
  sender: RoleDef<FifoSender, SendRequest, Packet>,
): RoleDef<ModelSender, SendRequest, Packet, never, Params> {
  return defineRole<ModelSender, SendRequest, Packet, never, Params>({
    init: (ctx) => ({ ...sender.init(ctx), sends: 0 }),
    choices: (s, ctx) => {
      if (s.sends >= ctx.params.messages) return [];
      const payload: GhostPayload = { sender: ctx.self, n: s.sends + 1 };
      return [{ type: "Send", to: RECEIVER, payload: payload as unknown as Json }];
    },
    reduce: (s, input, ctx) => {
      const { sends, ...app } = s;
      const step = sender.reduce(app, input, ctx);
      return step === undefined ? undefined : { state: { ...step.state, sends: sends + 1 }, effects: step.effects };
    },
  });
}

/** The sender ids for `senders` senders: s1..sN. */
export function senderIds(senders: number): readonly NodeId[] {
  return numberedIds("s", senders);
}

function receiver(s: State): FifoReceiver {
  return nodeOf(s, "receiver", RECEIVER);
}

/** FIFO delivery from `senders` senders to one receiver over a network that reorders and may duplicate. */
export const fifoDelivery = defineProtocol({
  name: "fifo-delivery",
  description:
    "per-sender sequence numbers and a reorder buffer: over a reordering, duplicating network each message is delivered once, in send order",
  params: {
    senders: int(2, { min: 1, max: 3, description: "number of senders" }),
    messages: int(3, { min: 1, max: 4, description: "messages each sender sends" }),
    duplicates: int(1, { min: 0, max: 3, description: "how many times the network may duplicate a packet" }),
  },
  network: "unordered",
  nodes: (p) => ({ sender: senderIds(p.senders), receiver: [RECEIVER] }),
  roles: { sender: application(fifoSender), receiver: fifoReceiver },
  faults: (p) => ({ duplicate: p.duplicates }),
  properties: {
    deliveredAtMostOnce: invariant<State, Params>((s) => {
      const ids = receiver(s).delivered.map((d) => `${ghost(d.payload).sender}.${ghost(d.payload).n}`);
      return new Set(ids).size === ids.length;
    }, "the receiver delivers no message twice"),
    deliveredInSendOrder: invariant<State, Params>(
      (s, p) =>
        senderIds(p.senders).every((sender) =>
          receiver(s)
            .delivered.filter((d) => ghost(d.payload).sender === sender)
            .every((d, k) => ghost(d.payload).n === k + 1),
        ),
      "the messages delivered from each sender are its first ones, in the order it sent them (ghost: the application's own count)",
    ),
    everyMessageDelivered: atTermination<State, Params>(
      (s, p) => receiver(s).buffer.length === 0 && receiver(s).delivered.length === p.senders * p.messages,
      "when nothing more can happen, every message sent has been delivered and the reorder buffer is empty",
    ),
  },
  variants: {
    "no-reorder-buffer": {
      description:
        "the receiver has no reorder buffer: it delivers any packet numbered past the last one it delivered, dropping older ones",
      violates: "deliveredInSendOrder",
      roles: { receiver: noReorderBuffer },
    },
    "buffer-duplicates": {
      description:
        "the receiver drops copies of delivered packets but buffers copies of held ones; the second copy is never delivered and never dropped",
      violates: "everyMessageDelivered",
      roles: { receiver: bufferDuplicates },
    },
  },
});
