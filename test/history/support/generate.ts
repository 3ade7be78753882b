/**
 * Random register histories whose verdict is known by construction: a
 * simulated atomic register, with every operation taking effect at one
 * instant between its invocation and its completion (or, for operations whose
 * outcome is unknown, at any instant after invocation, or never). Optionally a
 * stale read is planted, which makes the history not linearizable.
 */
import type { HistoryEvent, Json } from "../../../src/history/types.js";

/** Parameters of {@link generateRegisterHistory}. */
export interface RegisterHistoryParams {
  readonly seed: number;
  readonly processes: number;
  readonly operations: number;
  /** Values written are 0..values-1. */
  readonly values: number;
  /** Probability that an operation's outcome is unknown (`info`, or a timed-out read). */
  readonly unknownRate: number;
  /**
   * Plant a violation with fresh values X and Y:
   * - "stale-read": write X; then write Y; then a read returns X, in real-time order;
   * - "opposite-order": writes of X and Y overlap two processes that each read
   *   twice, one seeing X then Y, the other Y then X (each read alone is fine).
   */
  readonly violation: false | "stale-read" | "opposite-order";
  /** Each write writes a fresh value (0, 1, 2, ...: `values` is not used) and there is no cas. Default false. */
  readonly unique?: boolean;
}

/** A small, fast, seedable PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Pending = {
  process: number;
  f: "read" | "write" | "cas";
  input: Json;
  applied: boolean;
  output: Json;
  casOk: boolean;
  unknown: boolean;
};

/**
 * Generates a history of a read/write/cas register that starts as null.
 * Without `violation` the history is linearizable (the simulation is a
 * witness); with one, it is not (X and Y are written once each and nothing
 * else ever writes them, so the planted reads contradict every order).
 */
export function generateRegisterHistory(params: RegisterHistoryParams): HistoryEvent[] {
  const rnd = prng(params.seed);
  const pick = (n: number): number => Math.floor(rnd() * n);
  const events: HistoryEvent[] = [];
  let state: Json = null;
  const ids: number[] = Array.from({ length: params.processes }, (_, i) => i);
  let nextId = params.processes;
  const pending = new Array<Pending | undefined>(params.processes).fill(undefined);
  /** Unknown-outcome writes/cas that may still take effect later. */
  const lingering: Pending[] = [];
  let started = 0;
  /** The next fresh value, with `unique`. */
  let written = 0;
  const gadgetAt = params.violation !== false ? Math.floor(params.operations * (0.3 + 0.4 * rnd())) : -1;
  let gadgetDone = false;

  const apply = (op: Pending): void => {
    op.applied = true;
    if (op.f === "read") op.output = state;
    else if (op.f === "write") state = op.input;
    else {
      const [from, to] = op.input as [Json, Json];
      op.casOk = state === from;
      if (op.casOk) state = to;
    }
  };

  const plantViolation = (): void => {
    // Fresh process ids, so nothing of theirs is pending.
    const [a, c, b, d] = [nextId++, nextId++, nextId++, nextId++];
    const x = 1_000_000 + (params.seed % 1000);
    const y = x + 1;
    if (params.violation === "opposite-order") {
      events.push({ type: "invoke", process: a, f: "write", value: x });
      events.push({ type: "invoke", process: c, f: "write", value: y });
      for (const [p, v] of [
        [b, x],
        [d, y],
        [b, y],
        [d, x],
      ] as const) {
        events.push({ type: "invoke", process: p, f: "read", value: null });
        events.push({ type: "ok", process: p, f: "read", value: v });
      }
      events.push({ type: "ok", process: a, f: "write", value: x });
      events.push({ type: "ok", process: c, f: "write", value: y });
      state = y;
      return;
    }
    events.push({ type: "invoke", process: a, f: "write", value: x });
    state = x;
    events.push({ type: "ok", process: a, f: "write", value: x });
    events.push({ type: "invoke", process: c, f: "write", value: y });
    state = y;
    events.push({ type: "ok", process: c, f: "write", value: y });
    events.push({ type: "invoke", process: b, f: "read", value: null });
    events.push({ type: "ok", process: b, f: "read", value: x });
  };

  while (started < params.operations || pending.some((p) => p !== undefined)) {
    if (!gadgetDone && started >= gadgetAt && gadgetAt >= 0) {
      gadgetDone = true;
      plantViolation();
    }
    // A lingering unknown operation may take effect now.
    if (lingering.length > 0 && rnd() < 0.05) {
      const i = pick(lingering.length);
      apply(lingering[i]!);
      lingering.splice(i, 1);
    }
    const slot = pick(params.processes);
    const op = pending[slot];
    if (op === undefined) {
      if (started >= params.operations) continue;
      started++;
      const r = rnd();
      const fresh: Pending =
        r < 0.5
          ? { process: ids[slot]!, f: "read", input: null, applied: false, output: null, casOk: false, unknown: false }
          : r < 0.8 || params.unique === true
            ? {
                process: ids[slot]!,
                f: "write",
                input: params.unique === true ? written++ : pick(params.values),
                applied: false,
                output: null,
                casOk: false,
                unknown: false,
              }
            : {
                process: ids[slot]!,
                f: "cas",
                input: [pick(params.values), pick(params.values)],
                applied: false,
                output: null,
                casOk: false,
                unknown: false,
              };
      fresh.unknown = rnd() < params.unknownRate;
      pending[slot] = fresh;
      events.push({ type: "invoke", process: fresh.process, f: fresh.f, value: fresh.input });
      continue;
    }
    if (!op.applied && !(op.unknown && rnd() < 0.5)) {
      apply(op);
      continue;
    }
    pending[slot] = undefined;
    if (op.unknown) {
      if (op.f === "read") {
        events.push({ type: "fail", process: op.process, f: "read", value: "timed-out" });
      } else {
        events.push({ type: "info", process: op.process, f: op.f, value: "timed-out" });
        // Jepsen retires a process after an indeterminate result.
        ids[slot] = nextId++;
        // Not applied yet: it may still take effect later, or never.
        if (!op.applied && rnd() < 0.5) lingering.push(op);
      }
      continue;
    }
    if (op.f === "read") events.push({ type: "ok", process: op.process, f: "read", value: op.output });
    else if (op.f === "write") events.push({ type: "ok", process: op.process, f: "write", value: op.input });
    else events.push({ type: op.casOk ? "ok" : "fail", process: op.process, f: "cas", value: op.input });
  }
  return events;
}
