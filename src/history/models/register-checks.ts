import { canonicalJson } from "../json.js";
import type { QuickViolation } from "../model.js";
import type { Operation } from "../operations.js";
import type { Json } from "../types.js";
import { withValue } from "./register-state.js";

/**
 * Sound pre-checks for the register, in O(n log n): an observation of value
 * `v` (an ok read returning `v`, or an ok cas from `v`) needs a write of `v`
 * (a write, a cas to `v`, or the initial null) invoked before the observation
 * returned, and that was not certainly overwritten: if every such write
 * completed before some definite write of another value was invoked, and that
 * one completed before the observation was invoked, the observation is stale
 * in every linearization.
 */
export function registerQuickViolation(ops: readonly Operation[]): QuickViolation | undefined {
  const keys = new Map<string, Operation[]>();
  for (const op of ops) {
    const list = keys.get(op.key ?? "") ?? [];
    keys.set(op.key ?? "", list);
    list.push(op);
  }
  for (const list of keys.values()) {
    const found = oneRegister(list);
    if (found !== undefined) return found;
  }
  return undefined;
}

function oneRegister(ops: readonly Operation[]): QuickViolation | undefined {
  type Setter = { op: Operation | null; call: number; end: number; value: string };
  const setters = new Map<string, Setter[]>();
  const definite: Setter[] = [];
  const addSetter = (op: Operation | null, value: Json, call: number, end: number): void => {
    const key = canonicalJson(value);
    const s: Setter = { op, call, end, value: key };
    let list = setters.get(key);
    if (list === undefined) setters.set(key, (list = []));
    list.push(s);
    if (op !== null && op.status === "ok") definite.push(s);
  };
  addSetter(null, null, -Infinity, -Infinity);
  type Observation = { op: Operation; value: string; call: number; end: number };
  const observations: Observation[] = [];
  for (const op of ops) {
    const end = op.status === "unknown" ? Infinity : op.end!;
    if (op.f === "write" && op.status !== "fail") addSetter(op, op.input, op.call, end);
    if (op.f === "cas" && Array.isArray(op.input) && op.input.length === 2) {
      if (op.status !== "fail") addSetter(op, op.input[1] as Json, op.call, end);
      if (op.status === "ok") observations.push({ op, value: canonicalJson(op.input[0] as Json), call: op.call, end });
    }
    if (op.f === "read" && op.status === "ok") observations.push({ op, value: canonicalJson(op.output), call: op.call, end });
  }
  // Sweep observations by invocation; keep the latest-invoked definite setters
  // that completed before, for the best value and the best other value.
  definite.sort((a, b) => a.end - b.end);
  observations.sort((a, b) => a.call - b.call);
  let next = 0;
  let best: Setter | undefined;
  let second: Setter | undefined;
  for (const obs of observations) {
    while (next < definite.length && definite[next]!.end < obs.call) {
      const s = definite[next++]!;
      if (best === undefined || s.value === best.value) {
        if (best === undefined || s.call > best.call) best = s;
      } else if (s.call > best.call) {
        second = best;
        best = s;
      } else if (second === undefined || s.call > second.call) {
        second = s;
      }
    }
    const writers = (setters.get(obs.value) ?? []).filter((s) => s.op !== obs.op && s.call < obs.end);
    if (writers.length === 0) {
      return {
        message: `${describe(obs.op)} observes ${obs.value}, but no operation invoked before it completed writes ${obs.value}`,
        operations: [obs.op],
      };
    }
    const overwrite = best !== undefined && best.value !== obs.value ? best : second;
    if (overwrite === undefined) continue;
    let latest = writers[0]!;
    for (const w of writers) if (w.end > latest.end) latest = w;
    if (latest.end < overwrite.call) {
      const by = describe(overwrite.op!);
      const what = latest.op === null ? "the initial null" : `every write of it (the last: ${describe(latest.op)})`;
      return {
        message: `${describe(obs.op)} observes ${obs.value}, but ${what} completed before ${by} was invoked, which completed before the observation was invoked`,
        operations: [...writers.map((w) => w.op).filter((o): o is Operation => o !== null), overwrite.op!, obs.op],
      };
    }
  }
  return undefined;
}

/**
 * Window start states for the register. The register can only hold null or
 * a value written by an operation invoked before the window; of those, the
 * ones the window's operations mention, plus (when some possible value is not
 * mentioned) one value nobody mentions, which stands for all of them: no
 * operation can tell unmentioned values apart.
 */
export function registerWindowStates(window: readonly Operation[], before: readonly Operation[]): Json[] | undefined {
  // One register per window start state; several keys would need every combination.
  const key = window[0]?.key;
  if (window.some((op) => op.key !== key) || before.some((op) => op.key !== key)) return undefined;
  const mentioned = new Set<string>();
  for (const op of window) {
    if (op.f === "write") mentioned.add(canonicalJson(op.input));
    else if (op.f === "read" && op.status === "ok") mentioned.add(canonicalJson(op.output));
    else if (op.f === "cas" && Array.isArray(op.input)) for (const v of op.input) mentioned.add(canonicalJson(v as Json));
  }
  const possible = new Map<string, Json>([["null", null]]);
  for (const op of before) {
    if (op.status === "fail") continue;
    if (op.f === "write") possible.set(canonicalJson(op.input), op.input);
    else if (op.f === "cas" && Array.isArray(op.input) && op.input.length === 2) possible.set(canonicalJson(op.input[1] as Json), op.input[1] as Json);
  }
  const out: Json[] = [];
  let unmentioned = false;
  for (const [k, v] of possible) {
    if (mentioned.has(k)) out.push(v);
    else unmentioned = true;
  }
  if (unmentioned) {
    let fresh = "interleave:any-other-value";
    while (mentioned.has(canonicalJson(fresh))) fresh += "'";
    out.push(fresh);
  }
  return out.map((v) => withValue(null, key, v));
}

function describe(op: Operation): string {
  const what = op.f === "read" ? `read -> ${canonicalJson(op.output)}` : `${op.f}(${canonicalJson(op.input)})`;
  return `${what} by process ${String(op.process)} (operation ${op.id + 1})`;
}
