/**
 * Exactly-once processing over a network that loses, duplicates and reorders
 * messages, with crashes: acknowledgements, retransmission and deduplication.
 * The sender keeps each message until it is acknowledged and retransmits it
 * on a timer; the receiver acknowledges every copy it gets but processes a
 * message only the first time, remembering what it processed in a durable
 * deduplication record that survives a crash. While the network's fault
 * budgets are smaller than the retransmission budget, no message is processed
 * twice, and when the run ends every message has been processed exactly once.
 *
 * The exported roles `reliableSender` and `reliableReceiver` are what an
 * application runs (the sender's outbox and the receiver's record are their
 * durable fields). The model drives the sender with payloads its application
 * numbers itself (the ghost) and caps retransmissions of each message at the
 * retransmission budget: a model bound kept outside the exported reducers.
 */
import { match } from "ts-pattern";
import {
  atTermination,
  become,
  cancelTimer,
  defineProtocol,
  defineRole,
  eventually,
  int,
  invariant,
  nodeOf,
  reply,
  send,
  setAdd,
  setHas,
  setTimer,
  type Json,
  type NodeId,
  type ProtocolStateOf,
  type RoleDef,
} from "../src/index.js";

/** A message carrying the sender's `seq`-th payload. */
export interface DataPacket {
  readonly type: "Data";
  readonly seq: number;
  readonly payload: Json;
}

/** The receiver has processed (now or earlier) the message numbered `seq`. */
export interface AckPacket {
  readonly type: "Ack";
  readonly seq: number;
}

/** The messages of the protocol. */
export type ReliableMessage = DataPacket | AckPacket;

/** The sender's timer for retransmitting message `seq`. */
export interface RetransmitTimer {
  readonly type: "Retransmit";
  readonly seq: number;
}

/** A message not yet acknowledged. */
export interface Outgoing {
  readonly seq: number;
  readonly to: NodeId;
  readonly payload: Json;
}

/** The sender's application asks it to deliver `payload` to `to`. */
export interface SendRequest {
  readonly type: "Send";
  readonly to: NodeId;
  readonly payload: Json;
}

/** What the sender reacts to. */
export type SenderInput = SendRequest | AckPacket | RetransmitTimer;

/** A sender: its outbox, durable so that a crash loses no message. */
export interface ReliableSender {
  /** Messages numbered so far (the last `seq` used). */
  readonly sent: number;
  /** Unacknowledged messages, by number. */
  readonly unacked: readonly Outgoing[];
}

function dataOf(o: Outgoing): DataPacket {
  return { type: "Data", seq: o.seq, payload: o.payload };
}

/** A sender: numbers each message, retransmits it on a timer until it is acknowledged. */
export const reliableSender = defineRole<ReliableSender, SenderInput, ReliableMessage, RetransmitTimer>({
  init: () => ({ sent: 0, unacked: [] }),
  durable: ["sent", "unacked"],
  initialTimers: (s) => s.unacked.map((o) => ({ type: "Retransmit", seq: o.seq })),
  reduce: (s, input) =>
    match(input)
      .with({ type: "Send" }, (i) => {
        const out: Outgoing = { seq: s.sent + 1, to: i.to, payload: i.payload };
        return become<ReliableSender, ReliableMessage, RetransmitTimer>(
          { sent: out.seq, unacked: [...s.unacked, out] },
          send(out.to, dataOf(out)),
          setTimer({ type: "Retransmit", seq: out.seq }),
        );
      })
      .with({ type: "Ack" }, (a) => {
        if (!s.unacked.some((o) => o.seq === a.seq)) return become<ReliableSender, ReliableMessage, RetransmitTimer>(s);
        return become<ReliableSender, ReliableMessage, RetransmitTimer>(
          { ...s, unacked: s.unacked.filter((o) => o.seq !== a.seq) },
          cancelTimer({ type: "Retransmit", seq: a.seq }),
        );
      })
      .with({ type: "Retransmit" }, (t) => {
        const out = s.unacked.find((o) => o.seq === t.seq);
        if (out === undefined) return undefined;
        return become<ReliableSender, ReliableMessage, RetransmitTimer>(
          s,
          send(out.to, dataOf(out)),
          setTimer({ type: "Retransmit", seq: out.seq }),
        );
      })
      .exhaustive(),
});

