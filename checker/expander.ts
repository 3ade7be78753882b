/**
 * Expanding one state: compute its successors, check the properties on each
 * step and each new state, and hand new states within the constraint to the
 * frontier. Shared by the single-threaded explorer and the parallel workers,
 * which differ only in the store and the frontier.
 */
import type { Fingerprint, Model, ModelProperty, SuccessorSink } from "../src/index.js";

/** A set of fingerprints that assigns indices and keeps trace links. */
export interface FingerprintSet {
  /** Returns the new state's index, or -1 when the fingerprint is known. */
  insert(hi: number, lo: number, parent: number, ordinal: number): number;
  /** True when the fingerprint is stored. */
  has(hi: number, lo: number): boolean;
  readonly size: number;
}

/** A property violation found while expanding. */
export interface Found {
  readonly property: string;
  readonly kind: ModelProperty<unknown>["kind"];
  /** The stored state the trace ends at, or, for action properties, the step's source. */
  readonly index: number;
  /** For action properties: the ordinal of the violating successor of `index`. */
  readonly ordinal?: number;
}

/** Receives each new state that is within the constraint. */
export type OnNew<S> = (state: S, index: number, hi: number, lo: number, depth: number) => void;

/** Expands states against a fingerprint set, counting and checking as it goes. */
export class Expander<S> {
  generated = 0;
  deepest = 0;
  violation: Found | undefined;
  /** Set when the set grew past `maxStates`. */
  full = false;
  private readonly invariants: Extract<ModelProperty<S>, { kind: "invariant" }>[];
  private readonly actions: Extract<ModelProperty<S>, { kind: "action" }>[];
  private readonly finals: Extract<ModelProperty<S>, { kind: "final" }>[];
  private readonly fp: Fingerprint = { hi: 0, lo: 0 };
  private readonly sink: SuccessorSink<S>;
  // The state being expanded, read by the sink.
  private state!: S;
  private index = 0;
  private depth = 0;
  private ordinal = 0;
  /** Successors of the state being expanded, faults excluded: with none, the state is final. */
  private successors = 0;

  constructor(
    private readonly model: Model<S>,
    private readonly store: FingerprintSet,
    private readonly onNew: OnNew<S>,
    private readonly maxStates = Infinity,
  ) {
    this.invariants = model.properties.filter((p) => p.kind === "invariant") as Expander<S>["invariants"];
    this.actions = model.properties.filter((p) => p.kind === "action") as Expander<S>["actions"];
    this.finals = model.properties.filter((p) => p.kind === "final") as Expander<S>["finals"];
    const self = this;
    const probe = (fp: Fingerprint): boolean => {
      if (self.violation || self.full || !store.has(fp.hi, fp.lo)) return false;
      self.generated++;
      self.successors++;
      self.ordinal++;
      return true;
    };
    this.sink = {
      labels: false,
      // A known successor needs no checks unless an action property must see it.
      ...(this.actions.length === 0 ? { probe } : {}),
      push(next, nextFp, _label, fault) {
        self.generated++;
        if (fault !== true) self.successors++;
        const ordinal = self.ordinal++;
        if (self.violation || self.full) return;
        for (const p of self.actions) {
          if (!p.check(self.state, next)) {
            self.violation = { property: p.name, kind: p.kind, index: self.index, ordinal };
            return;
          }
        }
        self.add(next, nextFp, self.index, ordinal, self.depth + 1);
      },
    };
  }

  /** Adds the model's initial states. */
  addInitial(): void {
    for (const [ordinal, state] of this.model.initStates().entries()) {
      this.generated++;
      this.model.fingerprint(state, this.fp);
      this.add(state, this.fp, -1, ordinal, 0);
      if (this.violation || this.full) return;
    }
  }

  /** Expands one stored state. */
  expand(state: S, index: number, hi: number, lo: number, depth: number): void {
    this.state = state;
    this.index = index;
    this.depth = depth;
    this.ordinal = 0;
    this.successors = 0;
    this.fp.hi = hi;
    this.fp.lo = lo;
    this.model.successors(state, this.fp, this.sink);
    if (this.successors === 0 && !this.violation) this.checkFinal(state, index);
  }

  private add(state: S, fp: Fingerprint, parent: number, ordinal: number, depth: number): void {
    const index = this.store.insert(fp.hi, fp.lo, parent, ordinal);
    if (index < 0) return;
    if (this.store.size > this.maxStates) {
      this.full = true;
      return;
    }
    if (depth > this.deepest) this.deepest = depth;
    for (const p of this.invariants) {
      if (!p.check(state)) {
        this.violation = { property: p.name, kind: p.kind, index };
        return;
      }
    }
    if (this.model.withinConstraint(state)) this.onNew(state, index, fp.hi, fp.lo, depth);
  }

  private checkFinal(state: S, index: number): void {
    for (const p of this.finals) {
      if (!p.check(state)) {
        this.violation = { property: p.name, kind: p.kind, index };
        return;
      }
    }
    if (this.model.deadlock) this.violation = { property: "deadlockFree", kind: "final", index };
  }
}
