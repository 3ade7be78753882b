/**
 * Causal broadcast (Birman, Schiper and Stephenson, 1991). A node stamps each
 * broadcast with a vector counting the messages it has delivered from every
 * sender (its own entry: its broadcasts). A receiver holds a message back
 * until it has delivered everything the sender had delivered when it sent
 * it: the message is the next one from its sender, and no other entry is
 * ahead of the receiver's. So every node delivers in causal order, and on a
 * reliable network every node eventually delivers every message.
 *
 * The exported role `causalBroadcastNode` is what an application runs: it
 * broadcasts on a `Broadcast` input and appends what it delivers to
 * `delivered`. The model drives it with payloads that carry a ghost record of
 * causality: the message's id and the ids its sender had delivered when it
 * broadcast it. The property reads that record, never the vectors under test.
 */
import { match } from "ts-pattern";
import {
  atTermination,
  become,
  broadcast,
  defineProtocol,
  defineRole,
  int,
  invariant,
  type Json,
  type NodeId,
  type ProtocolState,
  type RoleDef,
  numberedIds,
} from "../src/index.js";
import type { VectorClock } from "./vector-clock.js";

/**
 * A broadcast message: its sender, the sender's delivery vector when it sent it (own entry: this message's number), and
 * the application's payload.
 */
export interface CausalMessage {
  readonly type: "Causal";
  readonly sender: NodeId;
  readonly clock: VectorClock;
  readonly payload: Json;
}

/** A message handed to the application. */
export interface Delivery {
  readonly sender: NodeId;
  readonly payload: Json;
}

/** What a node reacts to: its application asking to broadcast, or a message from another node. */
export type CausalInput = { readonly type: "Broadcast"; readonly payload: Json } | CausalMessage;

/** A node of causal broadcast. */
export interface CausalNode {
  /** Messages delivered from each sender (0 entries absent). */
  readonly clock: VectorClock;
  /** Received but not yet deliverable, ordered by sender then number. */
  readonly pending: readonly CausalMessage[];
  /** Delivered to the application, in delivery order (its own broadcasts included); the application consumes it. */
  readonly delivered: readonly Delivery[];
}

/**
 * True when `m` can be delivered at a node whose delivery vector is `clock`: it is the sender's next message and
 * everything it depends on is delivered.
 */
export function deliverable(m: CausalMessage, clock: VectorClock): boolean {
  for (const [node, n] of Object.entries(m.clock)) {
    const have = clock[node] ?? 0;
    if (node === m.sender ? n !== have + 1 : n > have) return false;
  }
  return true;
}

function bySenderThenNumber(a: CausalMessage, b: CausalMessage): number {
  if (a.sender !== b.sender) return a.sender < b.sender ? -1 : 1;
  return (a.clock[a.sender] ?? 0) - (b.clock[b.sender] ?? 0);
}

/** `s` after handing `m` to the application. */
function deliver(s: CausalNode, m: CausalMessage): CausalNode {
  return {
    ...s,
    clock: { ...s.clock, [m.sender]: (s.clock[m.sender] ?? 0) + 1 },
    delivered: [...s.delivered, { sender: m.sender, payload: m.payload }],
  };
}

/** `s` with `m` held back, then every held message that `ready` admits delivered, until none is. */
function receive(
  s: CausalNode,
  m: CausalMessage,
  ready: (m: CausalMessage, clock: VectorClock) => boolean,
): CausalNode {
  let next: CausalNode = { ...s, pending: [...s.pending, m].sort(bySenderThenNumber) };
  for (
    let k = next.pending.findIndex((x) => ready(x, next.clock));
    k >= 0;
    k = next.pending.findIndex((x) => ready(x, next.clock))
  ) {
    const admitted = next.pending[k]!;
    next = deliver({ ...next, pending: next.pending.filter((_, j) => j !== k) }, admitted);
  }
  return next;
}

/** A causal broadcast node: broadcasts to every other node and delivers in causal order. */
export const causalBroadcastNode = defineRole<CausalNode, CausalInput, CausalMessage>({
  init: () => ({ clock: {}, pending: [], delivered: [] }),
  reduce: (s, input, ctx) =>
    match(input)
      .with({ type: "Broadcast" }, (i) => {
        const msg: CausalMessage = {
          type: "Causal",
          sender: ctx.self,
          clock: { ...s.clock, [ctx.self]: (s.clock[ctx.self] ?? 0) + 1 },
          payload: i.payload,
        };
        return become(
          deliver(s, msg),
          broadcast(
            ctx.nodes.filter((n) => n !== ctx.self),
            msg,
          ),
        );
      })
      .with({ type: "Causal" }, (m) => become(receive(s, m, deliverable)))
      .exhaustive(),
});

/** The bug: a node delivers whatever arrives, at once. */
const deliverOnArrival = defineRole<CausalNode, CausalInput, CausalMessage>({
  ...causalBroadcastNode,
  reduce: (s, input, ctx) =>
    input.type === "Causal" ? become(deliver(s, input)) : causalBroadcastNode.reduce(s, input, ctx),
});

/**
 * The bug: a node waits for a message stamped exactly its own vector (plus one from the sender), so a message sent by a
 * node that is behind never becomes deliverable.
 */
const waitForExactVector = defineRole<CausalNode, CausalInput, CausalMessage>({
  ...causalBroadcastNode,
  reduce: (s, input, ctx) => {
    if (input.type !== "Causal") return causalBroadcastNode.reduce(s, input, ctx);
    const exact = (m: CausalMessage, clock: VectorClock): boolean =>
      deliverable(m, clock) &&
      Object.entries(clock).every(([node, n]) => node === m.sender || (m.clock[node] ?? 0) === n);
    return become(receive(s, input, exact));
  },
});

