/**
 * Reliable broadcast by gossip with acknowledgements (Maelstrom's broadcast
 * workload; the relaying of Hadzilacos and Toueg's reliable broadcast with
 * retransmission for a lossy network). A client gives a message to any node;
 * the node keeps it, answers, and gossips it to its neighbours, who relay
 * what is new to them to theirs. Each node resends every message a neighbour
 * has not acknowledged on a timer, so a lost gossip is sent again, and a
 * neighbour acknowledges every gossip it gets (new or not). So every message
 * reaches every node connected to the one that took it, however many
 * gossips the network loses.
 *
 * The exported role `broadcastNode` is what a deployment runs
 * (`interleave maelstrom broadcast` serves Maelstrom's workload with it,
 * through `broadcastMaelstrom`). The model drives it with one client that
 * hands numbered messages to nodes of its choice.
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
  MaelstromError,
  oneOf,
  reply,
  send,
  setAdd,
  setHas,
  setOf,
  setTimer,
  type Effect,
  type Json,
  type MaelstromMapping,
  type NodeContext,
  type NodeId,
  type NodeSetup,
  type ProtocolStateOf,
  type RoleDef,
  numberedIds,
} from "../src/index.js";

/** A client hands a node a message to broadcast. */
export interface Broadcast {
  readonly type: "Broadcast";
  readonly message: Json;
}

/** A client asks a node for every message it knows. */
export interface Read {
  readonly type: "Read";
}

/** The node's neighbours from now on (Maelstrom's `topology`). */
export interface Topology {
  readonly type: "Topology";
  readonly neighbours: readonly NodeId[];
}

/** A node passes messages to a neighbour. */
export interface Gossip {
  readonly type: "Gossip";
  readonly messages: readonly Json[];
}

/** A neighbour has the messages of a gossip. */
export interface GossipOk {
  readonly type: "GossipOk";
  readonly messages: readonly Json[];
}

/** The answers to clients. */
export type BroadcastReply =
  | { readonly type: "BroadcastOk" }
  | { readonly type: "ReadOk"; readonly messages: readonly Json[] }
  | { readonly type: "TopologyOk" };

/** Every message a node sends. */
export type BroadcastMessage = Gossip | GossipOk | BroadcastReply;

/** The timer that resends unacknowledged gossip. */
export interface Resend {
  readonly type: "Resend";
}

/** What a node takes. */
export type NodeInput = Broadcast | Read | Topology | Gossip | GossipOk | Resend;

/**
 * A node. Messages are kept as their JSON text in sorted sets, so equal
 * messages are one and states compare as plain data.
 */
export interface BroadcastNode {
  /** The messages this node knows (JSON texts, sorted). */
  readonly known: readonly string[];
  /** Who this node gossips with (sorted). */
  readonly neighbours: readonly NodeId[];
  /** Per neighbour, the messages it has not acknowledged (JSON texts, sorted). */
  readonly unacked: Readonly<Record<NodeId, readonly string[]>>;
}

/** The role name nodes run under. */
export const NODE_ROLE = "node";

const RESEND: Resend = { type: "Resend" };

type NodeStep = { readonly state: BroadcastNode; readonly effects: readonly Effect<BroadcastMessage, Resend>[] };

/** How a node forgets what it sent: the correct node waits for the acknowledgement. */
interface Policy {
  /** Whether a message gossiped to a neighbour is kept until the neighbour acknowledges it. */
  readonly keepUntilAcked: boolean;
}

const textsOf = (messages: readonly Json[]): string[] => messages.map((m) => JSON.stringify(m));
const messagesOf = (texts: readonly string[]): Json[] => texts.map((t) => JSON.parse(t) as Json);
const pending = (s: BroadcastNode): boolean => Object.values(s.unacked).some((u) => u.length > 0);

function addAll(set: readonly string[], texts: readonly string[]): readonly string[] {
  let out = set;
  for (const t of texts) out = setAdd(out, t);
  return out;
}

/** The other nodes of the role: every node's neighbours until a topology says otherwise. */
function othersOf(ctx: Pick<NodeSetup<unknown>, "roles" | "self">): NodeId[] {
  return (ctx.roles[NODE_ROLE] ?? []).filter((n) => n !== ctx.self);
}

/**
 * Learns `texts` (from `from`, a neighbour or a client): the new ones are
 * gossiped at once to every neighbour but `from`, and kept for resending
 * until acknowledged.
 */
