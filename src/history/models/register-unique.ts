import { canonicalJson } from "../json.js";
import type { Decision } from "../model.js";
import type { Operation } from "../operations.js";

/**
 * Gibbons and Korach's polynomial check of a read/write register whose
 * written values are all distinct (and none is the initial null), with the
 * zones of Anderson, Li, Shah, Tarjan and Tarjan ("What consistency does your
 * key-value store actually provide?", 2010). O(n log n).
 *
 * Each value's cluster is its write and the reads that returned it. With
 * distinct values a linearization must place each cluster contiguously, the
 * write first. For a cluster let f be the earliest completion and s the latest
 * invocation among its operations: when f < s the register must hold the value
 * over all of [f, s] (a forward zone); otherwise every operation of the
 * cluster is open over [s, f] (a backward zone) and the cluster can take effect
 * at one instant there. Given that every read has a write of its value not
 * invoked after the read completed, the history is linearizable exactly when
 * no two forward zones overlap and no backward zone lies inside a forward one.
 *
 * Unknown-outcome writes: one whose value some read returned took effect, at
 * some time after its invocation (a completion after every event); one nobody
 * read can be left out (if a linearization contains it, nothing reads it, so
 * removing it leaves a linearization). Cas, a write of null, two writes of one
 * value or several keys: not covered (`undefined`), the search decides.
 */
export function registerUniqueDecision(ops: readonly Operation[]): Decision | undefined {
  const key = ops[0]?.key;
  const clusters: Cluster[] = [];
  const writeOf = new Map<string, number>();
  const reads: { op: Operation; value: string }[] = [];
  let horizon = 0;
  for (const op of ops) {
    if (op.key !== key || (op.f !== "read" && op.f !== "write")) return undefined;
    horizon = Math.max(horizon, op.end ?? op.call);
    if (op.f === "read") {
      if (op.status === "ok") reads.push({ op, value: canonicalJson(op.output) });
      continue;
    }
    if (op.status === "fail") continue;
    const value = canonicalJson(op.input);
    if (value === INITIAL || writeOf.has(value)) return undefined;
    writeOf.set(value, clusters.length);
    clusters.push(newCluster(op, value));
  }
  return decide(clusters, writeOf, reads, horizon);
}

const INITIAL = "null";

/** One value's write and reads, with its zone's ends. */
interface Cluster {
  /** `null` for the initial value (a write before everything). */
  readonly write: Operation | null;
  readonly value: string;
  readonly reads: Operation[];
  /** Earliest completion and the operation completed then. */
  f: number;
  first: Operation | null;
  /** Latest invocation and the operation invoked then. */
  s: number;
  last: Operation | null;
}

function newCluster(write: Operation | null, value: string): Cluster {
  return { write, value, reads: [], f: Infinity, first: null, s: -Infinity, last: null };
}

