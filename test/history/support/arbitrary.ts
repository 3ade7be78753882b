/**
 * fast-check arbitraries of small, well-formed histories: a few processes,
 * each with a short script of operations, interleaved by a random schedule.
 * Outputs are random, so verdicts are mixed; fast-check shrinks the scripts
 * and the schedule.
 */
import fc from "fast-check";
import type { HistoryEvent, Json } from "../../../src/history/types.js";

/** How an operation of a script ends. */
export type Ending = "ok" | "fail" | "info" | "none";

/** One scripted operation. */
export interface ScriptedOp {
  readonly process: number;
  readonly f: string;
  readonly key?: string;
  readonly input: Json;
  readonly output: Json;
  readonly ending: Ending;
}

/** Builds events from scripted operations (each process runs its own in order) and a schedule. */
export function interleave(ops: readonly ScriptedOp[], schedule: readonly number[]): HistoryEvent[] {
  const queues = new Map<number, ScriptedOp[]>();
  for (const op of ops) {
    const q = queues.get(op.process) ?? [];
    queues.set(op.process, q);
    q.push(op);
  }
  const pending = new Map<number, ScriptedOp>();
  const events: HistoryEvent[] = [];
  let step = 0;
  for (;;) {
    const actions: (() => void)[] = [];
    for (const [process, queue] of queues) {
      const open = pending.get(process);
      if (open === undefined && queue.length > 0) {
        actions.push(() => {
          const op = queue.shift()!;
          events.push({
            type: "invoke",
            process,
            f: op.f,
            value: op.input,
            ...(op.key === undefined ? {} : { key: op.key }),
          });
          pending.set(process, op);
        });
      } else if (open !== undefined && open.ending !== "none") {
        actions.push(() => {
          const value = open.ending === "ok" ? open.output : open.ending === "fail" ? open.input : null;
          events.push({
            type: open.ending as "ok" | "fail" | "info",
            process,
            f: open.f,
            value,
            ...(open.key === undefined ? {} : { key: open.key }),
          });
          pending.delete(process);
        });
      }
    }
    if (actions.length === 0) return events;
    actions[(schedule[step++] ?? 0) % actions.length]!();
  }
}

const value = fc.constantFrom<Json>(0, 1, 2);

/** Read/write/cas register operations. */
function registerOp(options: { processes: number; cas: boolean; keys?: readonly string[] }): fc.Arbitrary<ScriptedOp> {
  const keyArb = options.keys === undefined ? fc.constant(undefined) : fc.constantFrom(...options.keys);
  const f = options.cas ? fc.constantFrom("read", "read", "write", "write", "cas") : fc.constantFrom("read", "write");
  return fc
    .record({
      process: fc.nat(options.processes - 1),
      f,
      key: keyArb,
      a: value,
      b: value,
      out: fc.constantFrom<Json>(null, 0, 1, 2),
      ending: fc.constantFrom<Ending>("ok", "ok", "ok", "ok", "fail", "info", "none"),
    })
    .map(({ process, f, key, a, b, out, ending }) => {
      const input: Json = f === "read" ? null : f === "write" ? a : [a, b];
      const output: Json = f === "read" ? out : input;
      // reads never "fail" in the register semantics we generate; a failed write did not happen
      const end: Ending = f === "read" && ending === "fail" ? "info" : ending;
      return { process, f, input, output, ending: end, ...(key === undefined ? {} : { key }) };
    });
}

/** A small history of register operations. */
export function registerHistory(
  options: { processes?: number; maxOps?: number; cas?: boolean; keys?: readonly string[] } = {},
): fc.Arbitrary<HistoryEvent[]> {
  const processes = options.processes ?? 3;
  return fc
    .tuple(
      fc.array(
        registerOp({
          processes,
          cas: options.cas ?? true,
          ...(options.keys === undefined ? {} : { keys: options.keys }),
        }),
        { maxLength: options.maxOps ?? 6 },
      ),
      fc.array(fc.nat(5), { maxLength: 20 }),
    )
    .map(([ops, schedule]) => interleave(ops, schedule));
}

/** A small history of kv get/put/append operations on two keys. */
export function kvHistory(options: { processes?: number; maxOps?: number } = {}): fc.Arbitrary<HistoryEvent[]> {
  const processes = options.processes ?? 3;
  const op = fc
    .record({
      process: fc.nat(processes - 1),
      f: fc.constantFrom("get", "put", "append", "append"),
      key: fc.constantFrom("a", "b"),
      text: fc.constantFrom("x", "y"),
      out: fc.constantFrom("", "x", "y", "xy", "yx", "xx"),
      ending: fc.constantFrom<Ending>("ok", "ok", "ok", "ok", "info", "none"),
    })
    .map(({ process, f, key, text, out, ending }) => ({
      process,
      f,
      key,
      input: f === "get" ? null : text,
      output: f === "get" ? out : text,
      ending,
    }));
  return fc
    .tuple(fc.array(op, { maxLength: options.maxOps ?? 6 }), fc.array(fc.nat(5), { maxLength: 20 }))
    .map(([ops, schedule]) => interleave(ops, schedule));
}
