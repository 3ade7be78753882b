import type { PreparedPartition } from "./partition.js";
import type { BudgetClock } from "./budget.js";
import { ConfigMemo, configHash, DefiniteSet, zobristTable } from "./memo.js";
import { ILLEGAL, type StateSpace } from "./state-space.js";
import type { UnknownReason } from "../result.js";

/** The outcome of searching one partition. */
export type SearchOutcome =
  | { readonly kind: "ok"; readonly order: readonly number[]; readonly configurations: number }
  | { readonly kind: "violation"; readonly prefix: readonly number[]; readonly state: number; readonly configurations: number }
  | { readonly kind: "unknown"; readonly reason: UnknownReason | "limit"; readonly prefix: readonly number[]; readonly state: number; readonly configurations: number };

/** The order in which a node of the search tries its candidates. */
export type CandidateOrder = "call" | "return";

/** Tuning of one search. */
export interface SearchOptions {
  /** Default "return"; "call" is Porcupine's order. */
  readonly order?: CandidateOrder;
  /** Give up (result `unknown`, reason `limit`) after visiting this many configurations. */
  readonly maxConfigurations?: number;
  /**
   * A memo left by an earlier search of the same partition (and state space):
   * its fully explored configurations are known failures in any order.
   */
  readonly memo?: ConfigMemo;
}

const CHECK_EVERY = 4096;
/** How many recently applied unknown-outcome operations the subsumption test leaves out, one at a time. */
const SUBSUMPTION_DEPTH = 2;

/**
 * Wing & Gong's linearizability search with Lowe's memoization, as in
 * Porcupine: the history's invocations and returns form a linked list; the
 * candidates at a node are the invocations before the first return still in
 * the list; linearizing one lifts its invocation and return out of the list;
 * when no candidate works, backtrack. Every visited configuration (linearized
 * set, state) is remembered, so each is explored once.
 *
 * Additions over Porcupine, all sound (they never reject a linearizable
 * history):
 * - operations with an unknown outcome have no return, so they are optional
 *   and never force a backtrack; applying one that leaves the state unchanged
 *   is skipped; identical ones are applied in invocation order only;
 * - a configuration is pruned when a fully explored one had the same
 *   linearized definite operations and state with fewer unknown ones applied
 *   (it had every option this one has);
 * - a read-only candidate (the model's `readOnly`) that is legal now is
 *   linearized at once without trying the alternatives: any linearization
 *   can be reordered to put it first;
 * - candidates are tried by completion order (the operation that must be
 *   linearized soonest first), or by the model's earlier guesses of when each
 *   takes effect at the latest (its `deadlines`), which finds
 *   linearizations with less backtracking than invocation order.
 */
export function searchLinearization(p: PreparedPartition, space: StateSpace, clock: BudgetClock, options: SearchOptions = {}): SearchOutcome {
  return new WglSearch(p, space, clock, options.order ?? "return", options.maxConfigurations ?? Infinity, options.memo).run();
}

/** The search's state in typed arrays (a class so V8 optimizes it once for all partitions). */
class WglSearch {
  private readonly n: number;
  private readonly nd: number;
  private readonly unknown: Uint8Array;
  private readonly readOnly: Uint8Array;
  private readonly reusable: Uint8Array;
  private readonly bit: Int32Array;
  private readonly twin: Int32Array;
  private readonly rank: Float64Array;
  private readonly head: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly defs: DefiniteSet;
  private readonly uBits: Uint32Array;
  private readonly memo: ConfigMemo;
  private readonly zobrist: Int32Array;
  private stackOp: Int32Array;
  private stackPrev: Int32Array;
  private stackAlt: Int32Array;
  private stackSlot: Int32Array;
  private pool: Int32Array;
  /** The step code of each pool entry from its node's state. */
  private poolCode: Int32Array;
  /** The sort key of each pool entry. */
  private poolKey: Float64Array;
  private nodeBase: Int32Array;
  private nodeCount: Int32Array;
  private nodeIdx: Int32Array;
  private depth = 0;
  private state: number;
  /** Hash of the applied unknown-outcome operations. */
  private unknownHash = 0;
  /** Unknown-outcome operations applied on the current path, in order. */
  private readonly applied: Int32Array;
  private appliedCount = 0;
  private remaining: number;
  private configurations = 0;
  /** Configurations already counted by the clock (for progress). */
  private reported = 0;
  /** The longest partial linearization so far (by definite operations), for explanations. */
  private best: number[] = [];
  private bestDefinite = -1;
  private bestState: number;
  /**
   * Length of the stack prefix that is the best partial linearization while
   * it is still on the stack (-1 when `best` holds it): it is copied only when
   * the search backtracks into it, not at every improvement (which, when the
   * search never backtracks, copied the stack at every step).
   */
  private bestOnStack = -1;

