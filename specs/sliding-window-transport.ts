/**
 * A TCP-like transport over a network that loses, duplicates and reorders
 * segments: a three-way handshake (SYN, SYN-ACK carrying the receive window,
 * ACK), one-byte segments numbered by sequence number, cumulative
 * acknowledgements that advertise the window, a receiver that buffers
 * out-of-order segments inside its window, and a sender that retransmits the
 * oldest unacknowledged segment on a retransmission timeout. The application
 * on the receiving side gets every byte exactly once and in order, and the
 * sender never has more than the advertised window W of bytes unacknowledged.
 *
 * The exported roles `transportSender` and `transportReceiver` are what an
 * application runs; the model caps retransmissions per segment (and of the
 * SYN) at `retransmits`, a bound kept outside the exported reducers.
 */
import { match } from "ts-pattern";
import {
  atTermination,
  become,
  cancelTimer,
  defineProtocol,
  defineRole,
  int,
  invariant,
  nodeOf,
  reply,
  send,
  setAdd,
  setTimer,
  type NodeId,
  type ProtocolStateOf,
  type RoleDef,
} from "../src/index.js";
import { countRetransmission } from "./retransmissions.js";

/** The segments of the protocol. */
export type Segment =
  | { readonly type: "Syn" }
  | { readonly type: "SynAck"; readonly window: number }
  | { readonly type: "HandshakeAck" }
  /** The byte numbered `seq` (its value is its number: the model needs no other payload). */
  | { readonly type: "Data"; readonly seq: number }
  /** Every byte before `ack` arrived; the receiver accepts bytes up to `ack + window - 1`. */
  | { readonly type: "Ack"; readonly ack: number; readonly window: number };

/** The sender's retransmission timeout. */
export interface Rto {
  readonly type: "Rto";
}

/** The sender's application: open the connection, send the next byte. */
export type SenderCommand = { readonly type: "Connect" } | { readonly type: "SendByte"; readonly bytes: number };

/** The sender's state. */
export interface TransportSender {
  readonly phase: "closed" | "synSent" | "established";
  /** The window the receiver last advertised. */
  readonly window: number;
  /** Oldest unacknowledged byte. */
  readonly base: number;
  /** Next byte to send. */
  readonly next: number;
}

/** The sender's node id. */
export const SENDER: NodeId = "snd";
/** The receiver's node id. */
export const RECEIVER: NodeId = "rcv";

type SenderStep = ReturnType<typeof become<TransportSender, Segment, Rto>>;
const RTO: Rto = { type: "Rto" };

/** Options of `senderWith`: whether the advertised window limits sending (false only in the broken variant). */
interface SenderOptions {
  readonly respectWindow: boolean;
}

/**
 * May the sender send byte `next` now? Only while established and while the
 * bytes in flight (`next - base`) are fewer than the advertised window.
 * @example canSend({ phase: "established", window: 2, base: 3, next: 5 }) // false
 */
export function canSend(s: TransportSender): boolean {
  return s.phase === "established" && s.next - s.base < s.window;
}

function senderWith(options: SenderOptions) {
  return defineRole<TransportSender, SenderCommand | Segment | Rto, Segment, Rto>({
    init: () => ({ phase: "closed", window: 0, base: 0, next: 0 }),
    durable: [],
    reduce: (s, input) =>
      match(input)
        .with({ type: "Connect" }, (): SenderStep | undefined =>
          s.phase === "closed"
            ? become({ ...s, phase: "synSent" }, send(RECEIVER, { type: "Syn" }), setTimer(RTO))
            : undefined,
        )
        .with({ type: "SendByte" }, (c): SenderStep | undefined => {
          if (s.phase !== "established" || s.next >= c.bytes) return undefined;
          if (options.respectWindow && !canSend(s)) return undefined;
          return become({ ...s, next: s.next + 1 }, send(RECEIVER, { type: "Data", seq: s.next }), setTimer(RTO));
        })
        .with({ type: "SynAck" }, (a): SenderStep => {
          // A duplicated SYN-ACK is answered again: the receiver may not have our ACK.
          const state: TransportSender = s.phase === "synSent" ? { ...s, phase: "established", window: a.window } : s;
          const effects = s.phase === "synSent" ? [cancelTimer(RTO)] : [];
          return become(state, send(RECEIVER, { type: "HandshakeAck" }), ...effects);
        })
        .with({ type: "Ack" }, (a): SenderStep => {
          if (s.phase !== "established" || a.ack <= s.base)
            return become(s.phase === "established" ? { ...s, window: a.window } : s);
          const next: TransportSender = { ...s, base: a.ack, window: a.window };
          return become(next, next.base === next.next ? cancelTimer(RTO) : setTimer(RTO));
        })
        .with({ type: "Rto" }, (): SenderStep | undefined => {
          if (s.phase === "synSent") return become(s, send(RECEIVER, { type: "Syn" }), setTimer(RTO));
          if (s.phase === "established" && s.base < s.next)
            return become(s, send(RECEIVER, { type: "Data", seq: s.base }), setTimer(RTO));
          return undefined;
        })
        .with({ type: "Syn" }, { type: "HandshakeAck" }, { type: "Data" }, (): SenderStep => become(s))
        .exhaustive(),
  });
}

