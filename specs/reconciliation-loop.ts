/**
 * A Kubernetes-style controller: a user edits an object's desired replica
 * count, a watch streams the edits to the controller, and the controller
 * creates or deletes one replica per reconcile until the actual count matches.
 *
 * The controller is level-triggered: a watch event only says "look again";
 * `reconcile` reads the current desired and actual state, takes one step
 * toward the desired one and requeues itself until they match. So it does not
 * matter which events it sees, or how often: a duplicated event costs one
 * extra look, and a missed event breaks the watch, after which the reflector
 * relists (as client-go's does on a watch error or a resourceVersion gap) and
 * delivers the current state as a `Sync` event. After the last change the
 * actual state converges to the desired one.
 *
 * An edge-triggered controller acts on what each event says changed instead:
 * it reconciles toward the last edit it saw, so a missed edit is lost for
 * good, since a `Sync` reports no change (client-go's resync delivers an
 * update whose old and new objects are equal, which an edge handler skips).
 */
import { atTermination, choose, defineSpec, int, invariant, onEveryStep } from "../src/index.js";

/** A watch event: an edit of the desired count, or the current state after a relist. */
export type WatchEvent =
  | { readonly type: "Modified"; readonly from: number; readonly to: number }
  | { readonly type: "Sync"; readonly desired: number };

/** One reconcile: the actual count after one step toward `desired`, and whether to requeue (more steps needed). */
export interface ReconcileResult {
  readonly actual: number;
  readonly requeue: boolean;
}

/**
 * Level-triggered reconcile: compare the desired and actual state as they are
 * now, create or delete one replica, and requeue while they still differ.
 * @example reconcile(3, 1) // { actual: 2, requeue: true }
 */
export function reconcile(desired: number, actual: number): ReconcileResult {
  const next = actual + Math.sign(desired - actual);
  return { actual: next, requeue: next !== desired };
}

/**
 * The target of an edge-triggered controller after `event`, given the last
 * edit it saw: the edit's new value; a `Sync` reports no change.
 * @example edgeTriggeredTarget(1, { type: "Sync", desired: 2 }) // 1
 */
export function edgeTriggeredTarget(lastSeen: number, event: WatchEvent): number {
  return event.type === "Modified" ? event.to : lastSeen;
}

/** The model's state: the object, the watch stream, the controller's work queue, and faults used. */
export interface ReconcileState {
  readonly desired: number;
  readonly actual: number;
  /** Edits made so far. */
  readonly changes: number;
  /** Events in flight on the watch, in order. */
  readonly events: readonly WatchEvent[];
  /** The watch broke (an event was missed); the reflector must relist. */
  readonly relistPending: boolean;
  /** The object is in the controller's work queue. */
  readonly queued: boolean;
  /** The desired count of the last edit the controller saw (only the edge-triggered controller keeps it). */
  readonly lastSeen: number;
  readonly missed: number;
  readonly duplicated: number;
}

/** Parameter values of the spec. */
export interface ReconcileParams {
  readonly replicas: number;
  readonly changes: number;
  readonly misses: number;
  readonly duplicates: number;
}

type Handler = (s: ReconcileState, event: WatchEvent) => ReconcileState;
type Reconciler = (s: ReconcileState) => ReconcileState | undefined;

/** Options of `reconcileWith`: where the target comes from, and whether reconcile requeues itself. */
interface ReconcilerOptions {
  readonly requeue: boolean;
  readonly target: (s: ReconcileState) => number;
}

/** Level-triggered: any event puts the object in the work queue. */
const enqueueOnEvent: Handler = (s) => ({ ...s, queued: true });

/** Edge-triggered: remember the edit the event reports, and queue the object only when there is one. */
const rememberEdit: Handler = (s, event) =>
  event.type === "Modified" ? { ...s, lastSeen: edgeTriggeredTarget(s.lastSeen, event), queued: true } : s;

/** Level-triggered: the target is the desired count as it is now. */
const currentDesired = (s: ReconcileState): number => s.desired;

