import { describe, ReadsFromSearch, plainViolation } from "./reads-from.js";
import { HistoryInputError } from "./errors.js";
import { operationsOf, type Operation } from "./operations.js";
import { toReadWrite, type ReadWriteHistory } from "./readwrite.js";
import type { Budget, CheckReport } from "./result.js";
import { BudgetClock } from "./search/budget.js";
import type { History } from "./types.js";

/** The four session guarantees of Terry et al. (1994). */
export type SessionGuarantee = "read-your-writes" | "monotonic-reads" | "monotonic-writes" | "writes-follow-reads";

/** All four guarantees, the meaning of `session` consistency. */
export const SESSION_GUARANTEES: readonly SessionGuarantee[] = [
  "read-your-writes",
  "monotonic-reads",
  "monotonic-writes",
  "writes-follow-reads",
];

/** Options of {@link checkSessionGuarantees}. */
export interface SessionOptions extends Budget {
  /** Which guarantees to require; default all four. */
  readonly guarantees?: readonly SessionGuarantee[];
}

/**
 * Decides whether a read/write history satisfies session guarantees, as
 * formalized by Viotti and Vukolić (2016) over abstract executions: there
 * are a visibility relation (which writes each read sees) and an arbitration
 * order (a total order of the writes) such that each read returns the value
 * of the arbitration-latest write to its key that it sees (the initial null
 * when it sees none), and
 * - read-your-writes: a read sees the writes its process made before it;
 * - monotonic-reads: a read sees what its process's earlier reads saw;
 * - monotonic-writes: a process's writes are arbitrated in program order;
 * - writes-follow-reads: a process's write is arbitrated after whatever its
 *   earlier reads saw.
 *
 * A process is a session. Writes with an unknown outcome count only when some
 * read saw them, and have no session successors.
 *
 * With the writes each read reads from fixed, the least visibility follows
 * from the guarantees and every constraint on the arbitration is an edge, so
 * the check is a cycle test; the reads-from choice is searched by
 * backtracking (unique when written values are unique).
 *
 * @example
 * checkSessionGuarantees(history, { guarantees: ["read-your-writes"] }).result // "session" | "violation" | "unknown"
 */
export function checkSessionGuarantees(history: History, options: SessionOptions = {}): CheckReport {
  return checkOperationsSession(operationsOf(history), options);
}

/** Session guarantees of already-paired operations; see {@link checkSessionGuarantees}. */
export function checkOperationsSession(ops: readonly Operation[], options: SessionOptions = {}): CheckReport {
  const clock = new BudgetClock(options);
  const guarantees = new Set(options.guarantees ?? SESSION_GUARANTEES);
  for (const g of guarantees) {
    if (!SESSION_GUARANTEES.includes(g))
      throw new HistoryInputError(`unknown session guarantee "${g}"; guarantees: ${SESSION_GUARANTEES.join(", ")}`);
  }
  const h = toReadWrite(ops, "session");
  const search = new SessionSearch(h, guarantees, clock);
  return search.report(ops.length);
}

/** How many new edges between two looks at the budget clock. */
const EDGES_PER_CHECK = 1 << 16;
/** A rough size of one edge with its explanation, for the memory budget. */
const EDGE_BYTES = 160;

/** An arbitration constraint `from` before `to`, with why. */
type Edge = { readonly from: number; readonly to: number; readonly why: string };

class SessionSearch extends ReadsFromSearch {
  protected readonly consistency = "session" as const;
  protected readonly unit = "reads-from choices";
  protected readonly noChoiceWorks = "no choice of the writes each read reads from satisfies the session guarantees";

  constructor(
    h: ReadWriteHistory,
    private readonly guarantees: ReadonlySet<SessionGuarantee>,
    clock: BudgetClock,
  ) {
    super(h, clock);
  }