function learn(s: BroadcastNode, texts: readonly string[], from: NodeId, policy: Policy): NodeStep {
  const fresh = setOf(texts.filter((t) => !setHas(s.known, t)));
  if (fresh.length === 0) return become(s);
  const targets = s.neighbours.filter((n) => n !== from);
  const unacked = policy.keepUntilAcked
    ? { ...s.unacked, ...Object.fromEntries(targets.map((n) => [n, addAll(s.unacked[n] ?? [], fresh)])) }
    : s.unacked;
  const next: BroadcastNode = { ...s, known: addAll(s.known, fresh), unacked };
  const gossip: Gossip = { type: "Gossip", messages: messagesOf(fresh) };
  return become(
    next,
    ...targets.map((n) => send<BroadcastMessage>(n, gossip)),
    ...(pending(next) ? [setTimer(RESEND)] : []),
  );
}

function withReply(step: NodeStep, ctx: NodeContext<unknown>, msg: BroadcastReply | GossipOk): NodeStep {
  return { state: step.state, effects: [reply<BroadcastMessage>(ctx, msg), ...step.effects] };
}

function onTopology(s: BroadcastNode, t: Topology, ctx: NodeContext<unknown>, policy: Policy): NodeStep {
  const neighbours = setOf(t.neighbours.filter((n) => n !== ctx.self));
  // A new neighbour is owed everything this node knows.
  const added = neighbours.filter((n) => !setHas(s.neighbours, n));
  const unacked = policy.keepUntilAcked
    ? { ...s.unacked, ...Object.fromEntries(added.map((n) => [n, addAll(s.unacked[n] ?? [], s.known)])) }
    : s.unacked;
  const next: BroadcastNode = { ...s, neighbours, unacked };
  return become(
    next,
    reply<BroadcastMessage>(ctx, { type: "TopologyOk" }),
    ...(pending(next) ? [setTimer(RESEND)] : []),
  );
}

function onGossipOk(s: BroadcastNode, ok: GossipOk, from: NodeId): NodeStep {
  const owed = s.unacked[from];
  if (owed === undefined) return become(s);
  const acked = new Set(textsOf(ok.messages));
  const left = owed.filter((t) => !acked.has(t));
  if (left.length === owed.length) return become(s);
  const next: BroadcastNode = { ...s, unacked: { ...s.unacked, [from]: left } };
  return pending(next) ? become(next) : become(next, cancelTimer(RESEND));
}

/** Resend: every neighbour gets the messages it has not acknowledged (not enabled when there are none). */
function onResend(s: BroadcastNode): NodeStep | undefined {
  if (!pending(s)) return undefined;
  const owed = Object.entries(s.unacked).filter(([, u]) => u.length > 0);
  return become(
    s,
    ...owed.map(([n, u]) => send<BroadcastMessage>(n, { type: "Gossip", messages: messagesOf(u) })),
    setTimer(RESEND),
  );
}

function nodeRole(policy: Policy): RoleDef<BroadcastNode, NodeInput, BroadcastMessage, Resend> {
  return defineRole<BroadcastNode, NodeInput, BroadcastMessage, Resend>({
    init: (ctx) => ({ known: [], neighbours: setOf(othersOf(ctx)), unacked: {} }),
    initialTimers: (s) => (pending(s) ? [RESEND] : []),
    reduce: (s, input, ctx) =>
      match(input)
        .with({ type: "Broadcast" }, (b) =>
          withReply(learn(s, textsOf([b.message]), ctx.from ?? "", policy), ctx, { type: "BroadcastOk" }),
        )
        .with({ type: "Read" }, () =>
          become(s, reply<BroadcastMessage>(ctx, { type: "ReadOk", messages: messagesOf(s.known) })),
        )
        .with({ type: "Topology" }, (t) => onTopology(s, t, ctx, policy))
        .with({ type: "Gossip" }, (g) =>
          withReply(learn(s, textsOf(g.messages), ctx.from ?? "", policy), ctx, {
            type: "GossipOk",
            messages: g.messages,
          }),
        )
        .with({ type: "GossipOk" }, (ok) => onGossipOk(s, ok, ctx.from ?? ""))
        .with({ type: "Resend" }, () => onResend(s))
        .exhaustive(),
  });
}

/** A broadcast node: gossips what is new to it and resends until acknowledged (see the module comment). */
export const broadcastNode = nodeRole({ keepUntilAcked: true });

