import type { HistoryEvent, Json } from "../../../src/history/index.js";

/** A history from `process: f value -> result` steps, each completing before the next starts. */
export function serial(...steps: [process: number, f: string, key: string, value: Json][]): HistoryEvent[] {
  return steps.flatMap(([process, f, key, value]) => [
    { type: "invoke" as const, process, f, key, value: f === "read" ? null : value },
    { type: "ok" as const, process, f, key, value },
  ]);
}

/** Process 1 writes y after reading process 0's x = 1; process 2 reads that y, then the initial x: not causal. */
export const causalityViolation: readonly HistoryEvent[] = serial(
  [0, "write", "x", 1],
  [1, "read", "x", 1],
  [1, "write", "y", 1],
  [2, "read", "y", 1],
  [2, "read", "x", null],
);
