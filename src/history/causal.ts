import { operationsOf, type Operation } from "./operations.js";
import { describe, plainViolation, ReadsFromSearch } from "./reads-from.js";
import { INITIAL_VALUE, toReadWrite } from "./readwrite.js";
import type { Budget, CheckReport, Violation } from "./result.js";
import { BudgetClock } from "./search/budget.js";

import type { History } from "./types.js";

/**
 * Decides whether a read/write history is causally consistent, in the sense of
 * causal memory (Ahamad et al., 1995): there is a writes-into relation
 * (each read reads from a write of the same key and value, or the initial
 * null) such that the causal order, program order plus writes-into closed
 * transitively, is acyclic, and every process can explain its own reads: some
 * serialization of its operations and of the writes in their causal past,
 * extending the causal order, returns for each of its reads the value of the
 * latest write to that key. Processes may disagree on the order of concurrent
 * writes.
 *
 * Writes with an unknown outcome count only when some read observed them
 * (they may never have happened); they are causally after their process's
 * earlier operations but not before its later ones. Failed operations and
 * reads with an unknown result are left out.
 *
 * The writes-into relation is searched (backtracking over the writes each read
 * could have read from, pruning cycles at once); each process's serialization
 * is a memoized depth-first search that places a legal read as soon as it can.
 * Polynomial when written values are unique; exponential at worst (the problem
 * is NP-complete), so the budget applies.
 *
 * @example
 * checkCausalConsistency(history).result // "causal" | "violation" | "unknown"
 */
export function checkCausalConsistency(history: History, options: Budget = {}): CheckReport {
  return checkOperationsCausal(operationsOf(history), options);
}

/** Causal consistency of already-paired operations; see {@link checkCausalConsistency}. */
export function checkOperationsCausal(ops: readonly Operation[], options: Budget = {}): CheckReport {
  const clock = new BudgetClock(options);
  const h = toReadWrite(ops, "causal");
  const search = new CausalSearch(h, clock);
  return search.report(ops.length);
}

class CausalSearch extends ReadsFromSearch {
  protected readonly consistency = "causal" as const;
  protected readonly unit = "configurations";
  protected readonly noChoiceWorks = "every way of matching reads to the writes they read from creates a causal cycle";

  protected override mayRead(r: number, w: number): boolean {
    if (w < 0 || !this.reaches(r, w)) return true;
    this.noteFailure(() =>
      plainViolation(
        `${describe(this.h.ops[r]!)} would read from ${describe(this.h.ops[w]!)}, which causally follows it`,
        [this.h.ops[r]!.op, this.h.ops[w]!.op],
      ),
    );
    return false;
  }

  protected consistent(): boolean {
    return this.checkProcesses();
  }

  /** Direct causal predecessors of an operation under the current writes-into choice. */
  private predecessors(x: number): number[] {
    const rw = this.h.ops[x]!;
    const out: number[] = [];
    const session = this.h.sessions[rw.session]!;
    // program order: the previous non-optional operation of the session (optional writes have no successors)
    for (let i = rw.position - 1; i >= 0; i--) {
      const y = session[i]!;
      if (!this.h.ops[y]!.optional) {
        out.push(y);
        break;
      }
    }
    if (rw.kind === "read" && this.rf[x]! >= 0) out.push(this.rf[x]!);
    return out;
  }

