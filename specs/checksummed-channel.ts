/**
 * A checksummed channel: exactly-once delivery over a network that corrupts,
 * duplicates and reorders messages. Every frame (data and acknowledgement)
 * carries a Fletcher-16 checksum of its fields; the receiver drops a data
 * frame whose checksum does not match (it sends no acknowledgement, so the
 * sender's retransmission timer sends it again) and the sender ignores an
 * acknowledgement whose checksum does not match. A corrupted value is never
 * applied, and when the run ends every message has been applied exactly once.
 *
 * Corruption is the kernel's `corrupt` fault budget: `corruptions` gives the
 * forms a frame arrives in after one bit flip (of the value, of the checksum,
 * or of an acknowledgement's sequence number). Fletcher-16 detects every
 * single-bit error, which the unit tests check exhaustively on small fields.
 *
 * The exported roles `checksummedSender` and `checksummedReceiver` are what an
 * application runs; the model drives the sender with `messages` values and
 * caps retransmissions of each frame at `retransmits` (a model bound kept
 * outside the exported reducers).
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
  setHas,
  setTimer,
  type NodeId,
  type ProtocolStateOf,
  type RoleDef,
} from "../src/index.js";
import { countRetransmission } from "./retransmissions.js";

/**
 * Fletcher-16 over `words`, each taken as one byte (mod 256): two running sums
 * mod 255, the second over the first. It detects every single-bit error and
 * every burst shorter than 8 bits.
 * @example checksum([0, 10]) // 2570
 */
export function checksum(words: readonly number[]): number {
  let a = 0;
  let b = 0;
  for (const w of words) {
    a = (a + (w & 0xff)) % 255;
    b = (b + a) % 255;
  }
  return (b << 8) | a;
}

/** Frame `seq` carrying `value`, with the checksum of both. */
export interface DataFrame {
  readonly type: "Data";
  readonly seq: number;
  readonly value: number;
  readonly sum: number;
}

/** The receiver has applied (now or earlier) frame `seq`. */
export interface AckFrame {
  readonly type: "Ack";
  readonly seq: number;
  readonly sum: number;
}

/** The frames of the protocol. */
export type Frame = DataFrame | AckFrame;

/** A data frame with its checksum. */
export function dataFrame(seq: number, value: number): DataFrame {
  return { type: "Data", seq, value, sum: checksum([seq, value]) };
}

/** An acknowledgement with its checksum (a tag word keeps it distinct from a data frame's). */
export function ackFrame(seq: number): AckFrame {
  return { type: "Ack", seq, sum: checksum([0xac, seq]) };
}

/** Does the frame's checksum match its fields? */
export function intact(frame: Frame): boolean {
  return frame.type === "Data"
    ? frame.sum === checksum([frame.seq, frame.value])
    : frame.sum === checksum([0xac, frame.seq]);
}

/**
 * The frames `frame` may arrive as after one bit flip: of a data frame's
 * value or checksum, of an acknowledgement's sequence number or checksum.
 */
export function bitFlips(frame: Frame): Frame[] {
  return frame.type === "Data"
    ? [
        { ...frame, value: frame.value ^ 1 },
        { ...frame, sum: frame.sum ^ 1 },
      ]
    : [
        { ...frame, seq: frame.seq ^ 1 },
        { ...frame, sum: frame.sum ^ 1 },
      ];
}

/** The sender's retransmission timer for frame `seq`. */
export interface RetransmitTimer {
  readonly type: "Retransmit";
  readonly seq: number;
}

/** The sender's application asks it to deliver `value`. */
export interface SendValue {
  readonly type: "Send";
  readonly value: number;
}

/** What the sender reacts to. */
export type SenderInput = SendValue | AckFrame | RetransmitTimer;

/** The sender: frames numbered so far and those not yet acknowledged (durable in a real deployment). */
export interface ChecksummedSender {
  readonly sent: number;
  readonly unacked: readonly { readonly seq: number; readonly value: number }[];
}

