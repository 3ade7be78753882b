import type { Fingerprint, Model, ModelProperty, PropertyKind, SuccessorSink } from "../../src/index.js";
import type { WalkPath } from "./path.js";

type Invariant<S> = Extract<ModelProperty<S>, { kind: "invariant" }>;
type ActionProp<S> = Extract<ModelProperty<S>, { kind: "action" }>;
type FinalProp<S> = Extract<ModelProperty<S>, { kind: "final" }>;

/** A violation found on a walk: the property and the path to it. */
export interface Found {
  readonly property: string;
  readonly kind: PropertyKind;
  readonly path: WalkPath;
}

/**
 * The successors of one state, kept in reusable buffers: a walk needs them
 * all to count them, but neither labels nor a copy of each.
 */
export class Expander<S> {
  readonly states: S[] = [];
  readonly his: number[] = [];
  readonly los: number[] = [];
  /** Action labels, when asked for (shrinking matches steps by label). */
  readonly labels: string[] = [];
  count = 0;
  /** Successors that are not faults: with none, the state is final (faults do not keep a run going). */
  normal = 0;
  generated = 0;
  private readonly sink: SuccessorSink<S>;
  private readonly fp: Fingerprint = { hi: 0, lo: 0 };

  constructor(
    private readonly model: Model<S>,
    options: { readonly labels: boolean },
  ) {
    this.sink = {
      labels: options.labels,
      push: (next, fp, label, fault) => {
        const k = this.count++;
        if (fault !== true) this.normal++;
        this.states[k] = next;
        this.his[k] = fp.hi;
        this.los[k] = fp.lo;
        if (options.labels) this.labels[k] = label;
      },
    };
  }

  /** Computes the successors of `state` (fingerprint hi/lo); returns how many. */
  expand(state: S, hi: number, lo: number): number {
    this.count = 0;
    this.normal = 0;
    this.fp.hi = hi;
    this.fp.lo = lo;
    this.model.successors(state, this.fp, this.sink);
    this.generated += this.count;
    return this.count;
  }

  /** Drops references to the last successors (so they can be collected). */
  clear(): void {
    this.states.length = 0;
  }
}

/** The properties of a model by kind, and the checks a walk makes. */
export class Checks<S> {
  readonly invariants: Invariant<S>[];
  readonly actions: ActionProp<S>[];
  readonly finals: FinalProp<S>[];

  constructor(readonly model: Model<S>) {
    this.invariants = model.properties.filter((p): p is Invariant<S> => p.kind === "invariant");
    this.actions = model.properties.filter((p): p is ActionProp<S> => p.kind === "action");
    this.finals = model.properties.filter((p): p is FinalProp<S> => p.kind === "final");
  }

  invariant(state: S): Invariant<S> | undefined {
    for (const p of this.invariants) if (!p.check(state)) return p;
    return undefined;
  }

  action(prev: S, next: S): ActionProp<S> | undefined {
    for (const p of this.actions) if (!p.check(prev, next)) return p;
    return undefined;
  }

  /** The final property a state with no successors violates (deadlockFree when the model checks deadlocks). */
  final(state: S): { name: string; kind: "final" } | undefined {
    for (const p of this.finals) if (!p.check(state)) return p;
    return this.model.deadlock ? { name: "deadlockFree", kind: "final" } : undefined;
  }
}
