import type { PreparedPartition } from "./partition.js";
import type { BudgetClock } from "./budget.js";
import { ConfigurationSearch, type CandidateOrder, type SearchOptions, type SearchOutcome } from "./engine.js";
import { ConfigMemo, configHash } from "./memo.js";
import { ILLEGAL, type StateSpace } from "./state-space.js";

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
export function searchLinearization(
  p: PreparedPartition,
  space: StateSpace,
  clock: BudgetClock,
  options: SearchOptions = {},
): SearchOutcome {
  return new WglSearch(
    p,
    space,
    clock,
    options.order ?? "return",
    options.maxConfigurations ?? Infinity,
    options.memo,
  ).run();
}

/** Wing & Gong's candidates over the history's list of invocations and returns, and the subsumption pruning. */
class WglSearch extends ConfigurationSearch {
  private readonly n: number;
  private readonly rank: Float64Array;
  private readonly head: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly reusableOps: Uint8Array;

  constructor(
    p: PreparedPartition,
    space: StateSpace,
    clock: BudgetClock,
    order: CandidateOrder,
    maxConfigurations: number,
    memo: ConfigMemo | undefined,
  ) {
    const reusable = p.reusable ?? new Uint8Array(p.ops.length);
    super(p, space, clock, maxConfigurations, memo, reusable);
    const n = p.ops.length;
    this.n = n;
    this.reusableOps = reusable;
    this.rank = candidateRank(p, order);
    // Entries 0..n-1 are invocations, n..2n-1 returns; the head sentinel is 2n.
    this.head = 2 * n;
    this.next = new Int32Array(2 * n + 1).fill(-1);
    this.prev = new Int32Array(2 * n + 1).fill(-1);
    buildEventList(p, this.next, this.prev, this.head);
  }

  /**
   * The invocations before the first return in the list that can take effect
   * in the current state; or only a legal read-only one when there is one.
   */
  protected collectCandidates(): void {
    const space = this.space;
    const state = this.state;
    const n = this.n;
    const next = this.next;
    const first = next[this.head]!;
    // Read-only candidates first: a legal one is linearized alone.
    for (let e = first; e !== -1 && e < n; e = next[e]!) {
      if (this.readOnly[e] === 1 && space.step(state, e) === state) {
        this.only(e, state);
        return;
      }
    }
    for (let e = first; e !== -1 && e < n; e = next[e]!) {
      if (this.readOnly[e] === 1) continue;
      if (this.unknown[e] === 1 && this.twin[e]! >= 0 && (this.reusableOps[e] === 1 || !this.isSet(this.twin[e]!)))
        continue;
      const code = space.step(state, e);
      if (code === ILLEGAL) continue;
      this.offer(e, code, this.rank[e]!);
    }
  }

  /**
   * Whether a fully explored configuration had the same definite operations
   * and state with one of the recently applied unknown-outcome operations not
   * applied: it had every option the new one has, so the new one fails too.
   * (Checking all subsets would be exact but costs too much; any subset of
   * the checks is sound.)
   */
  protected override subsumed(op: number, target: number): boolean {
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
    const found = this.memo.has(
      this.defs,
      this.uBits,
      target,
      configHash(this.defs.hash ^ this.unknownHash, target),
      true,
    );
    this.flip(u);
    return found;
  }

  /** Lifts the operation's invocation and return out of the list. */
  protected placed(op: number): void {
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

  protected unplaced(op: number): void {
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
  // Entries sorted by event position: each packed as position * (2n + 1) + entry in a float (exact below 2^53), and
  // the typed array sorted numerically (hand-rolled for speed: a comparator sort took a fifth of a long check).
  const span = 2 * n + 1;
  const keys = new Float64Array(2 * n - p.unknownCount);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const op = p.ops[i]!;
    keys[k++] = op.call * span + i;
    if (p.unknown[i] === 0) keys[k++] = op.end! * span + n + i;
  }
  keys.sort();
  let last = head;
  for (const key of keys) {
    const e = key % span;
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = -1;
}
