import type { BudgetClock } from "./budget.js";
import { ConfigMemo, configHash, DefiniteSet, zobristTable } from "./memo.js";
import type { PreparedPartition } from "./partition.js";
import { ILLEGAL, type StateSpace } from "./state-space.js";
import type { UnknownReason } from "../result.js";

/** The outcome of searching one partition. */
export type SearchOutcome =
  | { readonly kind: "ok"; readonly order: readonly number[]; readonly configurations: number }
  | {
      readonly kind: "violation";
      readonly prefix: readonly number[];
      readonly state: number;
      readonly configurations: number;
    }
  | {
      readonly kind: "unknown";
      readonly reason: UnknownReason | "limit";
      readonly prefix: readonly number[];
      readonly state: number;
      readonly configurations: number;
    };

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

/**
 * The depth-first search over configurations (operations placed, model
 * state) that the linearizability and the sequential-consistency checks
 * share; they differ only in which operations are candidates at a node and
 * in what placing one does to their bookkeeping.
 *
 * The stack is explicit, in typed arrays (hand-rolled for speed: these
 * searches visit millions of configurations). Each node of the stack keeps
 * its candidates in a shared pool, sorted by rank, each with its step code
 * (computed once per node: the state is the same whenever the search comes
 * back to the node). Every visited configuration goes into the memo; when a
 * node's candidates are exhausted its configuration is marked failed and the
 * search backtracks. The longest partial order found (by definite
 * operations) explains a violation or an unknown verdict.
 */
export abstract class ConfigurationSearch {
  protected readonly nd: number;
  protected readonly unknown: Uint8Array;
  protected readonly readOnly: Uint8Array;
  protected readonly bit: Int32Array;
  protected readonly twin: Int32Array;
  protected readonly defs: DefiniteSet;
  protected readonly uBits: Uint32Array;
  protected readonly memo: ConfigMemo;
  protected readonly zobrist: Int32Array;
  /** Hash of the applied unknown-outcome operations. */
  protected unknownHash = 0;
  /** Unknown-outcome operations applied on the current path, in order. */
  protected readonly applied: Int32Array;
  protected appliedCount = 0;
  protected state: number;
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
  private remaining: number;
  private configurations = 0;
  /** Configurations already counted by the clock (for progress). */
  private reported = 0;
  /** The longest partial order so far (by definite operations), for explanations. */
  private best = new Int32Array(64);
  private bestLength = 0;
  /**
   * The lowest stack depth popped since `best` was last copied: below it the
   * stack still equals `best`, so a copy takes only the entries from there
   * (copying the whole prefix at each backtrack made long histories quadratic).
   */
  private lowWater = 0;
  private bestDefinite = -1;
  private bestState: number;
  /**
   * Length of the stack prefix that is the best partial order while it is
   * still on the stack (-1 when `best` holds it): it is copied only when the
   * search backtracks into it, not at every improvement (which, when the
   * search never backtracks, copied the stack at every step).
   */
  private bestOnStack = -1;