/** The bug: a node gossips a message once and forgets it (fire and forget): a lost gossip is never resent. */
const fireAndForget = nodeRole({ keepUntilAcked: false });

// ---------------------------------------------------------------------------
// The model: one client hands messages 1..messages to nodes of its choice.
// ---------------------------------------------------------------------------

/** The model's client: how many messages it has handed out. */
export interface BroadcastClient {
  readonly sent: number;
}

interface Params {
  readonly nodes: number;
  readonly messages: number;
  readonly loss: number;
  readonly resends: number;
  readonly topology: "full" | "line";
}

/** The client's choice: hand message `message` to node `to`. */
interface Hand {
  readonly type: "Hand";
  readonly to: NodeId;
  readonly message: number;
}

type ClientInput = Hand | BroadcastReply;

const client = defineRole<BroadcastClient, ClientInput, Broadcast, never, Params>({
  init: () => ({ sent: 0 }),
  choices: (s, ctx) =>
    s.sent >= ctx.params.messages
      ? []
      : (ctx.roles[NODE_ROLE] ?? []).map((to): Hand => ({ type: "Hand", to, message: s.sent + 1 })),
  reduce: (s, input) =>
    input.type === "Hand"
      ? become<BroadcastClient, Broadcast>(
          { sent: s.sent + 1 },
          send(input.to, { type: "Broadcast", message: input.message }),
        )
      : become(s),
});

/** A node of the model: the role's state and, per message, how often it was resent (the model's bound). */
export interface ModelNode extends BroadcastNode {
  readonly resent: Readonly<Record<string, number>>;
}

/**
 * A node of the model: `role`, with the line topology n1 - n2 - ... when the
 * params say so, and at most `resends` resends of each message (a model
 * bound kept outside the exported reducer: the real node resends until
 * acknowledged). At least as many resends as losses keep every message
 * reaching every node, since each copy or its acknowledgement must be lost.
 */
function modelNode(
  role: RoleDef<BroadcastNode, NodeInput, BroadcastMessage, Resend>,
): RoleDef<ModelNode, NodeInput, BroadcastMessage, Resend, Params> {
  return defineRole<ModelNode, NodeInput, BroadcastMessage, Resend, Params>({
    init: (ctx) => {
      const s: ModelNode = { ...role.init(ctx), resent: {} };
      if (ctx.params.topology === "full") return s;
      const ids = ctx.roles[NODE_ROLE] ?? [];
      const i = ids.indexOf(ctx.self);
      return { ...s, neighbours: setOf([ids[i - 1], ids[i + 1]].filter((n): n is NodeId => n !== undefined)) };
    },
    reduce: (s, input, ctx) => {
      const { resent, ...node } = s;
      if (input.type !== "Resend") {
        const step = role.reduce(node, input, ctx);
        return step && { state: { ...step.state, resent }, effects: step.effects };
      }
      // Resend only the messages still within the budget: the reducer sees the rest as acknowledged.
      const eligible = (t: string) => (resent[t] ?? 0) < ctx.params.resends;
      const owed = Object.fromEntries(Object.entries(node.unacked).map(([n, u]) => [n, u.filter(eligible)]));
      const step = role.reduce({ ...node, unacked: owed }, input, ctx);
      if (step === undefined) return undefined;
      const sent = setOf(Object.values(owed).flat());
      return {
        state: { ...s, resent: { ...resent, ...Object.fromEntries(sent.map((t) => [t, (resent[t] ?? 0) + 1])) } },
        effects: step.effects,
      };
    },
  });
}

type State = ProtocolStateOf<{ node: ReturnType<typeof modelNode>; client: typeof client }>;

/** The client's node id. */
export const CLIENT: NodeId = "c1";

const nodesOf = (s: State): BroadcastNode[] =>
  Object.entries(s.nodes)
    .filter(([id]) => id !== CLIENT)
    .map(([, n]) => n as ModelNode);
const handedOut = (s: State): number => (s.nodes[CLIENT] as BroadcastClient).sent;