/** The sender: handshake, then bytes within the advertised window, the oldest retransmitted on timeout. */
export const transportSender = senderWith({ respectWindow: true });

/** The receiver's state. */
export interface TransportReceiver {
  readonly phase: "listen" | "synReceived" | "established";
  /** Next in-order byte expected. */
  readonly expected: number;
  /** Out-of-order bytes held inside the window (a sorted set). */
  readonly buffer: readonly number[];
  /** Bytes handed to the application, in order. */
  readonly delivered: readonly number[];
}

/**
 * Accepts byte `seq` into a receiver with a window of `window` bytes: bytes
 * before `expected` are duplicates, bytes at or beyond `expected + window`
 * are outside the window (both dropped); the rest are buffered, and the
 * in-order run from `expected` is delivered.
 * @example accept({ phase: "established", expected: 0, buffer: [1], delivered: [] }, 0, 2).delivered // [0, 1]
 */
export function accept(r: TransportReceiver, seq: number, window: number): TransportReceiver {
  if (seq < r.expected || seq >= r.expected + window) return r;
  let buffer = setAdd(r.buffer, seq);
  let expected = r.expected;
  const delivered = [...r.delivered];
  while (buffer[0] === expected) {
    delivered.push(expected);
    buffer = buffer.slice(1);
    expected++;
  }
  return { ...r, expected, buffer, delivered };
}

/** The bug of `no-reorder-buffer`: every in-window byte is delivered on arrival. */
function acceptOnArrival(r: TransportReceiver, seq: number, window: number): TransportReceiver {
  if (seq < r.expected || seq >= r.expected + window || r.delivered.includes(seq)) return r;
  return { ...r, expected: seq === r.expected ? seq + 1 : r.expected, delivered: [...r.delivered, seq] };
}

interface Params {
  readonly bytes: number;
  readonly window: number;
  readonly retransmits: number;
  readonly loss: number;
  readonly duplicates: number;
}

function receiverWith(acceptByte: typeof accept) {
  return defineRole<TransportReceiver, Segment, Segment, never, Params>({
    init: () => ({ phase: "listen", expected: 0, buffer: [], delivered: [] }),
    reduce: (r, seg, ctx) =>
      match(seg)
        .with({ type: "Syn" }, () =>
          become<TransportReceiver, Segment>(
            r.phase === "listen" ? { ...r, phase: "synReceived" } : r,
            reply(ctx, { type: "SynAck", window: ctx.params.window }),
          ),
        )
        .with({ type: "HandshakeAck" }, () =>
          become<TransportReceiver, Segment>(r.phase === "synReceived" ? { ...r, phase: "established" } : r),
        )
        .with({ type: "Data" }, (d) => {
          // No connection: dropped. A data segment also completes the handshake, as in TCP.
          if (r.phase === "listen") return become<TransportReceiver, Segment>(r);
          const next = acceptByte({ ...r, phase: "established" }, d.seq, ctx.params.window);
          return become<TransportReceiver, Segment>(
            next,
            reply(ctx, { type: "Ack", ack: next.expected, window: ctx.params.window }),
          );
        })
        .with({ type: "SynAck" }, { type: "Ack" }, () => become<TransportReceiver, Segment>(r))
        .exhaustive(),
  });
}