  constructor(
    p: PreparedPartition,
    private readonly space: StateSpace,
    private readonly clock: BudgetClock,
    order: CandidateOrder,
    private readonly maxConfigurations: number,
    memo: ConfigMemo | undefined,
  ) {
    const n = p.ops.length;
    this.n = n;
    this.nd = p.definiteCount;
    this.unknown = p.unknown;
    this.readOnly = p.readOnly;
    this.reusable = p.reusable ?? new Uint8Array(n);
    this.bit = p.bit;
    this.twin = p.previousTwin;
    this.rank = candidateRank(p, order);
    // Entries 0..n-1 are invocations, n..2n-1 returns; the head sentinel is 2n.
    this.head = 2 * n;
    this.next = new Int32Array(2 * n + 1).fill(-1);
    this.prev = new Int32Array(2 * n + 1).fill(-1);
    buildEventList(p, this.next, this.prev, this.head);
    this.uBits = new Uint32Array((p.unknownCount + 31) >>> 5);
    this.zobrist = zobristTable(this.nd + p.unknownCount);
    this.defs = new DefiniteSet(this.nd, this.zobrist);
    this.memo = memo ?? new ConfigMemo(this.uBits.length);
    this.memo.newEpoch();
    this.applied = new Int32Array(p.unknownCount);
    this.stackOp = new Int32Array(n);
    this.stackPrev = new Int32Array(n);
    this.stackAlt = new Int32Array(n);
    this.stackSlot = new Int32Array(n);
    this.pool = new Int32Array(Math.max(64, 2 * n));
    this.poolCode = new Int32Array(this.pool.length);
    this.poolKey = new Float64Array(this.pool.length);
    this.nodeBase = new Int32Array(n + 1);
    this.nodeCount = new Int32Array(n + 1);
    this.nodeIdx = new Int32Array(n + 1);
    this.state = space.initial;
    this.bestState = space.initial;
    this.remaining = this.nd;
  }

  /** A budget ran out: unknown, with the longest partial linearization found. */
  private giveUp(reason: UnknownReason | "limit"): SearchOutcome {
    return { kind: "unknown", reason, prefix: this.bestPrefix(), state: this.bestState, configurations: this.configurations };
  }

  run(): SearchOutcome {
    let sinceCheck = 0;
    this.enterNode();
    for (;;) {
      if (this.remaining === 0) return { kind: "ok", order: Array.from(this.stackOp.subarray(0, this.depth)), configurations: this.configurations };
      if (++sinceCheck === CHECK_EVERY) {
        sinceCheck = 0;
        if (this.configurations > this.maxConfigurations) return this.giveUp("limit");
        const reason = this.clock.exceeded(this.memo.memoryBytes() + this.space.memoryBytes() + this.pool.length * 4, this.configurations - this.reported);
        this.reported = this.configurations;
        if (reason !== null) return this.giveUp(reason);
      }
      const d = this.depth;
      if (this.nodeIdx[d]! < this.nodeCount[d]!) {
        const at = this.nodeBase[d]! + this.nodeIdx[d]!;
        if (this.tryPush(this.pool[at]!, this.poolCode[at]!, 0)) {
          this.enterNode();
          continue;
        }
        this.nodeIdx[d]!++;
        continue;
      }
      // Every candidate failed here: backtrack.
      if (d === 0) return { kind: "violation", prefix: this.bestPrefix(), state: this.bestState, configurations: this.configurations };
      if (d === this.bestOnStack) this.keepBest();
      this.depth = d - 1;
      const op = this.stackOp[d - 1]!;
      this.memo.markFailed(this.stackSlot[d - 1]!);
      this.state = this.stackPrev[d - 1]!;
      if (this.reusable[op] === 0) {
        this.flip(op);
        this.unlift(op);
        if (this.unknown[op] === 0) this.remaining++;
        else this.appliedCount--;
      }
      // The candidate just undone is the current one of its node; try its other next states, if any.
      const code = this.poolCode[this.nodeBase[d - 1]! + this.nodeIdx[d - 1]!]!;
      if (code < ILLEGAL && this.tryPush(op, code, this.stackAlt[d - 1]! + 1)) {
        this.enterNode();
        continue;
      }
      this.nodeIdx[d - 1]!++;
    }
  }