  /** With reads-from fixed: derive visibility and arbitration edges, then look for a cycle. */
  protected consistent(): boolean {
    this.configurations++;
    if ((this.configurations & 255) === 0) {
      const reason = this.look(0);
      if (reason !== null) {
        this.stopped = reason;
        return false;
      }
    }
    const ryw = this.guarantees.has("read-your-writes");
    const mr = this.guarantees.has("monotonic-reads");
    const mw = this.guarantees.has("monotonic-writes");
    const wfr = this.guarantees.has("writes-follow-reads");
    const ops = this.h.ops;
    const edges: Edge[] = [];
    // The edges grow quadratically with a session's length (every earlier own write, everything seen):
    // the budget is consulted while they are built, not only between choices.
    let checkedAt = 0;
    const overBudget = (): boolean => {
      if (edges.length - checkedAt < EDGES_PER_CHECK) return false;
      checkedAt = edges.length;
      const reason = this.look(edges.length * EDGE_BYTES);
      if (reason !== null) this.stopped = reason;
      return reason !== null;
    };
    for (const session of this.h.sessions) {
      /** What earlier reads saw, with why: the next read sees it too under monotonic-reads. */
      const seen = new Map<number, string>();
      /** What earlier reads saw, for writes-follow-reads. */
      const seenForWrites = new Map<number, string>();
      const ownWrites: number[] = [];
      for (const x of session) {
        const rw = ops[x]!;
        if (rw.kind === "write") {
          if (rw.optional && this.readers[x] === 0) continue;
          if (mw) for (const w of ownWrites) edges.push({ from: w, to: x, why: "monotonic-writes" });
          if (wfr) for (const [w] of seenForWrites) edges.push({ from: w, to: x, why: "writes-follow-reads" });
          if (!rw.optional) ownWrites.push(x);
          if (overBudget()) return false;
          continue;
        }
        const visible = new Map<number, string>(mr ? seen : []);
        if (ryw) for (const w of ownWrites) if (!visible.has(w)) visible.set(w, "read-your-writes");
        const source = this.rf[x]!;
        if (source >= 0) visible.set(source, "reads from");
        for (const [w, why] of visible) {
          if (w === source || ops[w]!.key !== rw.key) continue;
          if (source < 0) {
            this.fail(`${describe(rw)} returns the initial value but sees ${describe(ops[w]!)} (${why})`, [
              rw.op,
              ops[w]!.op,
            ]);
            return false;
          }
          edges.push({
            from: w,
            to: source,
            why: `${describe(rw)} sees it (${why}) but returns the value of the other`,
          });
        }
        if (mr) for (const [w, why] of visible) seen.set(w, why);
        if (wfr) for (const [w, why] of visible) seenForWrites.set(w, why);
        if (overBudget()) return false;
      }
    }
    const cycle = findCycle(ops.length, edges);
    if (cycle === undefined) return true;
    const text = cycle.map((e) => `${describe(ops[e.from]!)} before ${describe(ops[e.to]!)} (${e.why})`).join("; ");
    this.fail(
      `the writes cannot be ordered: ${text}`,
      cycle.map((e) => ops[e.from]!.op),
    );
    return false;
  }

  private fail(message: string, ops: readonly Operation[]): void {
    this.noteFailure(() => plainViolation(message, ops));
  }
}

/** A cycle of edges, or undefined (iterative DFS with colours). */
function findCycle(n: number, edges: readonly Edge[]): Edge[] | undefined {
  const out: Edge[][] = Array.from({ length: n }, () => []);
  for (const e of edges) out[e.from]!.push(e);
  const colour = new Uint8Array(n);
  const via = new Array<Edge | undefined>(n);
  for (let start = 0; start < n; start++) {
    if (colour[start] !== 0 || out[start]!.length === 0) continue;
    const stack: [number, number][] = [[start, 0]];
    colour[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [x, i] = top;
      if (i === out[x]!.length) {
        colour[x] = 2;
        stack.pop();
        continue;
      }
      top[1] = i + 1;
      const e = out[x]![i]!;
      if (colour[e.to] === 1) {
        const cycle = [e];
        for (let y = x; y !== e.to; y = via[y]!.from) cycle.unshift(via[y]!);
        return cycle;
      }
      if (colour[e.to] === 0) {
        colour[e.to] = 1;
        via[e.to] = e;
        stack.push([e.to, 0]);
      }
    }
  }
  return undefined;
}