/** The receiver: answers the handshake, buffers out-of-order bytes inside its window, acknowledges cumulatively. */
export const transportReceiver = receiverWith(accept);

// ---------------------------------------------------------------------------
// The model: the application connects and sends `bytes` bytes; at most
// `retransmits` retransmissions of the SYN and of each byte.
// ---------------------------------------------------------------------------

/** A modelled sender: retransmissions made per byte (index `bytes` counts the SYN's). */
export interface ModelSender extends TransportSender {
  readonly retransmitted: readonly number[];
}

function application(
  sender: RoleDef<TransportSender, SenderCommand | Segment | Rto, Segment, Rto>,
): RoleDef<ModelSender, SenderCommand | Segment | Rto, Segment, Rto, Params> {
  return defineRole<ModelSender, SenderCommand | Segment | Rto, Segment, Rto, Params>({
    init: (ctx) => ({ ...sender.init(ctx), retransmitted: [] }),
    choices: (s, ctx) =>
      s.phase === "closed" ? [{ type: "Connect" }] : [{ type: "SendByte", bytes: ctx.params.bytes }],
    reduce: (s, input, ctx) => {
      const { retransmitted, ...app } = s;
      const slot = s.phase === "synSent" ? ctx.params.bytes : s.base;
      if (input.type === "Rto" && (retransmitted[slot] ?? 0) >= ctx.params.retransmits) return undefined;
      const step = sender.reduce(app, input, ctx);
      if (step === undefined) return undefined;
      const counts = input.type === "Rto" ? countRetransmission(retransmitted, slot) : retransmitted;
      return { state: { ...step.state, retransmitted: counts }, effects: step.effects };
    },
  });
}

type State = ProtocolStateOf<{ sender: ReturnType<typeof application>; receiver: typeof transportReceiver }>;

function delivered(s: State): readonly number[] {
  return nodeOf(s, "receiver", RECEIVER).delivered;
}

/** A sliding-window transport with a handshake, over a lossy, duplicating, reordering network. */
export const slidingWindowTransport = defineProtocol({
  name: "sliding-window-transport",
  description:
    "a TCP-like handshake, sequence numbers, cumulative acks and a receive window of W: in-order exactly-once delivery, never more than W bytes unacknowledged",
  params: {
    bytes: int(3, { min: 1, max: 5, description: "bytes the application sends" }),
    window: int(2, { min: 1, max: 4, description: "the receive window W, in bytes" }),
    retransmits: int(1, {
      min: 0,
      max: 3,
      description: "retransmissions of the SYN and of each byte (keep at or above the loss budget)",
    }),
    loss: int(1, { min: 0, max: 2, description: "how many segments the network may lose" }),
    duplicates: int(1, { min: 0, max: 2, description: "how many segments the network may duplicate" }),
  },
  network: "unordered",
  nodes: () => ({ sender: [SENDER], receiver: [RECEIVER] }),
  roles: { sender: application(transportSender), receiver: transportReceiver },
  faults: (p) => ({ loss: p.loss, duplicate: p.duplicates }),
  properties: {
    unackedWithinWindow: invariant<State, Params>((s, p) => {
      const snd = nodeOf(s, "sender", SENDER);
      return snd.next - snd.base <= p.window;
    }, "the sender never has more than W bytes sent and unacknowledged"),
    deliveredInOrder: invariant<State, Params>(
      (s) => delivered(s).every((b, k) => b === k),
      "the application receives bytes 0, 1, 2, ... in order, none twice, none skipped",
    ),
    deliveredExactlyOnce: atTermination<State, Params>(
      (s, p) => delivered(s).length === p.bytes,
      "when nothing more can happen, every byte sent has been delivered (exactly once, by deliveredInOrder)",
    ),
  },
  variants: {
    "ignore-window": {
      description: "the sender sends every byte it has, ignoring the window the receiver advertised",
      violates: "unackedWithinWindow",
      roles: { sender: application(senderWith({ respectWindow: false })) },
    },
    "no-reorder-buffer": {
      description:
        "the receiver hands every in-window byte to the application on arrival instead of buffering it until the gap before it is filled",
      violates: "deliveredInOrder",
      roles: { receiver: receiverWith(acceptOnArrival) },
    },
  },
});