  /** Whether `to` is causally after `from` (walking predecessors back from `to`). */
  private reaches(from: number, to: number): boolean {
    // Walk predecessors from `to` looking for `from`: `to` causally after `from`.
    const seen = new Uint8Array(this.h.ops.length);
    const stack = [to];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x === from) return true;
      if (seen[x] === 1) continue;
      seen[x] = 1;
      for (const y of this.predecessors(x)) if (this.included(y)) stack.push(y);
    }
    return false;
  }

  /** Unknown-outcome writes count only when read from. */
  private included(x: number): boolean {
    return !this.h.ops[x]!.optional || this.readers[x]! > 0;
  }

  /** With writes-into fixed: does every process have a legal serialization? */
  private checkProcesses(): boolean {
    const n = this.h.ops.length;
    const words = (n + 31) >>> 5;
    const included = new Uint8Array(n);
    for (let x = 0; x < n; x++) included[x] = this.included(x) ? 1 : 0;
    // Causal past of each operation as a bitset, in an order where predecessors come first.
    const order = this.topologicalOrder(included);
    if (order === undefined) return false;
    const past = new Uint32Array(n * words);
    for (const x of order) {
      for (const y of this.predecessors(x)) {
        if (included[y] !== 1) continue;
        for (let i = 0; i < words; i++) past[x * words + i]! |= past[y * words + i]!;
        past[x * words + (y >>> 5)]! |= 1 << (y & 31);
      }
    }
    for (let s = 0; s < this.h.sessions.length; s++) {
      if (!this.serializable(s, included, past, words)) return false;
    }
    return true;
  }

  private topologicalOrder(included: Uint8Array): number[] | undefined {
    const n = this.h.ops.length;
    const indegree = new Int32Array(n);
    const successors: number[][] = Array.from({ length: n }, () => []);
    for (let x = 0; x < n; x++) {
      if (included[x] !== 1) continue;
      for (const y of this.predecessors(x)) {
        if (included[y] !== 1) continue;
        successors[y]!.push(x);
        indegree[x]!++;
      }
    }
    const ready: number[] = [];
    for (let x = 0; x < n; x++) if (included[x] === 1 && indegree[x] === 0) ready.push(x);
    const order: number[] = [];
    while (ready.length > 0) {
      const x = ready.pop()!;
      order.push(x);
      for (const y of successors[x]!) if (--indegree[y]! === 0) ready.push(y);
    }
    let count = 0;
    for (let x = 0; x < n; x++) count += included[x]!;
    if (order.length === count) return order;
    this.noteFailure(() => plainViolation("the reads and program order form a causal cycle", []));
    return undefined;
  }

  /**
   * Depth-first search for a serialization of session `s`'s operations and
   * the writes in their causal past that extends the causal order and makes
   * every read of `s` return the latest write to its key.
   */
  private serializable(s: number, included: Uint8Array, past: Uint32Array, words: number): boolean {
    const own = this.h.sessions[s]!.filter((x) => included[x] === 1);
    const members = new Uint32Array(words);
    for (const x of own) {
      members[x >>> 5]! |= 1 << (x & 31);
      for (let i = 0; i < words; i++) members[i]! |= past[x * words + i]!;
    }
    const nodes: number[] = [];
    for (let x = 0; x < this.h.ops.length; x++) {
      if ((members[x >>> 5]! & (1 << (x & 31))) === 0) continue;
      const rw = this.h.ops[x]!;
      if (rw.kind === "write" || rw.session === s) nodes.push(x);
    }
    const placed = new Uint32Array(words);
    const values = new Map<string, string>();
    const visited = new Set<string>();
    let visitedBytes = 0;
    let best: number[] = [];
    const order: number[] = [];
    const available = (x: number): boolean => {
      if ((placed[x >>> 5]! & (1 << (x & 31))) !== 0) return false;
      for (let i = 0; i < words; i++) {
        // predecessors among this serialization's nodes must be placed
        const need = past[x * words + i]! & members[i]! & ~placed[i]!;
        if (need !== 0 && this.hasNode(need, i, nodes, s)) return false;
      }
      return true;
    };
    const legal = (x: number): boolean => {
      const rw = this.h.ops[x]!;
      return rw.kind === "write" || (values.get(rw.key) ?? INITIAL_VALUE) === rw.value;
    };
    const dfs = (): boolean => {
      if (order.length === nodes.length) return true;
      this.configurations++;
      // A step costs at least a pass over the serialization's nodes: looking at the clock every 16 is cheap, and
      // every 1,024 overshot a 20 s limit by 50 s on a history of 30,000 operations.
      if ((this.configurations & 15) === 0) {
        const reason = this.look(visitedBytes);
        if (reason !== null) {
          this.stopped = reason;
          return false;
        }
      }
      if (this.stopped !== undefined) return false;
      const key = placed.join(",") + "|" + [...values.entries()].sort().join(";");
      if (visited.has(key)) return false;
      visited.add(key);
      visitedBytes += 2 * key.length + 64;
      if (order.length > best.length) best = [...order];
      const open = nodes.filter(available);
      const greedy = open.find((x) => this.h.ops[x]!.kind === "read" && legal(x));
      for (const x of greedy === undefined ? open : [greedy]) {
        if (!legal(x)) continue;
        const rw = this.h.ops[x]!;
        const before = values.get(rw.key);
        if (rw.kind === "write") values.set(rw.key, rw.value);
        placed[x >>> 5]! |= 1 << (x & 31);
        order.push(x);
        if (dfs()) return true;
        order.pop();
        placed[x >>> 5]! &= ~(1 << (x & 31));
        if (rw.kind === "write") {
          if (before === undefined) values.delete(rw.key);
          else values.set(rw.key, before);
        }
      }
      return false;
    };
    if (dfs()) return true;
    // Stopped by the budget: no failure to explain (explaining one costs as much again).
    if (this.stopped !== undefined) return false;
    this.noteFailure(() => this.serializationFailure(s, best, nodes, past, members, words));
    return false;
  }

  /** Whether the bitset word `need` (word `i`) contains a node of this serialization. */
  private hasNode(need: number, i: number, _nodes: readonly number[], s: number): boolean {
    for (let b = 0; b < 32; b++) {
      if ((need & (1 << b)) === 0) continue;
      const rw = this.h.ops[i * 32 + b];
      if (rw !== undefined && (rw.kind === "write" || rw.session === s)) return true;
    }
    return false;
  }

  private serializationFailure(
    s: number,
    best: readonly number[],
    nodes: readonly number[],
    past: Uint32Array,
    members: Uint32Array,
    words: number,
  ): Violation {
    const values = new Map<string, string>();
    for (const x of best) if (this.h.ops[x]!.kind === "write") values.set(this.h.ops[x]!.key, this.h.ops[x]!.value);
    const placed = new Set(best);
    const isNode = new Set(nodes);
    const stuck = nodes.filter((x) => {
      if (placed.has(x)) return false;
      for (let i = 0; i < words; i++) {
        const need = past[x * words + i]! & members[i]!;
        if (need === 0) continue;
        for (let b = 0; b < 32; b++)
          if ((need & (1 << b)) !== 0 && isNode.has(i * 32 + b) && !placed.has(i * 32 + b)) return false;
      }
      return true;
    });
    const process = this.h.ops[this.h.sessions[s]![0]!]!.op.process;
    const state = [...values.entries()].map(([k, v]) => (k === "" ? v : `${k}=${v}`)).join(", ") || "initial";
    return {
      partition: null,
      message:
        `process ${String(process)} cannot explain its reads: the longest serialization of its operations and their causal past ` +
        `places ${best.length} of ${nodes.length} and leaves ${state}; none of these can come next: ${stuck.map((x) => describe(this.h.ops[x]!)).join("; ")}`,
      prefix: best.map((x) => this.h.ops[x]!.op),
      state,
      stuck: stuck.map((x) => this.h.ops[x]!.op),
    };
  }
}