function decide(
  all: Cluster[],
  writeOf: Map<string, number>,
  reads: readonly { op: Operation; value: string }[],
  horizon: number,
): Decision | undefined {
  const initial = newCluster(null, INITIAL);
  initial.f = -Infinity;
  // An unknown-outcome write that took effect completes after every event (each at its own time).
  const endOf = new Map<Operation, number>();
  let late = horizon;
  const end = (op: Operation): number => {
    // An unknown outcome's `end` (an :info event, if any) does not bound when it takes effect.
    if (op.status !== "unknown") return op.end!;
    let e = endOf.get(op);
    if (e === undefined) endOf.set(op, (e = ++late));
    return e;
  };
  for (const { op, value } of reads) {
    const c = value === INITIAL ? initial : all[writeOf.get(value) ?? -1];
    if (c === undefined) return violation(`${describe(op)} returns ${value}, which no operation wrote`, [op]);
    if (c.write !== null && op.end! < c.write.call) {
      return violation(`${describe(op)} returns ${value}, but completed before ${describe(c.write)} was invoked`, [
        op,
        c.write,
      ]);
    }
    c.reads.push(op);
  }
  const kept = all.filter((c) => c.write!.status === "ok" || c.reads.length > 0);
  if (initial.reads.length > 0) kept.push(initial);
  for (const c of kept) {
    for (const op of c.write === null ? c.reads : [c.write, ...c.reads]) {
      if (end(op) < c.f) {
        c.f = end(op);
        c.first = op;
      }
      if (op.call > c.s) {
        c.s = op.call;
        c.last = op;
      }
    }
  }
  const forward = kept.filter((c) => c.f < c.s).sort((a, b) => a.f - b.f);
  let widest: Cluster | undefined;
  for (const c of forward) {
    if (widest !== undefined && c.f < widest.s) return overlap(widest, c);
    if (widest === undefined || c.s > widest.s) widest = c;
  }
  /** The forward zone with the latest start before t (the only one that can cover t, as they are disjoint). */
  const coveringBefore = (t: number): Cluster | undefined => {
    let lo = 0;
    let hi = forward.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (forward[mid]!.f < t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : forward[lo - 1];
  };
  // Linearization points, in quarters of an event so they fall strictly inside the operations.
  const points: { op: Operation; at: number; cluster: number; rank: number }[] = [];
  for (let i = 0; i < kept.length; i++) {
    const c = kept[i]!;
    if (c.f < c.s) {
      // Forward: the write just before the first completion, each read at its invocation or just after the write.
      if (c.write !== null) points.push({ op: c.write, at: 4 * c.f - 1, cluster: i, rank: 0 });
      for (const r of c.reads)
        points.push({ op: r, at: r.call < c.f ? 4 * c.f - 0.5 : 4 * r.call + 1, cluster: i, rank: 1 });
      continue;
    }
    // Backward: one instant in (s, f), after the forward zone that covers s, if any.
    const cover = coveringBefore(c.s);
    let t = c.s;
    if (cover !== undefined && cover.s > c.s) {
      if (cover.s > c.f) return inside(c, cover);
      t = cover.s;
    }
    if (c.write !== null) points.push({ op: c.write, at: 4 * t + 2, cluster: i, rank: 0 });
    for (const r of c.reads) points.push({ op: r, at: 4 * t + 2, cluster: i, rank: 1 });
  }
  points.sort((a, b) => a.at - b.at || a.cluster - b.cluster || a.rank - b.rank);
  return { kind: "linearizable", order: points.map((p) => p.op) };
}

function violation(message: string, operations: readonly Operation[]): Decision {
  return { kind: "violation", message, operations };
}

/** What value a cluster holds, for messages. */
function held(c: Cluster): string {
  if (c.write === null) return "the initial null";
  return `${c.value} (${describe(c.write)})`;
}

/** `the register held 3 (write(3) by ...) from before X completed until after Y was invoked` */
function stretch(c: Cluster): string {
  const from = c.first === null ? "the start" : `before ${describe(c.first)} completed`;
  return `the register held ${held(c)} from ${from} until after ${describe(c.last!)} was invoked`;
}

function involved(c: Cluster): Operation[] {
  return [...(c.write === null ? [] : [c.write]), ...c.reads];
}

function overlap(a: Cluster, b: Cluster): Decision {
  return violation(
    `${stretch(a)}, and ${stretch(b).replace("the register held ", "")}; these stretches overlap, and every value is written once`,
    [...involved(a), ...involved(b)],
  );
}

function inside(c: Cluster, cover: Cluster): Decision {
  return violation(
    `every operation on ${held(c)} was open from the invocation of ${describe(c.last!)} to the completion of ${describe(c.first!)}, ` +
      `which lies where ${stretch(cover).replace("the register held", "the register must hold")}; every value is written once`,
    [...involved(c), ...involved(cover)],
  );
}

function describe(op: Operation): string {
  const what =
    op.f === "read"
      ? `read -> ${canonicalJson(op.output)}`
      : `write(${canonicalJson(op.input)})${op.status === "unknown" ? " -> ?" : ""}`;
  return `${what} by process ${String(op.process)} (operation ${op.id + 1})`;
}
