import { canonicalJson } from "../json.js";
import type { AnyModel, CompiledModel } from "../model.js";
import type { Operation } from "../operations.js";

/** `step` result: the operation cannot happen in this state. */
export const ILLEGAL = -1;

/**
 * Interns model states as small integers and caches transitions per
 * (state, operation), so the search loops compare and hash integers and call
 * the model's `step` once per pair. Hand-rolled typed arrays for speed: the
 * search's inner loop runs millions of times.
 */
export class StateSpace {
  private readonly ids = new Map<unknown, number>();
  readonly states: unknown[] = [];
  /** Open-addressing table of computed transitions: (state, op) -> code. */
  private tState = new Int32Array(1 << 8).fill(-1);
  private tOp = new Int32Array(1 << 8);
  private tCode = new Int32Array(1 << 8);
  private tMask = (1 << 8) - 1;
  private tCount = 0;
  /** Several next states: `code = -3 - index` into this list. */
  private readonly multi: Int32Array[] = [];
  private keyBytes = 0;
  /** The model's own numbering of states ({@link AnyModel.compile}), used instead of the table when there is one. */
  private readonly compiled: CompiledModel | undefined;
  readonly initial: number;

  constructor(
    private readonly model: AnyModel,
    private readonly ops: readonly Operation[],
    initialState: { readonly state: unknown } = { state: model.init() },
  ) {
    this.compiled = model.compile?.(ops, initialState.state);
    this.initial = this.compiled !== undefined ? this.compiled.initial : this.intern(initialState.state);
  }

  /** The state with id `s`. */
  state(s: number): unknown {
    return this.compiled !== undefined ? this.compiled.state(s) : this.states[s];
  }

  /** The id of a state, adding it if new. */
  intern(state: unknown): number {
    const key = this.model.key !== undefined ? this.model.key(state) : defaultKey(state);
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const id = this.states.length;
    this.ids.set(key, id);
    this.states.push(state);
    this.keyBytes += typeof key === "string" ? 2 * key.length + 64 : 48;
    return id;
  }

  /**
   * Next states of local operation `op` from state `s`: {@link ILLEGAL}, a
   * state id (>= 0), or `-3 - i` for the list {@link alternatives}(code).
   */
  step(s: number, op: number): number {
    if (this.compiled !== undefined) return this.compiled.step(s, op);
    const mask = this.tMask;
    let i = slot(s, op) & mask;
    for (;;) {
      const ts = this.tState[i]!;
      if (ts === -1) break;
      if (ts === s && this.tOp[i] === op) return this.tCode[i]!;
      i = (i + 1) & mask;
    }
    const code = this.compute(s, op);
    // compute() may intern states but never touches the table, so slot i is still free.
    this.tState[i] = s;
    this.tOp[i] = op;
    this.tCode[i] = code;
    if (++this.tCount * 2 > mask) this.growTable();
    return code;
  }

  private growTable(): void {
    const oldState = this.tState;
    const oldOp = this.tOp;
    const oldCode = this.tCode;
    const size = oldState.length * 2;
    this.tState = new Int32Array(size).fill(-1);
    this.tOp = new Int32Array(size);
    this.tCode = new Int32Array(size);
    this.tMask = size - 1;
    for (let j = 0; j < oldState.length; j++) {
      const s = oldState[j]!;
      if (s === -1) continue;
      let i = slot(s, oldOp[j]!) & this.tMask;
      while (this.tState[i] !== -1) i = (i + 1) & this.tMask;
      this.tState[i] = s;
      this.tOp[i] = oldOp[j]!;
      this.tCode[i] = oldCode[j]!;
    }
  }

  /** The states of a multi-state code from {@link step}. */
  alternatives(code: number): Int32Array {
    return this.multi[-3 - code]!;
  }

  private compute(s: number, op: number): number {
    const state = this.states[s];
    const next = this.model.step(state, this.ops[op]!);
    if (next.length === 0) return ILLEGAL;
    // The same object back (a read) is the same state: no need to key it again.
    if (next.length === 1) return next[0] === state ? s : this.intern(next[0]);
    const ids: number[] = [];
    for (const n of next) {
      const id = this.intern(n);
      if (!ids.includes(id)) ids.push(id);
    }
    if (ids.length === 1) return ids[0]!;
    this.multi.push(Int32Array.from(ids));
    return -3 - (this.multi.length - 1);
  }

  /** A rough count of the bytes held, for the memory budget. */
  memoryBytes(): number {
    return this.keyBytes + this.tState.length * 12 + this.multi.length * 64 + (this.compiled?.memoryBytes() ?? 0);
  }
}

function slot(s: number, op: number): number {
  // murmur3's finalizer over the pair: consecutive ids must not cluster.
  let h = Math.imul(s, 0x9e3779b1) + op;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function defaultKey(state: unknown): unknown {
  if (state === null || typeof state !== "object") return state;
  return "\u0001" + canonicalJson(state);
}
