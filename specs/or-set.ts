/**
 * The observed-remove set (OR-Set) of Shapiro, Preguiça, Baquero and
 * Zawirski, "A comprehensive study of Convergent and Commutative Replicated
 * Data Types" (2011), in its state-based form with add-wins semantics: a
 * replicated set for the eventual consistency of the seeds ("Data
 * Replication and Consistency"), where replicas accept adds and removes
 * without coordination and agree once they have seen the same operations,
 * whatever order the network delivered them in ("Order of Events").
 *
 * Every add of an element gets a unique tag (the replica and its own
 * counter). A remove does not delete the element: it tombstones the tags of
 * it that the remover has observed. An element is in the set while some tag
 * of it is not tombstoned. Merge is the union of both tag sets, which is
 * idempotent, commutative and associative, so states may be gossiped over a
 * network that reorders and duplicates. An add concurrent with a remove has a
 * tag the remove did not observe, so it survives the merge: add wins.
 *
 * The exported set functions and the `orSetReplica` role are what an
 * application uses. The model runs `replicas` replicas whose applications
 * each issue `ops` adds or removes (of present elements) on `elements`
 * elements; after each operation a replica sends its whole state to every
 * peer over an unordered network that may duplicate `duplicates` messages
 * (it loses none, so no retransmission is needed: see specs/g-counter.ts
 * for anti-entropy over a lossy network). Each replica keeps, as a ghost the
 * properties read, the tags its removes observed. There is no clock: time is
 * only the order of events.
 */
import { match } from "ts-pattern";
import {
  atTermination,
  become,
  defineProtocol,
  defineRole,
  int,
  invariant,
  numberedIds,
  send,
  setAdd,
  setHas,
  setOf,
  type NodeId,
  type ProtocolState,
  type RoleDef,
} from "../src/index.js";

// ---------------------------------------------------------------------------
// The set: plain data and pure functions.
// ---------------------------------------------------------------------------

/** A unique tag of one add: `"<replica>.<n>"`, the replica's n-th add. */
export type Tag = string;

/**
 * An observed-remove set of string elements. Per element, the tags of every
 * add seen and the tombstones (tags removed); both are sorted, non-empty
 * arrays, so every set has one plain-data form.
 */
export interface OrSet {
  readonly adds: Readonly<Record<string, readonly Tag[]>>;
  readonly removes: Readonly<Record<string, readonly Tag[]>>;
}

/** The set nobody has added to. */
export const emptyOrSet: OrSet = { adds: {}, removes: {} };

/** The tag of `replica`'s `n`-th add. */
export function tagOf(replica: NodeId, n: number): Tag {
  return `${replica}.${n}`;
}

/**
 * Adds `element` under a fresh `tag` (the caller keeps tags unique).
 * @example orSetAdd(emptyOrSet, "x", "r1.1") // { adds: { x: ["r1.1"] }, removes: {} }
 */
export function orSetAdd(set: OrSet, element: string, tag: Tag): OrSet {
  return { adds: { ...set.adds, [element]: setAdd(set.adds[element] ?? [], tag) }, removes: set.removes };
}

/**
 * Removes `element` as observed here: tombstones every tag of it this
 * replica has seen. A concurrent add elsewhere has a tag not among them.
 * @example
 * orSetRemove({ adds: { x: ["r1.1"] }, removes: {} }, "x")
 * // → { adds: { x: ["r1.1"] }, removes: { x: ["r1.1"] } }
 */
export function orSetRemove(set: OrSet, element: string): OrSet {
  const observed = set.adds[element];
  if (observed === undefined) return set;
  return {
    adds: set.adds,
    removes: { ...set.removes, [element]: setOf([...(set.removes[element] ?? []), ...observed]) },
  };
}

/** The union of two tag tables, sorted per element. */
function unionTable(
  a: Readonly<Record<string, readonly Tag[]>>,
  b: Readonly<Record<string, readonly Tag[]>>,
): Record<string, readonly Tag[]> {
  const out: Record<string, readonly Tag[]> = { ...a };
  for (const [element, tags] of Object.entries(b)) out[element] = setOf([...(out[element] ?? []), ...tags]);
  return out;
}

/**
 * The join of two sets: the union of the adds and of the tombstones.
 * Idempotent, commutative and associative.
 * @example
 * orSetElements(orSetMerge(orSetRemove(orSetAdd(emptyOrSet, "x", "r1.1"), "x"), orSetAdd(emptyOrSet, "x", "r2.1")))
 * // → ["x"]: add wins
 */
export function orSetMerge(a: OrSet, b: OrSet): OrSet {
  return { adds: unionTable(a.adds, b.adds), removes: unionTable(a.removes, b.removes) };
}

/** The tags of `element` that are not tombstoned: the adds that keep it in the set. */
export function orSetLiveTags(set: OrSet, element: string): readonly Tag[] {
  const removed = set.removes[element] ?? [];
  return (set.adds[element] ?? []).filter((t) => !setHas(removed, t));
}