function reconcileWith(options: ReconcilerOptions): Reconciler {
  return (s) => {
    if (!s.queued) return undefined;
    const target = options.target(s);
    if (s.actual === target) return { ...s, queued: false };
    const r = reconcile(target, s.actual);
    return { ...s, actual: r.actual, queued: options.requeue && r.requeue };
  };
}

function deliverWith(handle: Handler) {
  return (s: ReconcileState): ReconcileState | undefined => {
    const [head, ...rest] = s.events;
    return head === undefined ? undefined : handle({ ...s, events: rest }, head);
  };
}

/** A level-triggered controller reconciling an object's replica count, with watch events missed and duplicated. */
export const reconciliationLoop = defineSpec({
  name: "reconciliation-loop",
  description:
    "a level-triggered controller: despite missed and duplicated watch events, the actual state converges to the desired state after the last change",
  params: {
    replicas: int(2, { min: 1, max: 4, description: "largest desired replica count" }),
    changes: int(2, { min: 1, max: 4, description: "edits of the desired count per run" }),
    misses: int(1, {
      min: 0,
      max: 2,
      description: "watch events that may be missed (each breaks the watch, which relists)",
    }),
    duplicates: int(1, { min: 0, max: 2, description: "watch events that may be delivered twice" }),
  },
  init: () => [
    {
      desired: 0,
      actual: 0,
      changes: 0,
      events: [],
      relistPending: false,
      queued: false,
      lastSeen: 0,
      missed: 0,
      duplicated: 0,
    },
  ],
  actions: {
    Edit: choose(
      (s: ReconcileState, p: ReconcileParams) =>
        s.changes < p.changes ? Array.from({ length: p.replicas + 1 }, (_, v) => v).filter((v) => v !== s.desired) : [],
      (s: ReconcileState, to: number) => ({
        ...s,
        desired: to,
        changes: s.changes + 1,
        events: [...s.events, { type: "Modified", from: s.desired, to } as const],
      }),
    ),
    Deliver: deliverWith(enqueueOnEvent),
    MissEvent: (s: ReconcileState, p: ReconcileParams) =>
      s.events.length === 0 || s.missed >= p.misses
        ? undefined
        : { ...s, events: s.events.slice(1), missed: s.missed + 1, relistPending: true },
    DuplicateEvent: (s: ReconcileState, p: ReconcileParams) =>
      s.events.length === 0 || s.duplicated >= p.duplicates
        ? undefined
        : { ...s, events: [s.events[0]!, ...s.events], duplicated: s.duplicated + 1 },
    Relist: (s: ReconcileState) =>
      s.relistPending
        ? { ...s, relistPending: false, events: [...s.events, { type: "Sync", desired: s.desired } as const] }
        : undefined,
    Reconcile: reconcileWith({ requeue: true, target: currentDesired }),
  },
  properties: {
    convergesToDesired: atTermination<ReconcileState>(
      (s) => s.actual === s.desired,
      "when no edit, event or reconcile is left, the actual count equals the desired count (a liveness claim, checked at termination)",
    ),
    actualWithinRange: invariant<ReconcileState, ReconcileParams>(
      (s, p) => s.actual >= 0 && s.actual <= p.replicas,
      "the actual count never leaves 0..replicas",
    ),
    oneReplicaPerReconcile: onEveryStep<ReconcileState>(
      (prev, next) => prev.actual === next.actual || Math.abs(next.actual - prev.actual) === 1,
      "every reconcile creates or deletes one replica at a time",
    ),
  },
  variants: {
    "edge-triggered": {
      description:
        "the controller reconciles toward the last edit an event reported instead of the current desired state: a missed edit is lost for good",
      violates: "convergesToDesired",
      actions: {
        Deliver: deliverWith(rememberEdit),
        Reconcile: reconcileWith({ requeue: true, target: (s) => s.lastSeen }),
      },
    },
    "no-requeue": {
      description: "reconcile takes one step and does not requeue: an edit of more than one replica is left half done",
      violates: "convergesToDesired",
      actions: { Reconcile: reconcileWith({ requeue: false, target: currentDesired }) },
    },
  },
});
