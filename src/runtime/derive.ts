/**
 * What the runtime learns about a protocol by running its model: seeded
 * random walks over the model's own transitions (the kernel's `Model`, no
 * checker) collect every message in flight with its sender's and receiver's
 * roles, and every client step that records a history event. From these come
 * the message types a node accepts from peers and from clients with their
 * shapes (validation), and the client roles (those whose choices record
 * history events). The walks are deterministic, so every node process and
 * the orchestrator learn the same.
 */
import type { Envelope, ProtocolState } from "../protocol.js";
import type { Model } from "../spec.js";
import { seededRandom } from "./seeded-random.js";
import { emptyShape, learn, shapeFromJson, shapeToJson, type Shape, type ShapeJson } from "./shapes.js";

/** What the walks found. */
export interface Learned {
  /** Message shapes by type, for messages between non-client nodes. */
  readonly peer: Map<string, Shape>;
  /** Message shapes by type, for messages from clients to nodes. */
  readonly client: Map<string, Shape>;
  /** Message shapes by type, for messages from nodes to clients. */
  readonly toClient: Map<string, Shape>;
  /** Roles a node recorded a history event in (a client role). */
  readonly recording: Set<string>;
}

/**
 * How much the walks explore: every message of the catalogue's client-server models, in about 0.1 s (each node process
 * learns it at start).
 */
const WALKS = 40;
const STEPS = 40;

/**
 * Learns from `model`; `roleOf` maps a node id to its role, `isClient` says
 * whether a role is a client role (undefined: not known yet; recording roles
 * with choices are clients).
 */
export function learnFromModel(
  model: Model<ProtocolState>,
  roleOf: (id: string) => string | undefined,
  clientRoles: ReadonlySet<string> | undefined,
  choosing: ReadonlySet<string>,
): Learned {
  const learned: Learned = { peer: new Map(), client: new Map(), toClient: new Map(), recording: new Set() };
  const random = seededRandom(7);
  const seen = new Set<unknown>();
  const envelopes: Envelope[] = [];
  const fp = { hi: 0, lo: 0 };
  for (let walk = 0; walk < WALKS; walk++) {
    const inits = model.initStates();
    let state = inits[Math.floor(random() * inits.length)];
    for (let step = 0; step < STEPS && state !== undefined; step++) {
      for (const e of state.network) {
        if (seen.has(e)) continue;
        seen.add(e);
        envelopes.push(e);
      }
      const next: ProtocolState[] = [];
      const before = state;
      model.fingerprint(state, fp);
      model.successors(state, fp, { labels: false, push: (s) => void next.push(s) });
      state = next[Math.floor(random() * next.length)];
      if (state !== undefined && state.history.length > before.history.length) {
        const process = state.history[state.history.length - 1]?.process;
        const role = process === undefined ? undefined : roleOf(String(process));
        if (role !== undefined) learned.recording.add(role);
      }
    }
  }
  const clients = clientRoles ?? new Set([...learned.recording].filter((r) => choosing.has(r)));
  for (const e of envelopes) {
    const fromRole = roleOf(e.from);
    const msg = e.msg as { type?: unknown };
    if (fromRole === undefined || typeof msg !== "object" || msg === null || typeof msg.type !== "string") continue;
    for (const to of typeof e.to === "string" ? [e.to] : e.to) {
      const toRole = roleOf(to);
      if (toRole === undefined) continue;
      const table = clients.has(toRole) ? learned.toClient : clients.has(fromRole) ? learned.client : learned.peer;
      let shape = table.get(msg.type);
      if (shape === undefined) table.set(msg.type, (shape = emptyShape()));
      learn(shape, msg);
    }
  }
  return learned;
}

/** What the walks found, as JSON (see shapes.ts). */
export interface LearnedJson {
  readonly peer: readonly (readonly [string, ShapeJson])[];
  readonly client: readonly (readonly [string, ShapeJson])[];
  readonly toClient: readonly (readonly [string, ShapeJson])[];
  readonly recording: readonly string[];
}

/** `learned` as JSON. */
export function learnedToJson(learned: Learned): LearnedJson {
  const table = (m: Map<string, Shape>) => [...m].map(([k, s]) => [k, shapeToJson(s)] as const);
  return {
    peer: table(learned.peer),
    client: table(learned.client),
    toClient: table(learned.toClient),
    recording: [...learned.recording],
  };
}

/** What `json` describes. */
export function learnedFromJson(json: LearnedJson): Learned {
  const table = (t: LearnedJson["peer"]) => new Map(t.map(([k, s]) => [k, shapeFromJson(s)]));
  return {
    peer: table(json.peer),
    client: table(json.client),
    toClient: table(json.toClient),
    recording: new Set(json.recording),
  };
}