/** True when `element` is in the set. */
export function orSetHas(set: OrSet, element: string): boolean {
  return orSetLiveTags(set, element).length > 0;
}

/** The elements in the set, sorted. */
export function orSetElements(set: OrSet): readonly string[] {
  return Object.keys(set.adds)
    .filter((e) => orSetHas(set, e))
    .sort();
}

// ---------------------------------------------------------------------------
// The replica: operations, and state shipped to every peer after each one.
// ---------------------------------------------------------------------------

/** The replica's application adds `element`. */
export interface AddInput {
  readonly type: "Add";
  readonly element: string;
}

/** The replica's application removes `element`. */
export interface RemoveInput {
  readonly type: "Remove";
  readonly element: string;
}

/** A peer's whole state. */
export interface StateMessage {
  readonly type: "State";
  readonly set: OrSet;
}

/** What a replica reacts to. */
export type OrSetInput = AddInput | RemoveInput | StateMessage;

/** A replica: its set and how many adds it has tagged (its own counter). */
export interface OrSetReplica {
  readonly set: OrSet;
  readonly added: number;
}

/** How a replica removes and merges (the exported role uses orSetRemove and orSetMerge; variants break them). */
export interface OrSetRules {
  readonly remove: (set: OrSet, element: string) => OrSet;
  readonly merge: (own: OrSet, received: OrSet) => OrSet;
}

/** A replica with the given rules. */
export function orSetReplicaWith(rules: OrSetRules): RoleDef<OrSetReplica, OrSetInput, StateMessage> {
  const shipped = (self: NodeId, nodes: readonly NodeId[], next: OrSetReplica) =>
    become<OrSetReplica, StateMessage>(
      next,
      ...nodes.filter((n) => n !== self).map((peer) => send<StateMessage>(peer, { type: "State", set: next.set })),
    );
  return defineRole<OrSetReplica, OrSetInput, StateMessage>({
    init: () => ({ set: emptyOrSet, added: 0 }),
    reduce: (s, input, ctx) =>
      match(input)
        .with({ type: "Add" }, ({ element }) =>
          shipped(ctx.self, ctx.nodes, {
            set: orSetAdd(s.set, element, tagOf(ctx.self, s.added + 1)),
            added: s.added + 1,
          }),
        )
        .with({ type: "Remove" }, ({ element }) =>
          shipped(ctx.self, ctx.nodes, { ...s, set: rules.remove(s.set, element) }),
        )
        .with({ type: "State" }, ({ set }) =>
          become<OrSetReplica, StateMessage>({ ...s, set: rules.merge(s.set, set) }),
        )
        .exhaustive(),
  });
}

/**
 * An OR-Set replica: tags each add with (replica, counter), tombstones the
 * observed tags on a remove, ships its state to every peer after each
 * operation, and merges what it receives by union.
 * @example
 * const ctx = { self: "r1", from: undefined, kind: "choice", params: {}, nodes: ["r1", "r2"], roles: {} } as const;
 * orSetReplica.reduce(orSetReplica.init(ctx), { type: "Add", element: "x" }, ctx)
 * // state { set: { adds: { x: ["r1.1"] }, removes: {} }, added: 1 }; sends State to r2
 */
export const orSetReplica = orSetReplicaWith({ remove: orSetRemove, merge: orSetMerge });

/**
 * The bug: a replica that learns of a remove of `element` deletes the
 * element outright (tombstones every tag of it it knows), as if the remove
 * were of the value and not of the adds its issuer saw.
 */
export function mergeRemovingByValue(own: OrSet, received: OrSet): OrSet {
  const merged = orSetMerge(own, received);
  let removes = merged.removes;
  for (const [element, tags] of Object.entries(received.removes)) {
    const news = tags.some((t) => !setHas(own.removes[element] ?? [], t));
    if (news) removes = { ...removes, [element]: merged.adds[element] ?? tags };
  }
  return { adds: merged.adds, removes };
}

/**
 * The bug: a remove forgets the element's tags instead of tombstoning them, so a merge with a peer that still has them
 * brings it back.
 */
export function removeWithoutTombstone(set: OrSet, element: string): OrSet {
  const { [element]: _forgotten, ...adds } = set.adds;
  return { adds, removes: set.removes };
}

// ---------------------------------------------------------------------------
// The model: each replica's application issues `ops` operations; a ghost
// records the tags each replica's removes observed.
// ---------------------------------------------------------------------------

/** A modelled replica: the application's replica, its operations issued, and (ghost) the tags its removes observed. */
export interface ModelReplica extends OrSetReplica {
  readonly issued: number;
  readonly observed: readonly Tag[];
}

interface Params {
  readonly replicas: number;
  readonly elements: number;
  readonly ops: number;
  readonly duplicates: number;
}

