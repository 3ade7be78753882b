import type { Operation } from "../operations.js";

/** Gets looked at per write when looking for the first that shows it. */
const MAX_GETS_SCANNED = 64;
/** Characters of the gets' strings scanned per key, as a multiple of their total (beyond it, no more guesses). */
const SCAN_BUDGET = 16;
/**
 * How far apart consecutive writes of the gets' strings are ranked, when their completions do not order them already.
 */
const STEP = 1 / 1024;

/**
 * {@link kvModel}'s guess of when each write takes effect at the latest
 * ({@link Model.deadlines}), read off the gets. A write shown by a get took
 * effect before that get completed, and before the writes its string shows
 * after it; so the writes are ranked along the order the gets show them (each
 * by the first get, completing after its invocation, whose string contains
 * its text, or starts with it for a put), every one before the next and
 * before its own completion. An append no get shows was overwritten: it goes
 * just before the first put expected to take effect after its invocation.
 * Texts can occur by accident (`"a" + "b"` contains `"ab"`), so this is only a
 * guess, which is all the search needs of it. The scan is bounded (64 gets
 * per write, 16 times the characters of the gets' strings per key); a write
 * left unmatched gets no guess.
 *
 * Measured on Porcupine's kv c50-ok history (1,712 operations on 10 keys,
 * texts sometimes written twice): the search tries writes by these deadlines
 * and never backtracks, 1,712 configurations, where completion order visits
 * 220,475 and invocation order (Porcupine's) 169,794; even the whole history
 * as one partition takes 1,712.
 */
export function kvDeadlines(ops: readonly Operation[]): Float64Array {
  const deadlines = new Float64Array(ops.length).fill(Infinity);
  const keys = new Map<string, number[]>();
  for (let i = 0; i < ops.length; i++) {
    const key = ops[i]!.key ?? "";
    const members = keys.get(key);
    if (members === undefined) keys.set(key, [i]);
    else members.push(i);
  }
  for (const members of keys.values()) rankKey(ops, members, deadlines);
  return deadlines;
}

/** Ranks the writes among `members` (indices into `ops`, all of one key). */
function rankKey(ops: readonly Operation[], members: readonly number[], deadlines: Float64Array): void {
  const gets: { end: number; text: string }[] = [];
  for (const i of members) {
    const op = ops[i]!;
    if (op.f !== "get" || op.status !== "ok" || op.end === null) continue;
    const text = op.output === null ? "" : op.output;
    if (typeof text === "string") gets.push({ end: op.end, text });
  }
  gets.sort((a, b) => a.end - b.end);
  const budget = { chars: SCAN_BUDGET * gets.reduce((n, g) => n + g.text.length, 65_536) };
  // Writes by invocation, so that a text written again is matched after its earlier writes.
  const writes = members.filter((i) => isWrite(ops[i]!)).sort((a, b) => ops[a]!.call - ops[b]!.call);
  const nextCall = new Map<number, number>();
  const lastByText = new Map<string, number>();
  for (const i of writes) {
    const earlier = lastByText.get(ops[i]!.input as string);
    if (earlier !== undefined) nextCall.set(earlier, ops[i]!.call);
    lastByText.set(ops[i]!.input as string, i);
  }
  const shown: { op: number; end: number; at: number }[] = [];
  const shownIn = new Map<string, string[]>();
  const unshown: number[] = [];
  for (const i of writes) {
    const op = ops[i]!;
    const text = op.input as string;
    const earlier = shownIn.get(text) ?? [];
    const found = firstShowing(gets, op.f, text, op.call, nextCall.get(i) ?? Infinity, earlier, budget);
    if (found === "out of budget") continue;
    if (found !== undefined) {
      shown.push({ op: i, end: found.end, at: found.at });
      shownIn.set(text, [...earlier, found.string]);
    } else if (op.f === "append") unshown.push(i);
  }
  // Backwards along the order the gets show the writes: each before the next.
  shown.sort((a, b) => a.end - b.end || a.at - b.at);
  let next = Infinity;
  for (let k = shown.length - 1; k >= 0; k--) {
    const { op, end } = shown[k]!;
    next = Math.min(end - STEP, next - STEP, ops[op]!.end ?? Infinity);
    deadlines[op] = next;
  }
  const puts = writes
    .filter((i) => ops[i]!.f === "put")
    .map((i) => ({ rank: Math.min(ops[i]!.end ?? Infinity, deadlines[i]!) }))
    .sort((a, b) => a.rank - b.rank);
  for (const i of unshown) {
    const call = ops[i]!.call;
    const put = puts.find((p) => p.rank > call);
    if (put !== undefined) deadlines[i] = put.rank - STEP / 2;
  }
}

/**
 * The first get completing after `call` that shows a write, and where in its
 * string. The same text may be written again: a get completing after the
 * next write of the text was invoked may show that one instead, so only gets
 * before `until` count; and a get still showing the earlier writes of the text
 * (its string extends the string of the get that showed them) must show the
 * text once more for this write. Gets sorted by completion.
 */
function firstShowing(
  gets: readonly { end: number; text: string }[],
  f: string,
  text: string,
  call: number,
  until: number,
  earlier: readonly string[],
  budget: { chars: number },
): { end: number; at: number; string: string } | undefined | "out of budget" {
  let lo = 0;
  let hi = gets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (gets[mid]!.end > call) hi = mid;
    else lo = mid + 1;
  }
  for (let j = lo; j < gets.length && j < lo + MAX_GETS_SCANNED; j++) {
    const get = gets[j]!;
    if (get.end > until) return undefined;
    budget.chars -= get.text.length * (1 + earlier.length);
    if (budget.chars < 0) return "out of budget";
    if (f === "put") {
      if (get.text.startsWith(text)) return { end: get.end, at: 0, string: get.text };
      continue;
    }
    let at = get.text.indexOf(text);
    for (const s of earlier) if (at >= 0 && get.text.startsWith(s)) at = get.text.indexOf(text, at + 1);
    if (at >= 0) return { end: get.end, at, string: get.text };
  }
  return undefined;
}

/** A put or append that may have taken effect. */
function isWrite(op: Operation): boolean {
  return (op.f === "put" || op.f === "append") && op.status !== "fail" && typeof op.input === "string";
}