  /**
   * Computes the candidates of the node at the current depth: the invocations
   * before the first return in the list that can take effect in the current
   * state, sorted by rank, each with its step code; or only a legal read-only
   * one when there is one. Each candidate's step is computed once per node
   * (the state is the same whenever the search comes back to the node).
   */
  private enterNode(): void {
    const d = this.depth;
    if (d + 1 >= this.nodeBase.length) this.growStacks();
    const base = d === 0 ? 0 : this.nodeBase[d - 1]! + this.nodeCount[d - 1]!;
    this.nodeBase[d] = base;
    this.nodeIdx[d] = 0;
    const space = this.space;
    const state = this.state;
    const n = this.n;
    const next = this.next;
    const first = next[this.head]!;
    // Read-only candidates first: a legal one is linearized alone.
    for (let e = first; e !== -1 && e < n; e = next[e]!) {
      if (this.readOnly[e] === 1 && space.step(state, e) === state) {
        this.ensurePool(base + 1);
        this.pool[base] = e;
        this.poolCode[base] = state;
        this.nodeCount[d] = 1;
        return;
      }
    }
    const rank = this.rank;
    let count = 0;
    for (let e = first; e !== -1 && e < n; e = next[e]!) {
      if (this.readOnly[e] === 1) continue;
      if (this.unknown[e] === 1 && this.twin[e]! >= 0 && (this.reusable[e] === 1 || !this.isSet(this.twin[e]!))) continue;
      const code = space.step(state, e);
      if (code === ILLEGAL) continue;
      const r = rank[e]!;
      this.ensurePool(base + count + 1);
      const pool = this.pool;
      const codes = this.poolCode;
      const keys = this.poolKey;
      let j = base + count;
      while (j > base && keys[j - 1]! > r) {
        pool[j] = pool[j - 1]!;
        codes[j] = codes[j - 1]!;
        keys[j] = keys[j - 1]!;
        j--;
      }
      pool[j] = e;
      codes[j] = code;
      keys[j] = r;
      count++;
    }
    this.nodeCount[d] = count;
  }

  private ensurePool(size: number): void {
    if (size <= this.pool.length) return;
    const length = this.pool.length * 2;
    const pool = new Int32Array(length);
    pool.set(this.pool);
    this.pool = pool;
    const codes = new Int32Array(length);
    codes.set(this.poolCode);
    this.poolCode = codes;
    const keys = new Float64Array(length);
    keys.set(this.poolKey);
    this.poolKey = keys;
  }

  /**
   * Tries the next states of `op` from alternative `from` on; pushes the first
   * one that leads to an unvisited configuration. Returns whether it pushed.
   */
  private tryPush(op: number, code: number, from: number): boolean {
    const alts = code >= 0 ? undefined : this.space.alternatives(code);
    const count = alts === undefined ? 1 : alts.length;
    const isUnknown = this.unknown[op] === 1;
    const reusable = this.reusable[op] === 1;
    for (let a = from; a < count; a++) {
      const target = alts === undefined ? code : alts[a]!;
      if (isUnknown && target === this.state) continue;
      if (!reusable) this.flip(op);
      const h = configHash(this.defs.hash ^ this.unknownHash, target);
      if (this.memo.has(this.defs, this.uBits, target, h) || (!reusable && this.subsumed(op, target))) {
        if (!reusable) this.flip(op);
        continue;
      }
      const d = this.depth;
      if (d === this.stackOp.length) this.growStacks();
      this.stackSlot[d] = this.memo.add(this.defs, this.uBits, target, h);
      this.stackOp[d] = op;
      this.stackPrev[d] = this.state;
      this.stackAlt[d] = a;
      this.depth = d + 1;
      this.configurations++;
      this.state = target;
      if (reusable) return true;
      this.lift(op);
      if (isUnknown) this.applied[this.appliedCount++] = op;
      if (!isUnknown) {
        this.remaining--;
        if (this.nd - this.remaining > this.bestDefinite) {
          this.bestDefinite = this.nd - this.remaining;
          this.bestOnStack = this.depth;
          this.bestState = target;
        }
      }
      return true;
    }
    return false;
  }

  /** Copies the best partial linearization off the stack before the search leaves it. */
  private keepBest(): void {
    this.best = Array.from(this.stackOp.subarray(0, this.bestOnStack));
    this.bestOnStack = -1;
  }