// ---------------------------------------------------------------------------
// The model: each node's application broadcasts `messages` payloads that
// record, as ghost data, which messages its node had delivered before.
// ---------------------------------------------------------------------------

/**
 * A modelled payload: the message's id (`n2.1`: node n2's first) and the ids its sender had delivered when it broadcast
 * it.
 */
export interface GhostPayload {
  readonly id: string;
  readonly after: readonly string[];
}

/** A modelled node: the application's node and how many broadcasts its application has made. */
export interface ModelNode extends CausalNode {
  readonly broadcasts: number;
}

interface Params {
  readonly nodes: number;
  readonly messages: number;
}

type State = ProtocolState<ModelNode, CausalMessage>;

function ghost(payload: Json): GhostPayload {
  return payload as unknown as GhostPayload;
}

/** Runs `node` under an application that broadcasts ghost payloads. */
function application(
  node: RoleDef<CausalNode, CausalInput, CausalMessage>,
): RoleDef<ModelNode, CausalInput, CausalMessage, never, Params> {
  return defineRole<ModelNode, CausalInput, CausalMessage, never, Params>({
    init: (ctx) => ({ ...node.init(ctx), broadcasts: 0 }),
    choices: (s, ctx) => {
      if (s.broadcasts >= ctx.params.messages) return [];
      const payload: GhostPayload = {
        id: `${ctx.self}.${s.broadcasts + 1}`,
        after: s.delivered.map((d) => ghost(d.payload).id),
      };
      return [{ type: "Broadcast", payload: payload as unknown as Json }];
    },
    reduce: (s, input, ctx) => {
      const { broadcasts, ...app } = s;
      const step = node.reduce(app, input, ctx);
      if (step === undefined) return undefined;
      return {
        state: { ...step.state, broadcasts: input.type === "Broadcast" ? broadcasts + 1 : broadcasts },
        effects: step.effects,
      };
    },
  });
}

/** Every message id the ghost records of a state mention, with the ids each was broadcast after. */
function causalPasts(s: State): Map<string, readonly string[]> {
  const direct = new Map<string, readonly string[]>();
  for (const n of Object.values(s.nodes))
    for (const d of n.delivered) direct.set(ghost(d.payload).id, ghost(d.payload).after);
  for (const e of s.network) direct.set(ghost(e.msg.payload).id, ghost(e.msg.payload).after);
  const closed = new Map<string, readonly string[]>();
  const close = (id: string): readonly string[] => {
    const known = closed.get(id);
    if (known) return known;
    const past = new Set<string>();
    for (const a of direct.get(id) ?? []) {
      past.add(a);
      for (const x of close(a)) past.add(x);
    }
    const result = [...past];
    closed.set(id, result);
    return result;
  };
  return new Map([...direct.keys()].map((id) => [id, close(id)]));
}

/** The node ids for `nodes` nodes: n1..nN. */
export function nodeIds(nodes: number): readonly NodeId[] {
  return numberedIds("n", nodes);
}

/** Causal broadcast among `nodes` nodes over a reliable network that reorders messages. */
export const causalBroadcast = defineProtocol({
  name: "causal-broadcast",
  description:
    "causal broadcast with vector clocks: every node delivers in causal order, and every node delivers every message",
  params: {
    nodes: int(3, { min: 2, max: 4, description: "number of nodes" }),
    messages: int(1, { min: 1, max: 3, description: "broadcasts per node" }),
  },
  network: "unordered",
  nodes: (p) => ({ node: nodeIds(p.nodes) }),
  roles: { node: application(causalBroadcastNode) },
  properties: {
    deliveredInCausalOrder: invariant<State, Params>((s) => {
      const pasts = causalPasts(s);
      return Object.values(s.nodes).every((n) => {
        const seen = new Set<string>();
        for (const d of n.delivered) {
          const id = ghost(d.payload).id;
          if (!(pasts.get(id) ?? []).every((a) => seen.has(a))) return false;
          seen.add(id);
        }
        return true;
      });
    }, "a node delivers a message only after every message that causally precedes it (ghost record: what its sender had delivered)"),
    deliveredAtMostOnce: invariant<State, Params>(
      (s) =>
        Object.values(s.nodes).every(
          (n) => new Set(n.delivered.map((d) => ghost(d.payload).id)).size === n.delivered.length,
        ),
      "no node delivers a message twice",
    ),
    everyNodeDeliveredEveryMessage: atTermination<State, Params>((s, p) => {
      const all = nodeIds(p.nodes).flatMap((n) => Array.from({ length: p.messages }, (_, k) => `${n}.${k + 1}`));
      return Object.values(s.nodes).every((n) => {
        const ids = new Set(n.delivered.map((d) => ghost(d.payload).id));
        return n.pending.length === 0 && n.delivered.length === all.length && all.every((id) => ids.has(id));
      });
    }, "when nothing more can happen, every node has delivered every broadcast and holds nothing back"),
  },
  variants: {
    "deliver-on-arrival": {
      description: "a node delivers each message as soon as it arrives, without waiting for the messages it depends on",
      violates: "deliveredInCausalOrder",
      roles: { node: application(deliverOnArrival) },
    },
    "wait-for-exact-vector": {
      description:
        "a node delivers a message only when its stamp equals the node's own vector apart from the sender's entry, so messages from nodes that are behind wait forever",
      violates: "everyNodeDeliveredEveryMessage",
      roles: { node: application(waitForExactVector) },
    },
  },
});
