import type { BudgetClock } from "./budget.js";
import { ConfigMemo, configHash, DefiniteSet, zobristTable } from "./memo.js";
import type { PreparedPartition } from "./partition.js";
import { ILLEGAL, type StateSpace } from "./state-space.js";
import type { SearchOutcome, SearchOptions } from "./wgl.js";

const CHECK_EVERY = 4096;

/**
 * Sequential consistency: is there one total order of the operations that
 * keeps each process's definite operations in program order and is legal for
 * the model? Real time between processes does not matter.
 *
 * The search is a depth-first walk over configurations (operations placed,
 * state) with the same memo as the linearizability search: the candidates are
 * the next definite operation of each process, and the unknown-outcome
 * operations whose process's earlier definite operations are placed (they may
 * be placed any time after that, or never). A legal read-only candidate is
 * placed at once (any order can be rearranged to put it first); the others are
 * tried by completion order, a good guess at the real order.
 */
export function searchSequential(p: PreparedPartition, space: StateSpace, clock: BudgetClock, options: SearchOptions = {}): SearchOutcome {
  return new SequentialSearch(p, space, clock, options.maxConfigurations ?? Infinity, options.order ?? "return", options.memo).run();
}

class SequentialSearch {
  private readonly n: number;
  private readonly nd: number;
  /** Definite operations of each process, in program order. */
  private readonly queues: Int32Array[];
  /** Next unplaced position in each queue. */
  private readonly pos: Int32Array;
  /** For an unknown operation: its process and how many of the process's definite operations precede it. */
  private readonly unknownProcess: Int32Array;
  private readonly unknownAfter: Int32Array;
  private readonly unknownOps: Int32Array;
  private readonly rank: Float64Array;
  private readonly defs: DefiniteSet;
  private readonly uBits: Uint32Array;
  private readonly memo: ConfigMemo;
  private readonly zobrist: Int32Array;
  /** Hash of the applied unknown-outcome operations. */
  private unknownHash = 0;
  private readonly stackOp: Int32Array;
  private readonly stackPrev: Int32Array;
  private readonly stackAlt: Int32Array;
  private readonly stackSlot: Int32Array;
  private pool: Int32Array;
  private readonly nodeBase: Int32Array;
  private readonly nodeCount: Int32Array;
  private readonly nodeIdx: Int32Array;
  private depth = 0;
  private state: number;
  private remaining: number;
  private configurations = 0;
  /** Configurations already counted by the clock (for progress). */
  private reported = 0;
  private best: number[] = [];
  private bestDefinite = -1;
  private bestState: number;

