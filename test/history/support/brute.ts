/**
 * Brute-force reference checkers for tiny histories: they try every order
 * (and every choice of reads-from, visibility and arbitration) straight from
 * the definitions, with no pruning, memo or shortcut. The real checkers must
 * agree with them.
 */
import { canonicalJson } from "../../../src/history/json.js";
import { ignoreFailed, type AnyModel } from "../../../src/history/model.js";
import { toOperations, type Operation } from "../../../src/history/operations.js";
import type { History } from "../../../src/history/types.js";

type Precedes = (a: Operation, b: Operation) => boolean;

/** Real-time order: a definite operation that completed before another was invoked precedes it. */
const realTime: Precedes = (a, b) => a.status !== "unknown" && a.end! < b.call;
/** Program order: a definite operation precedes the later operations of its process. */
const programOrder: Precedes = (a, b) => a.status !== "unknown" && a.process === b.process && a.call < b.call;

/**
 * Is there an order of all definite operations (and any subset of unknown ones) that respects `precedes` and the model?
 */
function bruteOrder(history: History, model: AnyModel, precedes: Precedes): boolean {
  const ignore = model.ignore ?? ignoreFailed;
  const ops = toOperations(history).filter((op) => !ignore(op));
  const unknown = ops.filter((op) => op.status === "unknown");
  const definite = ops.filter((op) => op.status !== "unknown");
  for (let mask = 0; mask < 1 << unknown.length; mask++) {
    const chosen = [...definite, ...unknown.filter((_, i) => (mask & (1 << i)) !== 0)];
    if (permutationExists(chosen, model, precedes)) return true;
  }
  return false;
}

function permutationExists(ops: readonly Operation[], model: AnyModel, precedes: Precedes): boolean {
  const used = new Array<boolean>(ops.length).fill(false);
  const order: Operation[] = [];
  const go = (states: readonly unknown[]): boolean => {
    if (order.length === ops.length) return true;
    for (let i = 0; i < ops.length; i++) {
      if (used[i]) continue;
      const op = ops[i]!;
      // every operation that must precede op is already placed
      if (ops.some((other, j) => !used[j] && j !== i && precedes(other, op))) continue;
      const next = states.flatMap((s) => model.step(s, op));
      if (next.length === 0) continue;
      used[i] = true;
      order.push(op);
      if (go(dedupe(next))) return true;
      order.pop();
      used[i] = false;
    }
    return false;
  };
  return go([model.init()]);
}

function dedupe(states: readonly unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const s of states) seen.set(canonicalJson(s), s);
  return [...seen.values()];
}

/** Linearizability by trying every order. */
export function bruteLinearizable(history: History, model: AnyModel): boolean {
  return bruteOrder(history, model, realTime);
}

/** Sequential consistency by trying every order. */
export function bruteSequential(history: History, model: AnyModel): boolean {
  return bruteOrder(history, model, programOrder);
}

/** A read or write of a register history, for the read/write references. */
interface Rw {
  readonly op: Operation;
  readonly read: boolean;
  readonly key: string;
  readonly value: string;
}

function readWrites(history: History): { reads: Rw[]; definite: Rw[]; unknown: Rw[] } {
  const reads: Rw[] = [];
  const definite: Rw[] = [];
  const unknown: Rw[] = [];
  for (const op of toOperations(history)) {
    const read = op.f === "read" || op.f === "get";
    if (op.status === "fail" || (read && op.status !== "ok")) continue;
    const rw = { op, read, key: op.key ?? "", value: canonicalJson(read ? op.output : op.input) };
    if (read) reads.push(rw);
    else if (op.status === "ok") definite.push(rw);
    else unknown.push(rw);
  }
  return { reads, definite, unknown };
}

/** Session order: same process, earlier; an unknown-outcome write precedes nothing. */
function sessionBefore(a: Rw, b: Rw): boolean {
  return a.op.process === b.op.process && a.op.call < b.op.call && a.op.status !== "unknown";
}

function* subsets<T>(items: readonly T[]): Generator<T[]> {
  for (let mask = 0; mask < 1 << items.length; mask++) yield items.filter((_, i) => (mask & (1 << i)) !== 0);
}

function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const p of permutations(rest)) yield [items[i]!, ...p];
  }
}

