import type { BudgetClock } from "./budget.js";
import { ConfigurationSearch, type CandidateOrder, type SearchOptions, type SearchOutcome } from "./engine.js";
import type { ConfigMemo } from "./memo.js";
import type { PreparedPartition } from "./partition.js";
import { ILLEGAL, type StateSpace } from "./state-space.js";

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
export function searchSequential(
  p: PreparedPartition,
  space: StateSpace,
  clock: BudgetClock,
  options: SearchOptions = {},
): SearchOutcome {
  return new SequentialSearch(
    p,
    space,
    clock,
    options.maxConfigurations ?? Infinity,
    options.order ?? "return",
    options.memo,
  ).run();
}

/** Candidates in program order per process; placing a definite operation advances its process's queue. */
class SequentialSearch extends ConfigurationSearch {
  /** Definite operations of each process, in program order. */
  private readonly queues: Int32Array[];
  /** Next unplaced position in each queue. */
  private readonly pos: Int32Array;
  /** The queue of each definite operation. */
  private readonly queueOf: Int32Array;
  /** For an unknown operation: its process and how many of the process's definite operations precede it. */
  private readonly unknownProcess: Int32Array;
  private readonly unknownAfter: Int32Array;
  private readonly unknownOps: Int32Array;
  /** Index of each unknown operation in `unknownOps`. */
  private readonly unknownIndex: Int32Array;
  private readonly rank: Float64Array;

  constructor(
    p: PreparedPartition,
    space: StateSpace,
    clock: BudgetClock,
    maxConfigurations: number,
    order: CandidateOrder,
    memo: ConfigMemo | undefined,
  ) {
    super(p, space, clock, maxConfigurations, memo, new Uint8Array(p.ops.length));
    const n = p.ops.length;
    const processIndex = new Map<number | string, number>();
    const queues: number[][] = [];
    const unknownProcess: number[] = [];
    const unknownAfter: number[] = [];
    const unknownOps: number[] = [];
    this.queueOf = new Int32Array(n).fill(-1);
    this.unknownIndex = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      const op = p.ops[i]!;
      let q = processIndex.get(op.process);
      if (q === undefined) {
        q = queues.length;
        processIndex.set(op.process, q);
        queues.push([]);
      }
      if (p.unknown[i] === 1) {
        this.unknownIndex[i] = unknownOps.length;
        unknownOps.push(i);
        unknownProcess.push(q);
        unknownAfter.push(queues[q]!.length);
      } else {
        this.queueOf[i] = q;
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
  }

  /**
   * The next definite operation of each process, or only a legal read-only
   * one; then the unknown-outcome operations whose process has placed the
   * definite operations before them.
   */
  protected collectCandidates(): void {
    const space = this.space;
    const state = this.state;
    for (let q = 0; q < this.queues.length; q++) {
      const queue = this.queues[q]!;
      const at = this.pos[q]!;
      if (at >= queue.length) continue;
      const op = queue[at]!;
      const code = space.step(state, op);
      if (this.readOnly[op] === 1 && code === state) {
        this.only(op, code);
        return;
      }
      if (code !== ILLEGAL) this.offer(op, code, this.rank[op]!);
    }
    for (let k = 0; k < this.unknownOps.length; k++) {
      const op = this.unknownOps[k]!;
      if (this.isSet(op)) continue;
      if (this.pos[this.unknownProcess[k]!]! < this.unknownAfter[k]!) continue;
      // An identical unknown operation earlier in the same order goes first
      // (they are interchangeable) when it is placeable too.
      const twin = this.twin[op]!;
      if (twin >= 0 && !this.isSet(twin) && this.eligible(twin)) continue;
      const code = space.step(state, op);
      if (code !== ILLEGAL) this.offer(op, code, this.rank[op]!);
    }
  }

  protected placed(op: number): void {
    if (this.unknown[op] === 0) this.pos[this.queueOf[op]!]!++;
  }

  protected unplaced(op: number): void {
    if (this.unknown[op] === 0) this.pos[this.queueOf[op]!]!--;
  }

  /** Whether an unknown operation's process has placed the definite operations before it. */
  private eligible(op: number): boolean {
    const k = this.unknownIndex[op]!;
    return this.pos[this.unknownProcess[k]!]! >= this.unknownAfter[k]!;
  }
}