/** A message handed to the application. */
export interface Delivery {
  readonly from: NodeId;
  readonly payload: Json;
}

/** A receiver. Both fields are durable: the record of what was processed is what makes processing exactly-once. */
export interface ReliableReceiver {
  /** The deduplication record: numbers processed from each sender, as sorted sets. */
  readonly seen: Readonly<Record<NodeId, readonly number[]>>;
  /** What the application processed, in order (its durable effects). */
  readonly processed: readonly Delivery[];
}

function ackOf(seq: number): AckPacket {
  return { type: "Ack", seq };
}

/** A receiver: acknowledges every copy, processes each message once. */
export const reliableReceiver = defineRole<ReliableReceiver, DataPacket, AckPacket>({
  init: () => ({ seen: {}, processed: [] }),
  durable: ["seen", "processed"],
  reduce: (s, input, ctx) =>
    match(input)
      .with({ type: "Data" }, (d) => {
        const from = ctx.from!;
        const ack = reply(ctx, ackOf(d.seq));
        const seen = s.seen[from] ?? [];
        if (setHas(seen, d.seq)) return become(s, ack);
        return become(
          {
            seen: { ...s.seen, [from]: setAdd(seen, d.seq) },
            processed: [...s.processed, { from, payload: d.payload }],
          },
          ack,
        );
      })
      .exhaustive(),
});

/** The bug: every copy that arrives is processed. */
const noDeduplication = defineRole<ReliableReceiver, DataPacket, AckPacket>({
  ...reliableReceiver,
  reduce: (s, d, ctx) =>
    become({ ...s, processed: [...s.processed, { from: ctx.from!, payload: d.payload }] }, reply(ctx, ackOf(d.seq))),
});

/**
 * The bug: the deduplication record is kept in memory, so a crash forgets it (the processed effects are still durable).
 */
const volatileDedupRecord = defineRole<ReliableReceiver, DataPacket, AckPacket>({
  ...reliableReceiver,
  durable: ["processed"],
});

// ---------------------------------------------------------------------------
// The model: one sender whose application sends `messages` payloads to one
// receiver, counting them itself (the ghost), with at most `retransmits`
// retransmissions of each message.
// ---------------------------------------------------------------------------

/** A modelled payload: its position in the application's send order. */
export interface GhostPayload {
  readonly n: number;
}

/**
 * A modelled sender: the application's sender, how many sends its application asked for, and retransmissions made per
 * message number.
 */
export interface ModelSender extends ReliableSender {
  readonly sends: number;
  readonly retransmitted: Readonly<Record<string, number>>;
}

interface Params {
  readonly messages: number;
  readonly retransmits: number;
  readonly loss: number;
  readonly duplicates: number;
  readonly crashes: number;
}

type State = ProtocolStateOf<{ sender: ReturnType<typeof application>; receiver: typeof reliableReceiver }>;

/** The sender's node id. */
export const SENDER: NodeId = "s";
/** The receiver's node id. */
export const RECEIVER: NodeId = "r";

function ghost(payload: Json): GhostPayload {
  return payload as unknown as GhostPayload;
}

/**
 * Runs `sender` under an application that sends payloads 1..messages to the receiver, with at most `retransmits`
 * retransmissions per message.
 */
function application(
  sender: RoleDef<ReliableSender, SenderInput, ReliableMessage, RetransmitTimer>,
  options: { readonly afterBudget: "disable" | "ignore" } = { afterBudget: "disable" },
): RoleDef<ModelSender, SenderInput, ReliableMessage, RetransmitTimer, Params> {
  return defineRole<ModelSender, SenderInput, ReliableMessage, RetransmitTimer, Params>({
    init: (ctx) => ({ ...sender.init(ctx), sends: 0, retransmitted: {} }),
    durable: [...(sender.durable ?? []), "sends", "retransmitted"],
    initialTimers: (s, ctx) => sender.initialTimers?.(s, ctx) ?? [],
    choices: (s, ctx) => {
      if (s.sends >= ctx.params.messages) return [];
      const payload: GhostPayload = { n: s.sends + 1 };
      return [{ type: "Send", to: RECEIVER, payload: payload as unknown as Json }];
    },
    reduce: (s, input, ctx) => {
      const { sends, retransmitted, ...app } = s;
      const key = input.type === "Retransmit" ? String(input.seq) : "";
      if (input.type === "Retransmit" && (retransmitted[key] ?? 0) >= ctx.params.retransmits) {
        // The model bound disables the timer; the broken sender's timer keeps firing (re-armed) and sends nothing.
        return options.afterBudget === "disable"
          ? undefined
          : become<ModelSender, ReliableMessage, RetransmitTimer>(s, setTimer(input));
      }
      const step = sender.reduce(app, input, ctx);
      if (step === undefined) return undefined;
      return {
        state: {
          ...step.state,
          sends: input.type === "Send" ? sends + 1 : sends,
          retransmitted:
            input.type === "Retransmit" ? { ...retransmitted, [key]: (retransmitted[key] ?? 0) + 1 } : retransmitted,
        },
        effects: step.effects,
      };
    },
  });
}