type State = ProtocolState<ModelReplica, StateMessage>;

/** The replica ids: r1..rN. */
export function replicaIds(n: number): readonly NodeId[] {
  return numberedIds("r", n);
}

const ELEMENTS = ["x", "y", "z"] as const;

/** The elements the applications use: x, y, z (the first `n`). */
export function elementsOf(n: number): readonly string[] {
  return ELEMENTS.slice(0, n);
}

/** Runs `replica` under an application that issues `ops` adds or removes (removes only of present elements). */
function application(
  replica: RoleDef<OrSetReplica, OrSetInput, StateMessage>,
): RoleDef<ModelReplica, OrSetInput, StateMessage, never, Params> {
  return defineRole<ModelReplica, OrSetInput, StateMessage, never, Params>({
    init: (ctx) => ({ ...replica.init(ctx), issued: 0, observed: [] }),
    choices: (s, ctx) => {
      if (s.issued >= ctx.params.ops) return [];
      const elements = elementsOf(ctx.params.elements);
      const adds: OrSetInput[] = elements.map((element) => ({ type: "Add", element }));
      const removes: OrSetInput[] = elements
        .filter((e) => orSetHas(s.set, e))
        .map((element) => ({ type: "Remove", element }));
      return [...adds, ...removes];
    },
    reduce: (s, input, ctx) => {
      const { issued, observed, ...app } = s;
      const step = replica.reduce(app, input, ctx);
      if (step === undefined) return undefined;
      if (input.type === "State") return { state: { ...step.state, issued, observed }, effects: step.effects };
      const seen = input.type === "Remove" ? setOf([...observed, ...(app.set.adds[input.element] ?? [])]) : observed;
      return { state: { ...step.state, issued: issued + 1, observed: seen }, effects: step.effects };
    },
  });
}

function replicasOf(s: State): ModelReplica[] {
  return Object.values(s.nodes);
}

/** Every tag some remove, anywhere, observed. */
function observedByRemoves(s: State): readonly Tag[] {
  return setOf(replicasOf(s).flatMap((r) => r.observed));
}

/** The state-based OR-Set CRDT (add wins), states shipped over a duplicating, reordering network. */
export const orSet = defineProtocol({
  name: "or-set",
  description:
    "state-based observed-remove set (add-wins OR-Set): unique tags per add and tombstones make a remove delete only what it observed, and replicas converge",
  params: {
    replicas: int(2, { min: 2, max: 3, description: "number of replicas" }),
    elements: int(1, { min: 1, max: 3, description: "elements the applications add and remove (x, y, z)" }),
    ops: int(2, { min: 1, max: 3, description: "adds or removes each replica's application issues" }),
    duplicates: int(1, { min: 0, max: 2, description: "how many messages the network may duplicate" }),
  },
  network: "unordered",
  nodes: (p) => ({ replica: replicaIds(p.replicas) }),
  roles: { replica: application(orSetReplica) },
  faults: (p) => ({ duplicate: p.duplicates }),
  // No `symmetry`: tags embed replica ids ("r1.1"), which symmetry reduction would not rename.
  properties: {
    addWins: invariant<State, Params>((s) => {
      const observed = observedByRemoves(s);
      return replicasOf(s).every((r) =>
        Object.entries(r.set.adds).every(
          ([element, tags]) => tags.every((t) => setHas(observed, t)) || orSetHas(r.set, element),
        ),
      );
    }, "a replica that has seen an add no remove observed (one concurrent with every remove of its element) has the element: so once a concurrent add and remove are delivered everywhere, the element is in every replica's set"),
    removeRemovesObserved: invariant<State, Params>(
      (s) =>
        replicasOf(s).every((r) =>
          Object.keys(r.set.adds).every((element) =>
            orSetLiveTags(r.set, element).every((t) => !setHas(r.observed, t)),
          ),
        ),
      "after a remove at a replica, none of the adds it observed keeps an element there, whatever states it merges later: removed elements are not resurrected",
    ),
    replicasConverge: atTermination<State, Params>((s) => {
      const [first, ...rest] = replicasOf(s).map((r) => orSetElements(r.set).join(","));
      return rest.every((e) => e === first);
    }, "when every operation has been issued and every message delivered, all replicas hold the same elements"),
  },
  variants: {
    "remove-by-value": {
      description:
        "a replica that learns of a remove deletes the element outright, tags it never showed the remover included: a concurrent add is lost",
      violates: "addWins",
      roles: { replica: application(orSetReplicaWith({ remove: orSetRemove, merge: mergeRemovingByValue })) },
    },
    "no-tombstones": {
      description:
        "a remove forgets the element's tags instead of tombstoning them: merging a peer's state that still has them resurrects the element",
      violates: "removeRemovesObserved",
      roles: { replica: application(orSetReplicaWith({ remove: removeWithoutTombstone, merge: orSetMerge })) },
    },
  },
});
