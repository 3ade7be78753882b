import type { HistoryEvent, Json } from "../../../src/history/index.js";

/** A history from `process: f value -> result` steps, each completing before the next starts. */
export function serial(...steps: [process: number, f: string, key: string, value: Json][]): HistoryEvent[] {
  return steps.flatMap(([process, f, key, value]) => [
    { type: "invoke" as const, process, f, key, value: f === "read" ? null : value },
    { type: "ok" as const, process, f, key, value },
  ]);
}