function sender(s: State): ModelSender {
  return nodeOf(s, "sender", SENDER);
}

function processedIds(s: State): number[] {
  return nodeOf(s, "receiver", RECEIVER).processed.map((d) => ghost(d.payload).n);
}

/**
 * Exactly-once processing from one sender to one receiver over a lossy, duplicating, reordering network with crashes.
 */
export const reliableDelivery = defineProtocol({
  name: "reliable-delivery",
  description:
    "acknowledgements, retransmission and a durable deduplication record: each message processed exactly once despite loss, duplication, reordering and crashes",
  params: {
    messages: int(2, { min: 1, max: 4, description: "messages the sender's application sends" }),
    retransmits: int(2, {
      min: 0,
      max: 4,
      description: "retransmissions of each message (keep above the loss budget)",
    }),
    loss: int(1, { min: 0, max: 3, description: "how many messages the network may lose" }),
    duplicates: int(1, { min: 0, max: 3, description: "how many messages the network may duplicate" }),
    crashes: int(1, { min: 0, max: 2, description: "how many crashes (of either node, each followed by a restart)" }),
  },
  network: "unordered",
  nodes: () => ({ sender: [SENDER], receiver: [RECEIVER] }),
  roles: { sender: application(reliableSender), receiver: reliableReceiver },
  faults: (p) => ({ loss: p.loss, duplicate: p.duplicates, crash: p.crashes }),
  // Every step is weakly fair (the application sends, timers fire, a crashed node restarts) and the network
  // is fair: a message sent again and again is eventually delivered, although each copy may be lost.
  fairness: { weak: ["*"], network: "fair" },
  properties: {
    everyMessageDelivered: eventually<State, Params>(
      (s, p) => new Set(processedIds(s)).size === p.messages,
      "every fair behaviour gets every message the application sends processed by the receiver",
    ),
    processedAtMostOnce: invariant<State, Params>((s) => {
      const ids = processedIds(s);
      return new Set(ids).size === ids.length;
    }, "the receiver never processes a message twice"),
    ackedMessagesWereProcessed: invariant<State, Params>((s) => {
      const pending = new Set(sender(s).unacked.map((o) => ghost(o.payload).n));
      const processed = new Set(processedIds(s));
      for (let n = 1; n <= sender(s).sends; n++) if (!pending.has(n) && !processed.has(n)) return false;
      return true;
    }, "the sender forgets a message only once the receiver has processed it"),
    processedExactlyOnce: atTermination<State, Params>((s, p) => {
      const ids = processedIds(s).sort((a, b) => a - b);
      return ids.length === p.messages && ids.every((n, k) => n === k + 1);
    }, "when nothing more can happen, every message the application sent has been processed exactly once"),
  },
  variants: {
    "retransmit-budget": {
      description:
        "the sender gives up after `retransmits` retransmissions (0 here) while its timer keeps firing: a lost message is never delivered",
      violates: "everyMessageDelivered",
      params: { retransmits: 0 },
      roles: { sender: application(reliableSender, { afterBudget: "ignore" }) },
    },
    "no-deduplication": {
      description: "the receiver processes every copy that arrives (retransmissions and network duplicates)",
      violates: "processedAtMostOnce",
      roles: { receiver: noDeduplication },
    },
    "volatile-dedup-record": {
      description:
        "the receiver's deduplication record is not durable: after a crash it processes a retransmitted message again",
      violates: "processedAtMostOnce",
      roles: { receiver: volatileDedupRecord },
    },
  },
});
