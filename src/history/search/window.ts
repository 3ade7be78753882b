import { canonicalJson } from "../json.js";
import type { AnyModel } from "../model.js";
import type { Operation } from "../operations.js";
import type { UnknownReason } from "../result.js";
import type { BudgetClock } from "./budget.js";
import { prepare, type PreparedPartition } from "./partition.js";
import { StateSpace } from "./state-space.js";
import { searchLinearization } from "./wgl.js";

/** A window of a partition that cannot be linearized from any start state. */
export interface WindowViolation {
  /** The window's operations as checked (some relaxed to unknown outcome). */
  readonly ops: readonly Operation[];
  /** The longest partial linearization found over all start states (local indices). */
  readonly prefix: readonly number[];
  readonly state: unknown;
  /** First and last operation (original) whose invocation is in the window. */
  readonly first: Operation;
  readonly last: Operation;
  readonly configurations: number;
}

/** Tuning of the windowed check. */
export interface WindowOptions {
  /** Window lengths in operations; each window overlaps the next by half. Default [16, 64]. */
  readonly sizes?: readonly number[];
  /** Configurations allowed per window and start state before giving up on it. Default 2,000. */
  readonly maxConfigurations?: number;
}

/**
 * Looks for a short stretch of a long history that no linearization can
 * explain, whatever state the object was in when it began. Sound: for a
 * window of operations invoked in [t0, t1), take any linearization of the
 * whole history; the operations invoked from t0 on all come after every
 * operation that completed before t0, so from the state reached at that point
 * (made by operations invoked before t0, and covered by
 * {@link AnyModel.windowStates}) they, plus some of the
 * operations still pending at t0, are linearized in order. Operations pending
 * at t0, still pending at t1, or of unknown outcome become optional (and may
 * even take effect several times), which only makes the window easier to
 * linearize. So a window that fails from
 * every start state proves the history is not linearizable.
 */
export function findViolatingWindow(
  p: PreparedPartition,
  model: AnyModel,
  clock: BudgetClock,
  options: WindowOptions = {},
): {
  readonly violation: WindowViolation | undefined;
  readonly configurations: number;
  readonly stopped: UnknownReason | undefined;
} {
  const windowStates = model.windowStates;
  let configurations = 0;
  let reported = 0;
  if (windowStates === undefined) return { violation: undefined, configurations, stopped: undefined };
  const ops = p.ops;
  const n = ops.length;
  const limit = options.maxConfigurations ?? 2000;
  for (const size of options.sizes ?? [16, 64]) {
    const stride = Math.max(1, size >> 1);
    const carried = new CarriedOperations(ops, model);
    for (let start = 0; start < n; start += stride) {
      // This phase's tables live only for one window (at most `limit` configurations): the
      // resident-memory and heap guards of the clock bound it, and its time counts.
      const reason = clock.exceeded(0, configurations - reported);
      reported = configurations;
      if (reason !== null) return { violation: undefined, configurations, stopped: reason };
      const end = Math.min(n, start + size);
      const window = windowOperations(ops, start, end, model, carried.at(start));
      if (window.definite < 2) continue;
      // Relax further: an unknown-outcome operation may take effect any
      // number of times. Still sound for proving a violation, and it keeps
      // the many lingering unknown operations of a long history cheap.
      const base = prepare(null, window.ops, model);
      const prepared = { ...base, reusable: base.unknown };
      let best: { prefix: readonly number[]; state: unknown; definite: number } | undefined;
      let failedEverywhere = true;
      const starts = windowStates.call(model, window.ops, ops, start);
      if (starts === undefined) return { violation: undefined, configurations, stopped: undefined };
      for (const initial of starts) {
        const space = new StateSpace(model, window.ops, { state: initial });
        const outcome = searchLinearization(prepared, space, clock, { maxConfigurations: limit });
        configurations += outcome.configurations;
        // The check's time or memory ran out inside this window: stop the whole check, not just the window.
        if (outcome.kind === "unknown" && outcome.reason !== "limit")
          return { violation: undefined, configurations, stopped: outcome.reason };
        if (outcome.kind !== "violation") {
          failedEverywhere = false;
          break;
        }
        const definite = outcome.prefix.filter((k) => prepared.unknown[k] === 0).length;
        if (best === undefined || definite > best.definite)
          best = { prefix: outcome.prefix, state: space.state(outcome.state), definite };
      }
      if (failedEverywhere && best !== undefined) {
        const violation = {
          ops: window.ops,
          prefix: best.prefix,
          state: best.state,
          first: ops[start]!,
          last: ops[end - 1]!,
          configurations,
        };
        return { violation, configurations, stopped: undefined };
      }
      if (end === n) break;
    }
  }
  return { violation: undefined, configurations, stopped: undefined };
}

/**
 * The operations invoked before a window that may still take effect in it:
 * those pending at its first invocation, and the unknown-outcome ones, one of
 * each kind (same name, key and input: in the window they may take effect
 * any number of times, so twins add nothing). Kept up to date as the window
 * slides forward, so each operation is looked at a bounded number of times
 * (the windowed check is linear in the history, not quadratic).
 */
class CarriedOperations {
  private readonly pending: Operation[] = [];
  private readonly unknown: Operation[] = [];
  private readonly kinds = new Set<string>();
  private next = 0;

  constructor(
    private readonly ops: readonly Operation[],
    private readonly model: AnyModel,
  ) {}

  /** Those of `ops[0..start)` (start never decreases between calls). */
  at(start: number): Operation[] {
    const t0 = this.ops[start]!.call;
    for (; this.next < start; this.next++) {
      const op = this.ops[this.next]!;
      // A failed operation had no effect: drop it.
      if (op.status === "fail") continue;
      if (op.status !== "unknown") {
        this.pending.push(op);
        continue;
      }
      const kind = `${op.f}\u0000${op.key ?? ""}\u0000${canonicalJson(op.input)}`;
      if (this.kinds.has(kind) || this.model.ignore?.(op) === true) continue;
      this.kinds.add(kind);
      this.unknown.push(op);
    }
    let kept = 0;
    for (const op of this.pending) if (op.end! > t0) this.pending[kept++] = op;
    this.pending.length = kept;
    // In invocation order, as the window's own operations.
    return [...this.unknown, ...this.pending].sort((a, b) => a.id - b.id);
  }
}

/** The window's operations: carried ones (see {@link CarriedOperations}) and late or unknown ones made optional. */
function windowOperations(
  ops: readonly Operation[],
  start: number,
  end: number,
  model: AnyModel,
  carried: readonly Operation[],
): { ops: Operation[]; definite: number } {
  const t1 = end < ops.length ? ops[end]!.call : Infinity;
  const out: Operation[] = [];
  let definite = 0;
  // A failed operation had no effect and a relaxed read constrains nothing: drop them.
  const optional = (op: Operation): void => {
    if (op.status === "fail") return;
    const relaxed: Operation = op.status === "unknown" ? op : { ...op, status: "unknown", output: null, end: null };
    if (model.ignore?.(relaxed) !== true) out.push(relaxed);
  };
  for (const op of carried) optional(op);
  for (let j = start; j < end; j++) {
    const op = ops[j]!;
    if (op.status !== "unknown" && op.end! < t1) {
      out.push(op);
      definite++;
    } else {
      optional(op);
    }
  }
  return { ops: out, definite };
}