/** The receiver's node id. */
export const RECEIVER: NodeId = "r";
/** The sender's node id. */
export const SENDER: NodeId = "s";

type SenderStep = ReturnType<typeof become<ChecksummedSender, Frame, RetransmitTimer>>;

/** Options of `senderWith`: whether acknowledgements' checksums are checked (false only in the broken variant). */
interface SenderOptions {
  readonly verifyAcks: boolean;
}

function senderWith(options: SenderOptions) {
  return defineRole<ChecksummedSender, SenderInput, Frame, RetransmitTimer>({
    init: () => ({ sent: 0, unacked: [] }),
    durable: ["sent", "unacked"],
    reduce: (s, input) =>
      match(input)
        .with({ type: "Send" }, (i): SenderStep => {
          const seq = s.sent;
          return become(
            { sent: seq + 1, unacked: [...s.unacked, { seq, value: i.value }] },
            send(RECEIVER, dataFrame(seq, i.value)),
            setTimer({ type: "Retransmit", seq }),
          );
        })
        .with({ type: "Ack" }, (a): SenderStep => {
          if (options.verifyAcks && !intact(a)) return become(s);
          if (!s.unacked.some((o) => o.seq === a.seq)) return become(s);
          return become(
            { ...s, unacked: s.unacked.filter((o) => o.seq !== a.seq) },
            cancelTimer({ type: "Retransmit", seq: a.seq }),
          );
        })
        .with({ type: "Retransmit" }, (t): SenderStep | undefined => {
          const out = s.unacked.find((o) => o.seq === t.seq);
          if (out === undefined) return undefined;
          return become(
            s,
            send(RECEIVER, dataFrame(out.seq, out.value)),
            setTimer({ type: "Retransmit", seq: out.seq }),
          );
        })
        .exhaustive(),
  });
}

/** The sender: numbers each value, retransmits its frame on a timer until an intact acknowledgement arrives. */
export const checksummedSender = senderWith({ verifyAcks: true });

/** The receiver: frame numbers applied (a sorted set) and the values applied, in order. */
export interface ChecksummedReceiver {
  readonly seen: readonly number[];
  readonly applied: readonly { readonly seq: number; readonly value: number }[];
}

/** Options of `receiverWith`: whether data frames' checksums are checked (false only in the broken variant). */
interface ReceiverOptions {
  readonly verifyData: boolean;
}

function receiverWith(options: ReceiverOptions) {
  return defineRole<ChecksummedReceiver, DataFrame, AckFrame>({
    init: () => ({ seen: [], applied: [] }),
    durable: ["seen", "applied"],
    reduce: (s, d, ctx) => {
      // A corrupted frame is dropped unacknowledged: the sender's timer sends it again.
      if (options.verifyData && !intact(d)) return become(s);
      const ack = reply(ctx, ackFrame(d.seq));
      if (setHas(s.seen, d.seq)) return become(s, ack);
      return become({ seen: setAdd(s.seen, d.seq), applied: [...s.applied, { seq: d.seq, value: d.value }] }, ack);
    },
  });
}

/** The receiver: drops frames whose checksum does not match, acknowledges and applies each intact frame once. */
export const checksummedReceiver = receiverWith({ verifyData: true });

// ---------------------------------------------------------------------------
// The model: the sender's application sends values 10, 11, ... (the value of
// frame seq is 10 + seq), with at most `retransmits` retransmissions per frame.
// ---------------------------------------------------------------------------

interface Params {
  readonly messages: number;
  readonly retransmits: number;
  readonly corrupt: number;
  readonly duplicates: number;
}

/** The value the application sends in frame `seq`. */
export function valueOf(seq: number): number {
  return 10 + seq;
}

/** A modelled sender: retransmissions made per frame number. */
export interface ModelSender extends ChecksummedSender {
  readonly retransmitted: readonly number[];
}

