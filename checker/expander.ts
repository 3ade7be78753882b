/**
 * Expanding one state: compute its successors, check the properties on each
 * step and each new state, and hand new states within the constraint to the
 * frontier. Shared by the single-threaded explorer and the parallel workers,
 * which differ only in the store and the frontier.
 *
 * Counting follows TLC: every initial state and computed successor is
 * generated; a state outside the constraint is checked against the
 * invariants but neither stored (counted as distinct) nor expanded.
 *
 * With liveness properties, every edge (to a new or a known state, or out of
 * the constraint) goes to an edge log with its step's fairness key, and each
 * stored state's liveness predicates are evaluated once (see edge-log.ts).
 *
 * The user's code is guarded here (see src/user-code.ts): stored states are
 * deep-frozen, time and randomness are trapped while the spec's code runs,
 * and a sample of states is expanded twice to compare the successors.
 */
import {
  propertiesOfKind,
  type Fingerprint,
  type Model,
  type ModelProperty,
  type PropertyKind,
  type SuccessorSink,
  actionOfLabel,
} from "../src/index.js";
import { deepFreeze, NO_REDUCER_THROWS, UserCodeError, userCode, isFinding, type UserFault } from "../src/user-code.js";
import type { EdgeLog } from "./edge-log.js";

/** A set of fingerprints that assigns indices and keeps trace links. */
export interface FingerprintSet {
  /** Returns the new state's index, or -1 when the fingerprint is known. */
  insert(hi: number, lo: number, parent: number, ordinal: number): number;
  /** True when the fingerprint is stored. */
  has(hi: number, lo: number): boolean;
  /** The index of a stored fingerprint, or -1 (needed only to record edges for liveness). */
  indexOf?(hi: number, lo: number): number;
  readonly size: number;
}

/** A property violation, or a fault of the user's code, found while expanding. */
export interface Found {
  readonly property: string;
  readonly kind: PropertyKind | "error";
  /**
   * The stored state the trace ends at, or the source of the step that
   * leads to the violation (`ordinal` set); -1 before any state is stored.
   */
  readonly index: number;
  /** The ordinal of the violating successor of `index` (action properties, states outside the constraint). */
  readonly ordinal?: number;
  /** For an initial state outside the constraint: its position among the initial states. */
  readonly initOrdinal?: number;
  /** For faults of the user's code: what failed (the trace ends at the state it failed on). */
  readonly fault?: UserFault;
}

/** Receives each new state that is within the constraint. */
export type OnNew<S> = (state: S, index: number, hi: number, lo: number, depth: number) => void;

/** How often a guarded run expands a state twice to catch nondeterminism. */
export interface GuardOptions {
  /** Freeze states, trap time and randomness, re-run sampled states (default true). */
  readonly guards?: boolean;
  /** Count per action how often it was enabled and how many new states it found (labels on: slower). */
  readonly coverage?: boolean;
  /** Record every edge and the liveness predicates of every stored state here (for liveness properties). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the log stores state indices and labels, never a state: any state type fits
  readonly edges?: EdgeLog<any>;
}

/** States expanded twice at the start of every search; after them, one in SAMPLE_EVERY. */
const SAMPLE_FIRST = 256;
const SAMPLE_EVERY = 256;

/** Per-action counts for `--coverage`. */
export interface CoverageRow {
  /** The action (or protocol role and input type). */
  readonly action: string;
  /** Successors it produced (duplicates included). */
  enabled: number;
  /** New distinct states among them. */
  distinct: number;
  /** Per chosen value (`Inc(1)`), for actions with a few (at most 16) values. */
  values?: CoverageRow[];
}

const MAX_VALUES = 16;

type Invariant<S> = Extract<ModelProperty<S>, { kind: "invariant" }>;
type ActionProperty<S> = Extract<ModelProperty<S>, { kind: "action" }>;
type FinalProperty<S> = Extract<ModelProperty<S>, { kind: "final" }>;

/**
 * A model's properties split by kind, in declaration order, with the plain
 * checks a walk makes (the Expander checks the same lists, guarding against
 * faults of the user's code as it goes).
 */
export class Properties<S> {
  readonly invariants: readonly Invariant<S>[];
  readonly actions: readonly ActionProperty<S>[];
  readonly finals: readonly FinalProperty<S>[];
  readonly sometimes: readonly Extract<ModelProperty<S>, { kind: "sometimes" }>[];

  constructor(private readonly model: Model<S>) {
    this.invariants = propertiesOfKind(model.properties, "invariant");
    this.actions = propertiesOfKind(model.properties, "action");
    this.finals = propertiesOfKind(model.properties, "final");
    this.sometimes = propertiesOfKind(model.properties, "sometimes");
  }

