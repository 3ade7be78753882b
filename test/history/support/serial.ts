import type { HistoryEvent, Json } from "../../../src/history/index.js";
import type { Operation } from "../../../src/history/operations.js";

/** An already-paired operation for a model's own functions, with id 4: messages name it "operation 5". */
export function operation(
  f: string,
  status: Operation["status"],
  input: Json,
  output: Json = null,
  key?: string,
): Operation {
  return { id: 4, process: 0, f, input, output, status, call: 0, end: 1, ...(key === undefined ? {} : { key }) };
}

/**
 * One operation as two events: its invocation and its completion `end`
 * (`info`: the outcome is unknown). A read's or get's invocation carries no
 * value; its completion carries the value returned.
 */
export function pair(
  process: number | string,
  f: string,
  key: string | undefined,
  value: Json,
  end: "ok" | "fail" | "info" = "ok",
): HistoryEvent[] {
  const k = key === undefined ? {} : { key };
  const reads = f === "read" || f === "get";
  return [
    { type: "invoke", process, f, value: reads ? null : value, ...k },
    { type: end, process, f, value, ...k },
  ];
}

/** A history from `process: f value -> result` steps, each completing before the next starts. */
export function serial(...steps: [process: number, f: string, key: string, value: Json][]): HistoryEvent[] {
  return steps.flatMap(([process, f, key, value]) => pair(process, f, key, value));
}

/** Process 1 writes y after reading process 0's x = 1; process 2 reads that y, then the initial x: not causal. */
export const causalityViolation: readonly HistoryEvent[] = serial(
  [0, "write", "x", 1],
  [1, "read", "x", 1],
  [1, "write", "y", 1],
  [2, "read", "y", 1],
  [2, "read", "x", null],
);

/** Process 0 reads the initial x after writing x = 1: breaks read-your-writes only. */
export const ownWriteUnseen: readonly HistoryEvent[] = serial([0, "write", "x", 1], [0, "read", "x", null]);

/** Process 2 reads x = 1, 2, 1, from two writers: breaks monotonic reads only. */
export const readsGoBack: readonly HistoryEvent[] = serial(
  [0, "write", "x", 1],
  [1, "write", "x", 2],
  [2, "read", "x", 1],
  [2, "read", "x", 2],
  [2, "read", "x", 1],
);

/** Process 1 sees process 0's writes of x out of order: breaks monotonic writes with monotonic reads, neither alone. */
export const writesOutOfOrder: readonly HistoryEvent[] = serial(
  [0, "write", "x", 1],
  [0, "write", "x", 2],
  [1, "read", "x", 2],
  [1, "read", "x", 1],
);

/** Process 2 sees a write before the write its writer had read: breaks writes-follow-reads with monotonic reads. */
export const writeBeforeItsCause: readonly HistoryEvent[] = serial(
  [0, "write", "x", 1],
  [1, "read", "x", 1],
  [1, "write", "x", 2],
  [2, "read", "x", 2],
  [2, "read", "x", 1],
);