/** Every way to pick one element from each list. */
function* product<T>(lists: readonly (readonly T[])[]): Generator<T[]> {
  if (lists.length === 0) {
    yield [];
    return;
  }
  for (const head of lists[0]!) for (const tail of product(lists.slice(1))) yield [head, ...tail];
}

/**
 * Causal memory, from the definition: some set of unknown writes took
 * effect, some writes-into choice makes the causal order acyclic, and every
 * process has a legal serialization of its operations plus all writes that
 * extends the causal order.
 */
export function bruteCausal(history: History): boolean {
  const { reads, definite, unknown } = readWrites(history);
  for (const extra of subsets(unknown)) {
    const writes = [...definite, ...extra];
    const choices = reads.map((r) => [
      ...writes.filter((w) => w.key === r.key && w.value === r.value),
      ...(r.value === "null" ? [undefined] : []),
    ]);
    for (const rf of product<Rw | undefined>(choices)) {
      const all = [...reads, ...writes];
      const index = new Map(all.map((x, i) => [x, i]));
      const n = all.length;
      const co = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
      for (const a of all)
        for (const b of all) if (a !== b && sessionBefore(a, b)) co[index.get(a)!]![index.get(b)!] = true;
      reads.forEach((r, i) => {
        const w = rf[i];
        if (w !== undefined) co[index.get(w)!]![index.get(r)!] = true;
      });
      for (let k = 0; k < n; k++)
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (co[i]![k] && co[k]![j]) co[i]![j] = true;
      if (all.some((_, i) => co[i]![i])) continue;
      const processes = [...new Set(all.map((x) => x.op.process))];
      const serializable = processes.every((p) => {
        const members = [...all.filter((x) => x.op.process === p), ...writes.filter((w) => w.op.process !== p)];
        for (const order of permutations(members)) {
          const extends_ = order.every((x, i) => order.slice(i + 1).every((y) => !co[index.get(y)!]![index.get(x)!]));
          if (!extends_) continue;
          const values = new Map<string, string>();
          let legal = true;
          for (const x of order) {
            if (!x.read) values.set(x.key, x.value);
            else if (x.op.process === p && (values.get(x.key) ?? "null") !== x.value) {
              legal = false;
              break;
            }
          }
          if (legal) return true;
        }
        return false;
      });
      if (serializable) return true;
    }
  }
  return false;
}

/** The session guarantees by name, as in the checker. */
export type Guarantee = "read-your-writes" | "monotonic-reads" | "monotonic-writes" | "writes-follow-reads";

/**
 * Session guarantees, from the definition: some set of unknown writes took
 * effect, and some arbitration (a total order of writes) and visibility
 * (which writes each read sees) satisfy the return values and the guarantees.
 */
export function bruteSession(history: History, guarantees: readonly Guarantee[]): boolean {
  const { reads, definite, unknown } = readWrites(history);
  const g = new Set(guarantees);
  for (const extra of subsets(unknown)) {
    const writes = [...definite, ...extra];
    const visChoices = reads.map(() => [...subsets(writes)]);
    for (const ar of permutations(writes)) {
      const rank = new Map(ar.map((w, i) => [w, i]));
      const before = (a: Rw, b: Rw): boolean => rank.get(a)! < rank.get(b)!;
      if (
        g.has("monotonic-writes") &&
        writes.some((a) => writes.some((b) => a !== b && sessionBefore(a, b) && !before(a, b)))
      )
        continue;
      for (const vis of product(visChoices)) {
        const visOf = new Map(reads.map((r, i) => [r, new Set(vis[i])]));
        const ok = reads.every((r) => {
          const seen = [...visOf.get(r)!].filter((w) => w.key === r.key);
          const latest = seen.sort((a, b) => rank.get(b)! - rank.get(a)!)[0];
          if ((latest?.value ?? "null") !== r.value) return false;
          if (g.has("read-your-writes") && writes.some((w) => sessionBefore(w, r) && !visOf.get(r)!.has(w)))
            return false;
          if (
            g.has("monotonic-reads") &&
            reads.some((r1) => sessionBefore(r1, r) && [...visOf.get(r1)!].some((w) => !visOf.get(r)!.has(w)))
          )
            return false;
          if (
            g.has("writes-follow-reads") &&
            writes.some((w) => sessionBefore(r, w) && [...visOf.get(r)!].some((w2) => !before(w2, w)))
          )
            return false;
          return true;
        });
        if (ok) return true;
      }
    }
  }
  return false;
}