  /** The first invariant `state` violates. */
  violatedInvariant(state: S): Invariant<S> | undefined {
    for (const p of this.invariants) if (!p.check(state)) return p;
    return undefined;
  }

  /** The first action property the step `prev` -> `next` violates. */
  violatedAction(prev: S, next: S): ActionProperty<S> | undefined {
    for (const p of this.actions) if (!p.check(prev, next)) return p;
    return undefined;
  }

  /** The final property a state with no successors violates (`deadlockFree` when the model checks deadlocks). */
  violatedFinal(state: S): { readonly name: string; readonly kind: "final" } | undefined {
    for (const p of this.finals) if (!p.check(state)) return p;
    return this.model.deadlock ? { name: "deadlockFree", kind: "final" } : undefined;
  }
}

/**
 * The successors of one state in order, without a store, in reusable
 * buffers: for walks, which need every successor to pick one, and for
 * replaying a path. The Expander's own loop does not use it: it hands each
 * successor to the store as the model produces it, and skips building the
 * known ones.
 */
export class Successors<S> {
  readonly states: S[] = [];
  readonly his: number[] = [];
  readonly los: number[] = [];
  /** Action labels, with `labels: true`. */
  readonly labels: string[] = [];
  /** Successors of the last state expanded. */
  count = 0;
  /** Those of them that are not faults: with none, the state is final (faults do not keep a run going). */
  normal = 0;
  /** Successors computed over all expansions. */
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

/** Expands states against a fingerprint set, counting and checking as it goes. */
export class Expander<S> {
  generated = 0;
  deepest = 0;
  violation: Found | undefined;
  /** Set when the set grew past `maxStates`. */
  full = false;
  /** `sometimes` properties in declaration order, and whether a state satisfying each was seen. */
  readonly reached: boolean[];
  readonly coverage = new Map<string, CoverageRow>();
  private readonly invariants: readonly Invariant<S>[];
  private readonly actions: readonly ActionProperty<S>[];
  private readonly finals: readonly FinalProperty<S>[];
  private readonly sometimes: readonly Extract<ModelProperty<S>, { kind: "sometimes" }>[];
  private readonly fp: Fingerprint = { hi: 0, lo: 0 };
  private readonly sink: SuccessorSink<S>;
  private readonly guards: boolean;
  private readonly freeze: (state: S) => void;
  private readonly constrained: boolean;
  // The state being expanded, read by the sink.
  private state!: S;
  private index = 0;
  private depth = 0;
  private ordinal = 0;
  /** Successors of the state being expanded, faults excluded: with none, the state is final. */
  private successors = 0;
  private expanded = 0;
  /** Fingerprints of the successors of a sampled state (hi, lo pairs), while it is re-run. */
  private recorded: number[] | undefined;
  private coverageKey = "";
  private coverageValue: CoverageRow | undefined;
  private readonly edges: EdgeLog<S> | undefined;

  constructor(
    private readonly model: Model<S>,
    private readonly store: FingerprintSet,
    private readonly onNew: OnNew<S>,
    private readonly maxStates = Infinity,
    options: GuardOptions = {},
  ) {
    this.guards = options.guards ?? true;
    this.freeze = model.freeze ? (state) => model.freeze!(state) : deepFreeze;
    this.constrained = model.constrained ?? true;
    const properties = new Properties(model);
    this.invariants = properties.invariants;
    this.actions = properties.actions;
    this.finals = properties.finals;
    this.sometimes = properties.sometimes;
    this.reached = this.sometimes.map(() => false);
    this.edges = options.edges;
    const edges = options.edges;
    const coverage = options.coverage ?? false;
    const probe = (fp: Fingerprint): boolean => {
      if (this.violation || this.full) return false;
      // A successor with the expanded state's own fingerprint is that state,
      // stored before it was expanded: known without a table probe, which is
      // a cache miss on big tables. Measured: self-loops are 36% of
      // two-phase commit's successors at rms=6 (a decision received again).
      if ((fp.hi !== this.fp.hi || fp.lo !== this.fp.lo) && !store.has(fp.hi, fp.lo)) return false;
      this.generated++;
      this.successors++;
      this.ordinal++;
      if (this.recorded) this.recorded.push(fp.hi, fp.lo);
      return true;
    };
    this.sink = {
      // Edges carry fairness keys, which are labels.
      labels: coverage || edges?.fairness !== undefined,
      // A known successor needs no checks unless an action property or the edge log must see it.
      ...(this.actions.length === 0 && !coverage && !edges ? { probe } : {}),
      push: (next, nextFp, label, fault) => {
        this.generated++;
        if (fault !== true) this.successors++;
        const ordinal = this.ordinal++;
        if (this.recorded) this.recorded.push(nextFp.hi, nextFp.lo);
        if (this.violation || this.full) return;
        if (coverage) this.count(label);
        const at = { index: this.index, ordinal };
        for (const p of this.actions) {
          if (!this.holds(() => p.check(this.state, next), at)) {
            this.violation ??= { property: p.name, kind: p.kind, ...at };
            return;
          }
        }
        const to = this.add(next, nextFp, this.index, ordinal, this.depth + 1);
        if (edges && !this.violation && !this.full) edges.push(this.index, to, label, fault === true, ordinal);
      },
    };
  }