  private bestPrefix(): number[] {
    if (this.bestOnStack >= 0) this.keepBest();
    return this.best;
  }

  /** Reusable operations can make the path longer than the number of operations. */
  private growStacks(): void {
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(a.length * 2 + 2);
      b.set(a);
      return b;
    };
    this.stackOp = grow(this.stackOp);
    this.stackPrev = grow(this.stackPrev);
    this.stackAlt = grow(this.stackAlt);
    this.stackSlot = grow(this.stackSlot);
    this.nodeBase = grow(this.nodeBase);
    this.nodeCount = grow(this.nodeCount);
    this.nodeIdx = grow(this.nodeIdx);
  }

  /**
   * Whether a fully explored configuration had the same definite operations
   * and state with one of the recently applied unknown-outcome operations not
   * applied: it had every option the new one has, so the new one fails too.
   * (Checking all subsets would be exact but costs too much; any subset of
   * the checks is sound.)
   */
  private subsumed(op: number, target: number): boolean {
    const count = this.appliedCount;
    if (this.unknown[op] === 1 && this.subsumedWithout(op, target)) return true;
    for (let i = count - 1; i >= 0 && i >= count - SUBSUMPTION_DEPTH; i--) {
      if (this.subsumedWithout(this.applied[i]!, target)) return true;
    }
    return false;
  }

  /** Whether the configuration without unknown operation `u` (and state `target`) failed. */
  private subsumedWithout(u: number, target: number): boolean {
    this.flip(u);
    const found = this.memo.has(this.defs, this.uBits, target, configHash(this.defs.hash ^ this.unknownHash, target), true);
    this.flip(u);
    return found;
  }

  private isSet(op: number): boolean {
    const b = this.bit[op]!;
    if (this.unknown[op] === 0) return this.defs.has(b);
    return (this.uBits[b >>> 5]! & (1 << (b & 31))) !== 0;
  }

  private flip(op: number): void {
    const b = this.bit[op]!;
    if (this.unknown[op] === 1) {
      this.uBits[b >>> 5]! ^= 1 << (b & 31);
      this.unknownHash ^= this.zobrist[this.nd + b]!;
    } else {
      this.defs.toggle(b);
    }
  }

  private lift(op: number): void {
    const next = this.next;
    const prev = this.prev;
    next[prev[op]!] = next[op]!;
    if (next[op]! !== -1) prev[next[op]!] = prev[op]!;
    if (this.unknown[op] === 0) {
      const r = this.n + op;
      next[prev[r]!] = next[r]!;
      if (next[r]! !== -1) prev[next[r]!] = prev[r]!;
    }
  }

  private unlift(op: number): void {
    const next = this.next;
    const prev = this.prev;
    if (this.unknown[op] === 0) {
      const r = this.n + op;
      next[prev[r]!] = r;
      if (next[r]! !== -1) prev[next[r]!] = r;
    }
    next[prev[op]!] = op;
    if (next[op]! !== -1) prev[next[op]!] = op;
  }
}

/**
 * Candidate ranks. "call": invocation order, like Porcupine. "return":
 * definite operations by completion, then unknown-outcome ones by invocation;
 * when the model guesses earlier deadlines ({@link PreparedPartition.deadlines}),
 * by those.
 */
function candidateRank(p: PreparedPartition, order: CandidateOrder): Float64Array {
  const rank = new Float64Array(p.ops.length);
  for (let i = 0; i < p.ops.length; i++) {
    const op = p.ops[i]!;
    if (order === "call") {
      rank[i] = op.call;
      continue;
    }
    const latest = p.unknown[i] === 1 ? 1e15 + op.call : op.end!;
    const guess = p.deadlines?.[i] ?? Infinity;
    rank[i] = guess < latest ? guess : latest;
  }
  return rank;
}

/** Links invocations and returns in history order. */
function buildEventList(p: PreparedPartition, next: Int32Array, prev: Int32Array, head: number): void {
  const n = p.ops.length;
  const entry: number[] = [];
  const position: number[] = [];
  for (let i = 0; i < n; i++) {
    const op = p.ops[i]!;
    entry.push(i);
    position.push(op.call);
    if (p.unknown[i] === 0) {
      entry.push(n + i);
      position.push(op.end!);
    }
  }
  const order = entry.map((_, i) => i).sort((a, b) => position[a]! - position[b]!);
  let last = head;
  for (const i of order) {
    const e = entry[i]!;
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = -1;
}