  constructor(
    private readonly p: PreparedPartition,
    private readonly space: StateSpace,
    private readonly clock: BudgetClock,
    private readonly maxConfigurations: number,
    order: "call" | "return",
    memo: ConfigMemo | undefined,
  ) {
    const n = p.ops.length;
    this.n = n;
    this.nd = p.definiteCount;
    const processIndex = new Map<number | string, number>();
    const queues: number[][] = [];
    const unknownProcess: number[] = [];
    const unknownAfter: number[] = [];
    const unknownOps: number[] = [];
    for (let i = 0; i < n; i++) {
      const op = p.ops[i]!;
      let q = processIndex.get(op.process);
      if (q === undefined) {
        q = queues.length;
        processIndex.set(op.process, q);
        queues.push([]);
      }
      if (p.unknown[i] === 1) {
        unknownOps.push(i);
        unknownProcess.push(q);
        unknownAfter.push(queues[q]!.length);
      } else {
        queues[q]!.push(i);
      }
    }
    this.queues = queues.map((q) => Int32Array.from(q));
    this.pos = new Int32Array(queues.length);
    this.unknownOps = Int32Array.from(unknownOps);
    this.unknownProcess = Int32Array.from(unknownProcess);
    this.unknownAfter = Int32Array.from(unknownAfter);
    this.rank = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const op = p.ops[i]!;
      this.rank[i] = p.unknown[i] === 1 ? 1e15 + op.call : order === "call" ? op.call : op.end!;
    }
    this.uBits = new Uint32Array((p.unknownCount + 31) >>> 5);
    this.zobrist = zobristTable(this.nd + p.unknownCount);
    this.defs = new DefiniteSet(this.nd, this.zobrist);
    this.memo = memo ?? new ConfigMemo(this.uBits.length);
    this.memo.newEpoch();
    this.stackOp = new Int32Array(n);
    this.stackPrev = new Int32Array(n);
    this.stackAlt = new Int32Array(n);
    this.stackSlot = new Int32Array(n);
    this.pool = new Int32Array(Math.max(64, 4 * n));
    this.nodeBase = new Int32Array(n + 1);
    this.nodeCount = new Int32Array(n + 1);
    this.nodeIdx = new Int32Array(n + 1);
    this.state = space.initial;
    this.bestState = space.initial;
    this.remaining = this.nd;
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
        const op = this.pool[this.nodeBase[d]! + this.nodeIdx[d]!]!;
        const code = this.space.step(this.state, op);
        if (code !== ILLEGAL && this.tryPush(op, code, 0)) {
          this.enterNode();
          continue;
        }
        this.nodeIdx[d]!++;
        continue;
      }
      if (d === 0) return { kind: "violation", prefix: this.best, state: this.bestState, configurations: this.configurations };
      this.depth = d - 1;
      const op = this.stackOp[d - 1]!;
      this.memo.markFailed(this.stackSlot[d - 1]!);
      this.state = this.stackPrev[d - 1]!;
      this.place(op, false);
      const code = this.space.step(this.state, op);
      if (code < ILLEGAL && this.tryPush(op, code, this.stackAlt[d - 1]! + 1)) {
        this.enterNode();
        continue;
      }
      this.nodeIdx[d - 1]!++;
    }
  }

  private giveUp(reason: "limit" | "timeout" | "memory"): SearchOutcome {
    return { kind: "unknown", reason, prefix: this.best, state: this.bestState, configurations: this.configurations };
  }

  private enterNode(): void {
    const d = this.depth;
    const base = d === 0 ? 0 : this.nodeBase[d - 1]! + this.nodeCount[d - 1]!;
    this.ensurePool(base + this.queues.length + this.unknownOps.length);
    let count = 0;
    const add = (op: number): void => {
      const pool = this.pool;
      const r = this.rank[op]!;
      let j = base + count;
      while (j > base && this.rank[pool[j - 1]!]! > r) {
        pool[j] = pool[j - 1]!;
        j--;
      }
      pool[j] = op;
      count++;
    };
    let greedy = -1;
    for (let q = 0; q < this.queues.length; q++) {
      const queue = this.queues[q]!;
      const at = this.pos[q]!;
      if (at >= queue.length) continue;
      const op = queue[at]!;
      if (this.p.readOnly[op] === 1 && this.space.step(this.state, op) === this.state) {
        greedy = op;
        break;
      }
      add(op);
    }
    if (greedy >= 0) {
      this.pool[base] = greedy;
      count = 1;
    } else {
      for (let k = 0; k < this.unknownOps.length; k++) {
        const op = this.unknownOps[k]!;
        if (this.isPlaced(op)) continue;
        if (this.pos[this.unknownProcess[k]!]! < this.unknownAfter[k]!) continue;
        // An identical unknown operation earlier in the same order goes first
        // (they are interchangeable) when it is placeable too.
        const twin = this.p.previousTwin[op]!;
        if (twin >= 0 && !this.isPlaced(twin) && this.eligible(twin)) continue;
        add(op);
      }
    }
    this.nodeBase[d] = base;
    this.nodeCount[d] = count;
    this.nodeIdx[d] = 0;
  }

  private ensurePool(size: number): void {
    if (size <= this.pool.length) return;
    let length = this.pool.length;
    while (length < size) length *= 2;
    const bigger = new Int32Array(length);
    bigger.set(this.pool);
    this.pool = bigger;
  }

  private tryPush(op: number, code: number, from: number): boolean {
    const alts = code >= 0 ? undefined : this.space.alternatives(code);
    const count = alts === undefined ? 1 : alts.length;
    const isUnknown = this.p.unknown[op] === 1;
    for (let a = from; a < count; a++) {
      const target = alts === undefined ? code : alts[a]!;
      if (isUnknown && target === this.state) continue;
      this.place(op, true);
      const h = configHash(this.defs.hash ^ this.unknownHash, target);
      if (this.memo.has(this.defs, this.uBits, target, h)) {
        this.place(op, false);
        continue;
      }
      const d = this.depth;
      this.stackSlot[d] = this.memo.add(this.defs, this.uBits, target, h);
      this.stackOp[d] = op;
      this.stackPrev[d] = this.state;
      this.stackAlt[d] = a;
      this.depth = d + 1;
      this.configurations++;
      this.state = target;
      if (!isUnknown && this.nd - this.remaining > this.bestDefinite) {
        this.bestDefinite = this.nd - this.remaining;
        this.best = Array.from(this.stackOp.subarray(0, this.depth));
        this.bestState = target;
      }
      return true;
    }
    return false;
  }

  /** Marks an operation placed or not: bitset, hash, queue position, count. */
  private place(op: number, placed: boolean): void {
    const b = this.p.bit[op]!;
    if (this.p.unknown[op] === 1) {
      this.uBits[b >>> 5]! ^= 1 << (b & 31);
      this.unknownHash ^= this.zobrist[this.nd + b]!;
      return;
    }
    this.defs.toggle(b);
    const q = this.queueOf(op);
    this.pos[q]! += placed ? 1 : -1;
    this.remaining += placed ? -1 : 1;
  }

  private queueOfCache: Int32Array | undefined;

  private queueOf(op: number): number {
    if (this.queueOfCache === undefined) {
      const cache = new Int32Array(this.n).fill(-1);
      this.queues.forEach((queue, q) => queue.forEach((o) => (cache[o] = q)));
      this.queueOfCache = cache;
    }
    return this.queueOfCache[op]!;
  }

  /** Whether an unknown operation's process has placed the definite operations before it. */
  private eligible(op: number): boolean {
    const k = this.unknownIndex(op);
    return this.pos[this.unknownProcess[k]!]! >= this.unknownAfter[k]!;
  }

  private unknownIndexCache: Int32Array | undefined;

  private unknownIndex(op: number): number {
    if (this.unknownIndexCache === undefined) {
      const cache = new Int32Array(this.n).fill(-1);
      this.unknownOps.forEach((o, k) => (cache[o] = k));
      this.unknownIndexCache = cache;
    }
    return this.unknownIndexCache[op]!;
  }

  private isPlaced(op: number): boolean {
    const b = this.p.bit[op]!;
    if (this.p.unknown[op] === 0) return this.defs.has(b);
    return (this.uBits[b >>> 5]! & (1 << (b & 31))) !== 0;
  }
}