  /** Adds the model's initial states. */
  addInitial(): void {
    const initial = new Set<number>();
    this.guarded(-1, () => {
      for (const [ordinal, state] of this.model.initStates().entries()) {
        this.generated++;
        this.model.fingerprint(state, this.fp);
        const index = this.add(state, this.fp, -1, ordinal, 0);
        if (this.edges && index >= 0 && !initial.has(index)) {
          initial.add(index);
          this.edges.initial.push(index);
        }
        if (this.violation || this.full) return;
      }
    });
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
    const sampled = this.guards && (this.expanded < SAMPLE_FIRST || this.expanded % SAMPLE_EVERY === 0);
    this.expanded++;
    if (this.guards) userCode.running = true;
    try {
      if (sampled) this.expandTwice(state, hi, lo);
      else this.model.successors(state, this.fp, this.sink);
      if (this.successors === 0 && !this.violation) this.checkFinal(state, index);
    } catch (error) {
      this.fail(error, index);
    } finally {
      if (this.guards) userCode.running = false;
    }
  }

  /** Expands a sampled state twice (the second time for real) and compares the successors. */
  private expandTwice(state: S, hi: number, lo: number): void {
    const first = this.successorFingerprints(state, hi, lo);
    this.recorded = [];
    let second: number[];
    try {
      this.model.successors(state, this.fp, this.sink);
    } finally {
      second = this.recorded;
      this.recorded = undefined;
    }
    if (!this.violation && !this.full) this.compareRuns(state, hi, lo, first, second);
  }

  /** Runs the user's code for state `index` (init: -1), turning its faults into a Found. */
  private guarded(index: number, run: () => void): void {
    if (this.guards) userCode.running = true;
    try {
      run();
    } catch (error) {
      this.fail(error, index);
    } finally {
      if (this.guards) userCode.running = false;
    }
  }

  /** A fault of the user's code at state `index` ends the search with a finding; anything else is the checker's. */
  private fail(error: unknown, index: number): void {
    if (!(error instanceof UserCodeError)) throw error;
    this.violation ??= faultFound(error.fault, index);
  }

  private successorFingerprints(state: S, hi: number, lo: number): number[] {
    const fps: number[] = [];
    // A probe that answers "known" records a successor's fingerprint without the model building the state.
    this.model.successors(
      state,
      { hi, lo },
      {
        labels: false,
        push: (_next, fp) => void fps.push(fp.hi, fp.lo),
        probe: (fp) => (fps.push(fp.hi, fp.lo), true),
      },
    );
    return fps;
  }

  /** Two runs of the same state must give the same successors, in the same order. */
  private compareRuns(state: S, hi: number, lo: number, first: readonly number[], second: readonly number[]): void {
    let k = 0;
    while (k < first.length && k < second.length && first[k] === second[k]) k++;
    if (k === first.length && k === second.length) return;
    const ordinal = k >> 1;
    const labels: string[] = [];
    this.model.successors(state, { hi, lo }, { labels: true, push: (_n, _fp, label) => void labels.push(label) });
    const where = labels[Math.min(ordinal, labels.length - 1)] ?? "(no action)";
    const message =
      first.length !== second.length
        ? `expanding the same state twice gave ${first.length / 2} and then ${second.length / 2} successors`
        : `expanding the same state twice gave a different successor #${ordinal + 1}`;
    throw new UserCodeError({
      kind: "nondeterminism",
      site: "action",
      where,
      message: `${message} (does it read a variable outside the state, or a clock or random source?)`,
    });
  }

