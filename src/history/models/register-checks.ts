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

/** A possible write of a value (`op` null: the initial value). */
type Setter = { op: Operation | null; call: number; end: number; value: string };

/**
 * One value's setters by invocation; best[i] (second[i]): the latest- (second-latest-) completing among the first i +
 * 1.
 */
interface SetterPrefix {
  readonly calls: readonly number[];
  readonly best: readonly Setter[];
  readonly second: readonly (Setter | undefined)[];
}

/**
 * The latest-completing setter of the observed value invoked before the observation completed, other than the
 * observation itself.
 */
function latestWriter(prefix: SetterPrefix | undefined, obs: { op: Operation; end: number }): Setter | undefined {
  if (prefix === undefined) return undefined;
  let lo = 0;
  let hi = prefix.calls.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (prefix.calls[mid]! < obs.end) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return undefined;
  const best = prefix.best[lo - 1]!;
  return best.op === obs.op ? prefix.second[lo - 1] : best;
}

function oneRegister(ops: readonly Operation[]): QuickViolation | undefined {
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
    if (op.f === "read" && op.status === "ok")
      observations.push({ op, value: canonicalJson(op.output), call: op.call, end });
  }
  // Per value, its setters by invocation with the two latest completions so far (of different operations), so
  // each observation finds its latest possible writer by binary search: O(n log n), however often a value is written.
  const prefixes = new Map<string, SetterPrefix>();
  for (const [value, list] of setters) {
    const sorted = [...list].sort((a, b) => a.call - b.call);
    const best: Setter[] = [];
    const second: (Setter | undefined)[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const s = sorted[i]!;
      const b = best[i - 1];
      const c = second[i - 1];
      if (b === undefined || s.end > b.end) {
        best.push(s);
        second.push(b);
      } else {
        best.push(b);
        second.push(c === undefined || s.end > c.end ? s : c);
      }
    }
    prefixes.set(value, { calls: sorted.map((s) => s.call), best, second });
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
    const latest = latestWriter(prefixes.get(obs.value), obs);
    const writers = (): Setter[] => (setters.get(obs.value) ?? []).filter((s) => s.op !== obs.op && s.call < obs.end);
    if (latest === undefined) {
      return {
        message: `${describe(obs.op)} observes ${obs.value}, but no operation invoked before it completed writes ${obs.value}`,
        operations: [obs.op],
      };
    }
    const overwrite = best !== undefined && best.value !== obs.value ? best : second;
    if (overwrite === undefined) continue;
    if (latest.end < overwrite.call) {
      const by = describe(overwrite.op!);
      const what = latest.op === null ? "the initial null" : `every write of it (the last: ${describe(latest.op)})`;
      return {
        message: `${describe(obs.op)} observes ${obs.value}, but ${what} completed before ${by} was invoked, which completed before the observation was invoked`,
        operations: [
          ...writers()
            .map((w) => w.op)
            .filter((o): o is Operation => o !== null),
          overwrite.op!,
          obs.op,
        ],
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
 * operation can tell unmentioned values apart. Each window costs time in its
 * own length, after one pass over the history ({@link writtenBefore}).
 */
export function registerWindowStates(
  window: readonly Operation[],
  history: readonly Operation[],
  start: number,
): Json[] | undefined {
  // One register per window start state; several keys would need every combination.
  const key = window[0]?.key;
  const index = writtenBefore(history);
  if (window.some((op) => op.key !== key) || (start > 0 && (index.key !== key || index.sameKey < start)))
    return undefined;
  const mentioned = new Set<string>();
  for (const op of window) {
    if (op.f === "write") mentioned.add(canonicalJson(op.input));
    else if (op.f === "read" && op.status === "ok") mentioned.add(canonicalJson(op.output));
    else if (op.f === "cas" && Array.isArray(op.input))
      for (const v of op.input) mentioned.add(canonicalJson(v as Json));
  }
  const possible: { at: number; value: Json }[] = [];
  for (const k of mentioned) {
    const written = index.first.get(k);
    if (written !== undefined && written.at < start) possible.push(written);
  }
  // In the order the values were first written (null first), as the search tries them.
  const out = possible.sort((a, b) => a.at - b.at).map((w) => w.value);
  // Values possible before the window (null included) that the window does not mention.
  if (index.distinct[start]! > out.length) {
    let fresh = "interleave:any-other-value";
    while (mentioned.has(canonicalJson(fresh))) fresh += "'";
    out.push(fresh);
  }
  return out.map((v) => withValue(null, key, v));
}

/** For each value, the first operation that may write it; per prefix, how many distinct values are possible. */
interface WrittenIndex {
  /** Canonical value -> position of its first possible writer (null: -1) and the value. */
  readonly first: ReadonlyMap<string, { readonly at: number; readonly value: Json }>;
  /** distinct[i]: distinct values the register may hold after operations [0, i) (null included). */
  readonly distinct: Int32Array;
  /**
   * The first operation's key, and how many operations from the start have it (a window's start states cover one key).
   */
  readonly key: string | undefined;
  readonly sameKey: number;
}

const indexes = new WeakMap<readonly Operation[], WrittenIndex>();

/** Indexes a partition's operations once for all its windows. */
function writtenBefore(history: readonly Operation[]): WrittenIndex {
  const known = indexes.get(history);
  if (known !== undefined) return known;
  const first = new Map<string, { at: number; value: Json }>([["null", { at: -1, value: null }]]);
  const distinct = new Int32Array(history.length + 1);
  distinct[0] = 1;
  // Operations [0, i) all have the first operation's key while i <= sameKey.
  let sameKey = 0;
  const key = history[0]?.key;
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (sameKey === i && op.key === key) sameKey = i + 1;
    let written: Json | undefined;
    if (op.status !== "fail" && op.f === "write") written = op.input;
    else if (op.status !== "fail" && op.f === "cas" && Array.isArray(op.input) && op.input.length === 2)
      written = op.input[1] as Json;
    distinct[i + 1] = distinct[i]!;
    if (written === undefined) continue;
    const k = canonicalJson(written);
    if (!first.has(k)) {
      first.set(k, { at: i, value: written });
      distinct[i + 1]!++;
    }
  }
  const index = { first, distinct, key, sameKey };
  indexes.set(history, index);
  return index;
}

function describe(op: Operation): string {
  const what = op.f === "read" ? `read -> ${canonicalJson(op.output)}` : `${op.f}(${canonicalJson(op.input)})`;
  return `${what} by process ${String(op.process)} (operation ${op.id + 1})`;
}
