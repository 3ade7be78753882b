/**
 * An exact linearizability check for the tiny client histories of the Raft
 * model: one register per key with `read`, `write` and `cas` (Jepsen's
 * vocabulary and the semantics of src/history's register model). It searches
 * linearization orders by brute force (Wing and Gong, with a memo of failed
 * configurations): histories in the model hold a handful of operations.
 *
 * TODO: switch to src/history's public checker (register model partitioned by
 * key) once `src/history/index.ts` exports it; this file then goes.
 */
import type { HistoryEvent, Json } from "../../src/index.js";

type Status = "ok" | "fail" | "unknown";

interface Op {
  readonly f: string;
  readonly input: Json;
  readonly output: Json;
  readonly status: Status;
  /** Position of the invocation in the history. */
  readonly call: number;
  /** Position of the completion, or Infinity when there is none (unknown outcome). */
  readonly end: number;
}

/** Pairs invocations with completions per process and groups the operations by key. */
function operationsByKey(history: readonly HistoryEvent[]): Map<string, Op[]> {
  const open = new Map<string | number, { e: HistoryEvent; call: number }>();
  const byKey = new Map<string, Op[]>();
  const add = (e: HistoryEvent, call: number, end: number, status: Status, output: Json): void => {
    const op: Op = { f: e.f, input: e.value, output, status, call, end };
    if (e.f === "read" && status !== "ok") return; // an unanswered read constrains nothing
    if (e.f === "write" && status === "fail") return; // a failed write did nothing
    const key = e.key ?? "";
    const list = byKey.get(key);
    if (list) list.push(op);
    else byKey.set(key, [op]);
  };
  history.forEach((e, i) => {
    if (e.type === "invoke") {
      open.set(e.process, { e, call: i });
      return;
    }
    const o = open.get(e.process);
    if (o === undefined) return;
    open.delete(e.process);
    add(o.e, o.call, i, e.type === "info" ? "unknown" : e.type, e.value);
  });
  for (const o of open.values()) add(o.e, o.call, Infinity, "unknown", null);
  return byKey;
}

function same(a: Json, b: Json): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The register values after `op` from `state` (none when `op` cannot happen there). */
function step(state: Json, op: Op): Json[] {
  switch (op.f) {
    case "read":
      return same(state, op.output) ? [state] : [];
    case "write":
      return [op.input];
    case "cas": {
      const [from, to] = op.input as [Json, Json];
      const matches = same(state, from);
      if (op.status === "ok") return matches ? [to] : [];
      if (op.status === "fail") return matches ? [] : [state];
      return matches ? [to, state] : [state];
    }
    default:
      throw new Error(`the register model has read, write and cas; the Raft client recorded :${op.f}`);
  }
}

/** True when the operations on one register have a linearization. */
function registerLinearizable(ops: readonly Op[]): boolean {
  const required = ops.reduce((mask, op, i) => (op.status === "unknown" ? mask : mask | (1 << i)), 0);
  const failed = new Set<string>();
  const search = (state: Json, done: number): boolean => {
    if ((done & required) === required) return true;
    const memo = `${done}:${JSON.stringify(state)}`;
    if (failed.has(memo)) return false;
    // The earliest completion among operations not yet placed: nothing invoked after it can come first.
    let horizon = Infinity;
    ops.forEach((op, i) => {
      if ((done & (1 << i)) === 0 && op.end < horizon) horizon = op.end;
    });
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if ((done & (1 << i)) !== 0 || op.call > horizon) continue;
      for (const next of step(state, op)) if (search(next, done | (1 << i))) return true;
    }
    failed.add(memo);
    return false;
  };
  return search(null, 0);
}

const verdicts = new WeakMap<readonly HistoryEvent[], boolean>();

/**
 * True when the client history is linearizable: registers start as `null`;
 * operations without a completion (or completed with `info`) may take effect
 * at any point after their invocation, or never. Verdicts are cached per
 * history array (states of the model share them).
 *
 * @example
 * isLinearizableHistory([
 *   { type: "invoke", process: "c1", f: "write", key: "x", value: 1 },
 *   { type: "ok", process: "c1", f: "write", key: "x", value: 1 },
 *   { type: "invoke", process: "c2", f: "read", key: "x", value: null },
 *   { type: "ok", process: "c2", f: "read", key: "x", value: null },
 * ]) // false: the read began after the write completed
 */
export function isLinearizableHistory(history: readonly HistoryEvent[]): boolean {
  const known = verdicts.get(history);
  if (known !== undefined) return known;
  let verdict = true;
  for (const ops of operationsByKey(history).values()) {
    if (ops.length > 30) throw new Error(`a history of ${ops.length} operations on one key is too long for the brute-force check`);
    if (!registerLinearizable(ops)) {
      verdict = false;
      break;
    }
  }
  verdicts.set(history, verdict);
  return verdict;
}