function application(
  sender: RoleDef<ChecksummedSender, SenderInput, Frame, RetransmitTimer>,
): RoleDef<ModelSender, SenderInput, Frame, RetransmitTimer, Params> {
  return defineRole<ModelSender, SenderInput, Frame, RetransmitTimer, Params>({
    init: (ctx) => ({ ...sender.init(ctx), retransmitted: [] }),
    durable: ["sent", "unacked", "retransmitted"],
    choices: (s, ctx) => (s.sent < ctx.params.messages ? [{ type: "Send", value: valueOf(s.sent) }] : []),
    reduce: (s, input, ctx) => {
      const { retransmitted, ...app } = s;
      const done = input.type === "Retransmit" ? (retransmitted[input.seq] ?? 0) : 0;
      if (input.type === "Retransmit" && done >= ctx.params.retransmits) return undefined;
      const step = sender.reduce(app, input, ctx);
      if (step === undefined) return undefined;
      const counts = input.type === "Retransmit" ? countRetransmission(retransmitted, input.seq) : retransmitted;
      return { state: { ...step.state, retransmitted: counts }, effects: step.effects };
    },
  });
}

type State = ProtocolStateOf<{ sender: ReturnType<typeof application>; receiver: typeof checksummedReceiver }>;

function applied(s: State): ChecksummedReceiver["applied"] {
  return nodeOf(s, "receiver", RECEIVER).applied;
}

/** Exactly-once delivery over a corrupting, duplicating, reordering network, with checksums on every frame. */
export const checksummedChannel = defineProtocol({
  name: "checksummed-channel",
  description:
    "Fletcher-16 checksums on data and acknowledgements: corrupted frames are detected and dropped, never applied, and retransmission keeps delivery exactly-once",
  params: {
    messages: int(2, { min: 1, max: 3, description: "values the sender's application sends" }),
    retransmits: int(1, {
      min: 0,
      max: 3,
      description: "retransmissions of each frame (keep at or above the corrupt budget)",
    }),
    corrupt: int(1, { min: 0, max: 2, description: "how many frames the network may corrupt (one bit flipped)" }),
    duplicates: int(1, { min: 0, max: 2, description: "how many frames the network may duplicate" }),
  },
  network: "unordered",
  nodes: () => ({ sender: [SENDER], receiver: [RECEIVER] }),
  roles: { sender: application(checksummedSender), receiver: checksummedReceiver },
  faults: (p) => ({ corrupt: p.corrupt, duplicate: p.duplicates, corruptions: bitFlips }),
  properties: {
    corruptedValueNeverApplied: invariant<State, Params>(
      (s) => applied(s).every((a) => a.value === valueOf(a.seq)),
      "every value the receiver applies is the value the sender sent in that frame",
    ),
    appliedAtMostOnce: invariant<State, Params>((s) => {
      const seqs = applied(s).map((a) => a.seq);
      return new Set(seqs).size === seqs.length;
    }, "no frame is applied twice"),
    deliveredExactlyOnce: atTermination<State, Params>((s, p) => {
      const seqs = applied(s)
        .map((a) => a.seq)
        .sort((a, b) => a - b);
      return seqs.length === p.messages && seqs.every((seq, k) => seq === k);
    }, "when nothing more can happen, every value sent has been applied exactly once"),
  },
  variants: {
    "no-checksum": {
      description: "the receiver applies data frames without checking their checksum: a flipped value is applied",
      violates: "corruptedValueNeverApplied",
      roles: { receiver: receiverWith({ verifyData: false }) },
    },
    "unchecked-acks": {
      description:
        "the sender trusts acknowledgements without checking their checksum: a corrupted Ack{seq:0} acknowledges frame 1, and once frame 1 is corrupted too it is never retransmitted (a corrupt budget of 2, with 2 retransmissions per frame, which the correct sender survives)",
      violates: "deliveredExactlyOnce",
      params: { corrupt: 2, retransmits: 2 },
      roles: { sender: application(senderWith({ verifyAcks: false })) },
    },
  },
});