  constructor(
    p: PreparedPartition,
    protected readonly space: StateSpace,
    private readonly clock: BudgetClock,
    private readonly maxConfigurations: number,
    memo: ConfigMemo | undefined,
    /** 1 for operations that may be applied any number of times: placing one changes no bookkeeping. */
    private readonly reusable: Uint8Array,
  ) {
    const n = p.ops.length;
    this.nd = p.definiteCount;
    this.unknown = p.unknown;
    this.readOnly = p.readOnly;
    this.bit = p.bit;
    this.twin = p.previousTwin;
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

  /**
   * Offers the candidates of the current node (state `this.state`) through
   * {@link offer} or {@link only}.
   */
  protected abstract collectCandidates(): void;

  /** Bookkeeping after `op` was placed (its bit is already set). */
  protected abstract placed(op: number): void;

  /** Undoes {@link placed} (its bit is already cleared). */
  protected abstract unplaced(op: number): void;

  /**
   * Whether a configuration not yet visited is known to fail anyway (a sound
   * pruning hook; `op`'s bit is set, the state would be `target`).
   */
  protected subsumed(_op: number, _target: number): boolean {
    return false;
  }

  run(): SearchOutcome {
    let sinceCheck = 0;
    this.enterNode();
    for (;;) {
      if (this.remaining === 0)
        return {
          kind: "ok",
          order: Array.from(this.stackOp.subarray(0, this.depth)),
          configurations: this.configurations,
        };
      if (++sinceCheck === CHECK_EVERY) {
        sinceCheck = 0;
        if (this.configurations > this.maxConfigurations) return this.giveUp("limit");
        const reason = this.clock.exceeded(
          this.memo.memoryBytes() + this.space.memoryBytes() + this.pool.length * 16,
          this.configurations - this.reported,
        );
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
      if (d === 0)
        return {
          kind: "violation",
          prefix: this.bestPrefix(),
          state: this.bestState,
          configurations: this.configurations,
        };
      if (d === this.bestOnStack) this.keepBest();
      this.depth = d - 1;
      if (d - 1 < this.lowWater) this.lowWater = d - 1;
      const op = this.stackOp[d - 1]!;
      this.memo.markFailed(this.stackSlot[d - 1]!);
      this.state = this.stackPrev[d - 1]!;
      if (this.reusable[op] === 0) {
        this.flip(op);
        this.unplaced(op);
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

  /** Adds a candidate to the current node, keeping the node's candidates sorted by `rank` (stable). */
  protected offer(op: number, code: number, rank: number): void {
    const d = this.depth;
    const base = this.nodeBase[d]!;
    const count = this.nodeCount[d]!;
    this.ensurePool(base + count + 1);
    const pool = this.pool;
    const codes = this.poolCode;
    const keys = this.poolKey;
    let j = base + count;
    while (j > base && keys[j - 1]! > rank) {
      pool[j] = pool[j - 1]!;
      codes[j] = codes[j - 1]!;
      keys[j] = keys[j - 1]!;
      j--;
    }
    pool[j] = op;
    codes[j] = code;
    keys[j] = rank;
    this.nodeCount[d] = count + 1;
  }

  /** Makes `op` the current node's only candidate (a legal read-only one: any order can put it first). */
  protected only(op: number, code: number): void {
    const d = this.depth;
    const base = this.nodeBase[d]!;
    this.ensurePool(base + 1);
    this.pool[base] = op;
    this.poolCode[base] = code;
    this.nodeCount[d] = 1;
  }

  /** Whether an operation is placed on the current path. */
  protected isSet(op: number): boolean {
    const b = this.bit[op]!;
    if (this.unknown[op] === 0) return this.defs.has(b);
    return (this.uBits[b >>> 5]! & (1 << (b & 31))) !== 0;
  }

  /** Toggles an operation's bit and the configuration hash. */
  protected flip(op: number): void {
    const b = this.bit[op]!;
    if (this.unknown[op] === 1) {
      this.uBits[b >>> 5]! ^= 1 << (b & 31);
      this.unknownHash ^= this.zobrist[this.nd + b]!;
    } else {
      this.defs.toggle(b);
    }
  }

  private enterNode(): void {
    const d = this.depth;
    if (d + 1 >= this.nodeBase.length) this.growStacks();
    this.nodeBase[d] = d === 0 ? 0 : this.nodeBase[d - 1]! + this.nodeCount[d - 1]!;
    this.nodeCount[d] = 0;
    this.nodeIdx[d] = 0;
    this.collectCandidates();
  }

  /** A budget ran out: unknown, with the longest partial order found. */
  private giveUp(reason: UnknownReason | "limit"): SearchOutcome {
    return {
      kind: "unknown",
      reason,
      prefix: this.bestPrefix(),
      state: this.bestState,
      configurations: this.configurations,
    };
  }

  private ensurePool(size: number): void {
    if (size <= this.pool.length) return;
    let length = this.pool.length * 2;
    while (length < size) length *= 2;
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
      this.placed(op);
      if (isUnknown) {
        this.applied[this.appliedCount++] = op;
        return true;
      }
      this.remaining--;
      if (this.nd - this.remaining > this.bestDefinite) {
        this.bestDefinite = this.nd - this.remaining;
        this.bestOnStack = this.depth;
        this.bestState = target;
      }
      return true;
    }
    return false;
  }

  /** Copies the best partial order off the stack before the search leaves it. */
  private keepBest(): void {
    const length = this.bestOnStack;
    if (length > this.best.length) {
      const grown = new Int32Array(Math.max(length, this.best.length * 2));
      grown.set(this.best.subarray(0, this.bestLength));
      this.best = grown;
    }
    const from = Math.min(this.lowWater, this.bestLength, length);
    this.best.set(this.stackOp.subarray(from, length), from);
    this.bestLength = length;
    this.lowWater = length;
    this.bestOnStack = -1;
  }

  private bestPrefix(): number[] {
    if (this.bestOnStack >= 0) this.keepBest();
    return Array.from(this.best.subarray(0, this.bestLength));
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
}