/** Reliable broadcast by gossip with acknowledgements and resends, over a lossy network. */
export const broadcast = defineProtocol({
  name: "broadcast",
  description:
    "gossip with acknowledgements and resends (Maelstrom's broadcast): every message reaches every node despite lost gossip",
  params: {
    nodes: int(3, { min: 2, max: 4, description: "broadcast nodes" }),
    messages: int(1, { min: 1, max: 3, description: "messages the client hands out" }),
    loss: int(1, { min: 0, max: 3, description: "how many messages the network may lose" }),
    resends: int(1, { min: 0, max: 3, description: "resends of each message (model bound; keep at or above loss)" }),
    // The line makes the middle node relay; the full topology of 3 nodes runs to 134,219 states.
    topology: oneOf(["line", "full"] as const, "line", {
      description: "a line n1 - n2 - ..., or every node a neighbour",
    }),
  },
  network: "unordered",
  nodes: (p) => ({ node: numberedIds("n", p.nodes), client: [CLIENT] }),
  roles: { node: modelNode(broadcastNode), client },
  faults: (p) => ({ loss: p.loss }),
  properties: {
    onlyBroadcastMessagesKnown: invariant<State>(
      (s) =>
        nodesOf(s).every((n) =>
          n.known.every((t) => {
            const m = JSON.parse(t) as unknown;
            return typeof m === "number" && m >= 1 && m <= handedOut(s);
          }),
        ),
      "a node knows only messages the client handed out",
    ),
    resentUntilNeighbourKnows: invariant<State>((s) => {
      const ids = Object.keys(s.nodes).filter((id) => id !== CLIENT);
      return ids.every((id) => {
        const n = s.nodes[id] as BroadcastNode;
        return n.neighbours.every((m) => {
          const other = s.nodes[m] as BroadcastNode | undefined;
          return n.known.every((t) => setHas(n.unacked[m] ?? [], t) || (other !== undefined && setHas(other.known, t)));
        });
      });
    }, "a node stops resending a message to a neighbour only once the neighbour has it"),
    // The client's message to a node may be lost too: agreement is over what some node took.
    everyNodeKnowsEveryMessage: atTermination<State>((s) => {
      const all = new Set(nodesOf(s).flatMap((n) => n.known));
      return nodesOf(s).every((n) => n.known.length === all.size);
    }, "when nothing more can happen, every node knows every message any node took from the client"),
  },
  variants: {
    "fire-and-forget": {
      description: "a node gossips a message once and never resends it: a lost gossip leaves a node without it",
      violates: "resentUntilNeighbourKnows",
      roles: { node: modelNode(fireAndForget) },
    },
  },
});

// ---------------------------------------------------------------------------
// Maelstrom's broadcast workload, served by `broadcastNode`.
// ---------------------------------------------------------------------------

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function gossipOf(msg: unknown): Gossip | GossipOk | undefined {
  if (!isRecord(msg) || !Array.isArray(msg["messages"])) return undefined;
  const messages = msg["messages"] as Json[];
  if (msg["type"] === "Gossip") return { type: "Gossip", messages };
  if (msg["type"] === "GossipOk") return { type: "GossipOk", messages };
  return undefined;
}

/**
 * Maelstrom's broadcast workload: `broadcast {message}` (any JSON value),
 * `read`, and `topology {topology}` (this node's entry becomes its
 * neighbours) become the role's inputs; gossip between nodes is the role's
 * own messages.
 */
export const broadcastMaelstrom: MaelstromMapping<BroadcastNode, NodeInput, BroadcastMessage, Resend> = {
  workload: "broadcast",
  role: broadcastNode,
  roleName: NODE_ROLE,
  request(body, { self }) {
    switch (body.type) {
      case "broadcast":
        return Object.hasOwn(body, "message") && body["message"] !== undefined
          ? { type: "Broadcast", message: body["message"] as Json }
          : { type: "error", code: MaelstromError.malformedRequest, text: "broadcast needs a message" };
      case "read":
        return { type: "Read" };
      case "topology": {
        const topology = body["topology"];
        const mine = isRecord(topology) && Object.hasOwn(topology, self) ? topology[self] : undefined;
        return Array.isArray(mine) && mine.every((n): n is string => typeof n === "string")
          ? { type: "Topology", neighbours: mine }
          : { type: "error", code: MaelstromError.malformedRequest, text: `topology has no list of nodes for ${self}` };
      }
      default:
        return undefined;
    }
  },
  reply(msg) {
    switch (msg.type) {
      case "BroadcastOk":
        return { type: "broadcast_ok" };
      case "ReadOk":
        return { type: "read_ok", messages: msg.messages };
      case "TopologyOk":
        return { type: "topology_ok" };
      default:
        return { type: "error", code: MaelstromError.crash, text: `unexpected ${msg.type} to a client` };
    }
  },
  peer: gossipOf,
};
