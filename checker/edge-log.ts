/**
 * The reachable graph's edges, recorded during an exhaustive search when the
 * model has liveness properties (the fingerprint store keeps only a BFS tree).
 * Typed arrays, 16 bytes an edge: source and target index (-1 for a target
 * outside the state constraint), fairness key and successor ordinal (to
 * rebuild a lasso's states by replay). Beside them, per stored state, the
 * truth of each liveness property's predicates, evaluated once when the
 * state is stored.
 */
import type { FairnessLevel, ModelProperty } from "../src/index.js";

/** A liveness property as the log evaluates it: `check` is p, `then` is q (leadsTo only). */
export type LivenessProperty<S> = Extract<ModelProperty<S>, { kind: "eventually" | "alwaysEventually" | "leadsTo" }>;

/** Predicate bits per state and property: p holds, q holds. */
export const P_HOLDS = 1;
export const Q_HOLDS = 2;

/** Edges and per-state predicate bits of one search. */
export class EdgeLog<S> {
  from = new Int32Array(1 << 14);
  to = new Int32Array(1 << 14);
  /** Fairness key id, or -1 for a step no fairness covers (faults, unfair actions). */
  key = new Int32Array(1 << 14);
  ordinal = new Int32Array(1 << 14);
  count = 0;
  /** Fairness level (1 weak, 2 strong) per key id. */
  readonly levels: FairnessLevel[] = [];
  /** The label of each key id (for messages). */
  readonly keyLabels: string[] = [];
  /** Indices of the initial states, in order. */
  readonly initial: number[] = [];
  /** Per state, `properties.length` bytes of P_HOLDS | Q_HOLDS. */
  marks = new Uint8Array(1 << 14);
  private readonly keyIds = new Map<string, number>();

  constructor(
    readonly properties: readonly LivenessProperty<S>[],
    /** The model's fairness; absent: no key is fair, labels are not needed. */
    readonly fairness: ((label: string) => FairnessLevel) | undefined,
  ) {}

  /** Records an edge; `label` is read only when the model declares fairness. */
  push(from: number, to: number, label: string, fault: boolean, ordinal: number): void {
    if (this.count === this.from.length) this.grow();
    const e = this.count++;
    this.from[e] = from;
    this.to[e] = to;
    this.ordinal[e] = ordinal;
    this.key[e] = fault || !this.fairness ? -1 : this.keyOf(label);
  }

  /** Evaluates the properties' predicates on a newly stored state. */
  mark(index: number, state: S): void {
    const n = this.properties.length;
    if ((index + 1) * n > this.marks.length) {
      const bigger = new Uint8Array(Math.max(this.marks.length * 2, (index + 1) * n));
      bigger.set(this.marks);
      this.marks = bigger;
    }
    for (let j = 0; j < n; j++) {
      const p = this.properties[j]!;
      let bits = p.check(state) ? P_HOLDS : 0;
      if (p.kind === "leadsTo" && p.then(state)) bits |= Q_HOLDS;
      this.marks[index * n + j] = bits;
    }
  }

  /** Bytes held by the log. */
  get bytes(): number {
    return this.from.byteLength * 4 + this.marks.byteLength;
  }

  private keyOf(label: string): number {
    let id = this.keyIds.get(label);
    if (id === undefined) {
      const level = this.fairness!(label);
      id = level === 0 ? -1 : this.levels.length;
      if (level !== 0) {
        this.levels.push(level);
        this.keyLabels.push(label);
      }
      this.keyIds.set(label, id);
    }
    return id;
  }

  private grow(): void {
    const size = Math.ceil(this.from.length * 1.5);
    const grow = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.from = grow(this.from);
    this.to = grow(this.to);
    this.key = grow(this.key);
    this.ordinal = grow(this.ordinal);
  }
}