  private count(label: string): void {
    const key = this.model.coverageKey ? this.model.coverageKey(label) : actionOfLabel(label);
    this.coverageKey = key;
    let row = this.coverage.get(key);
    if (!row) this.coverage.set(key, (row = { action: key, enabled: 0, distinct: 0 }));
    row.enabled++;
    this.coverageValue = undefined;
    if (label === key || (row.values === undefined && row.enabled > 1)) return;
    // Per value: only while an action has few of them (a protocol's messages have many).
    row.values ??= [];
    let value = row.values.find((v) => v.action === label);
    if (!value) {
      if (row.values.length >= MAX_VALUES) {
        delete row.values;
        return;
      }
      row.values.push((value = { action: label, enabled: 0, distinct: 0 }));
    }
    value.enabled++;
    this.coverageValue = value;
  }

  /**
   * Evaluates a user predicate about the state reached at `at`; a fault of
   * the user's code there becomes the search's finding (with that trace).
   */
  private holds(check: () => boolean, at: Pick<Found, "index" | "ordinal" | "initOrdinal">): boolean {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof UserCodeError)) throw error;
      this.violation ??= { ...faultFound(error.fault, -1), ...at };
      return false;
    }
  }

  /** `holds` for an invariant, without a closure per check: every new state is checked against every invariant. */
  private invariantHolds(
    p: Expander<S>["invariants"][number],
    state: S,
    at: Pick<Found, "index" | "ordinal" | "initOrdinal">,
  ): boolean {
    try {
      return p.check(state);
    } catch (error) {
      if (!(error instanceof UserCodeError)) throw error;
      this.violation ??= { ...faultFound(error.fault, -1), ...at };
      return false;
    }
  }

  /**
   * Stores a state if new; returns its index (new or known), or -1 when it is
   * outside the constraint or the search stopped. Known states' indices are
   * looked up only when edges are recorded.
   */
  private add(state: S, fp: Fingerprint, parent: number, ordinal: number, depth: number): number {
    if (this.constrained) {
      if (this.store.has(fp.hi, fp.lo)) return this.edges ? this.store.indexOf!(fp.hi, fp.lo) : -1;
      if (this.guards) this.freeze(state);
      const reached = parent < 0 ? { index: -1, initOrdinal: ordinal } : { index: parent, ordinal };
      if (!this.holds(() => this.model.withinConstraint(state), reached)) {
        if (this.violation) return -1;
        // TLC's rule: checked against the invariants, but neither counted nor expanded.
        this.checkState(state, reached);
        return -1;
      }
    } else if (this.guards) {
      this.freeze(state);
    }
    const index = this.store.insert(fp.hi, fp.lo, parent, ordinal);
    if (index < 0) return this.edges ? this.store.indexOf!(fp.hi, fp.lo) : -1;
    if (this.store.size > this.maxStates) {
      this.full = true;
      return -1;
    }
    if (this.coverageKey !== "") {
      this.coverage.get(this.coverageKey)!.distinct++;
      if (this.coverageValue) this.coverageValue.distinct++;
    }
    if (depth > this.deepest) this.deepest = depth;
    if (!this.checkState(state, { index })) return -1;
    if (this.edges && !this.holds(() => (this.edges!.mark(index, state), true), { index })) return -1;
    this.onNew(state, index, fp.hi, fp.lo, depth);
    return index;
  }

  /** Checks invariants and `sometimes` properties; false when a violation was found. */
  private checkState(state: S, at: Pick<Found, "index" | "ordinal" | "initOrdinal">): boolean {
    for (const p of this.invariants) {
      if (!this.invariantHolds(p, state, at)) {
        this.violation ??= { property: p.name, kind: p.kind, ...at };
        return false;
      }
    }
    for (let k = 0; k < this.sometimes.length; k++) {
      if (!this.reached[k] && this.holds(() => this.sometimes[k]!.check(state), at)) this.reached[k] = true;
      if (this.violation) return false;
    }
    return true;
  }

  private checkFinal(state: S, index: number): void {
    for (const p of this.finals) {
      if (!this.holds(() => p.check(state), { index })) {
        this.violation ??= { property: p.name, kind: p.kind, index };
        return;
      }
    }
    if (this.model.deadlock) this.violation = { property: "deadlockFree", kind: "final", index };
  }

  /** The `sometimes` properties no state satisfied. */
  get unreached(): string[] {
    return this.sometimes.filter((_, k) => !this.reached[k]).map((p) => p.name);
  }
}

/** The Found of a fault of the user's code at state `index`. */
function faultFound(fault: UserFault, index: number): Found {
  return isFinding(fault)
    ? { property: NO_REDUCER_THROWS, kind: "invariant", index, fault }
    : { property: "", kind: "error", index, fault };
}
