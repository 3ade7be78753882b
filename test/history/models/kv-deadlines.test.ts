/**
 * The kv model's guess of when each write takes effect at the latest: before
 * the first get that shows it, or (never shown) before the first put that
 * could overwrite it.
 */
import { describe, expect, it } from "vitest";
import type { Operation } from "../../../src/history/index.js";
import { kvDeadlines } from "../../../src/history/models/kv-deadlines.js";

let nextId = 0;
const op = (f: string, call: number, end: number | null, io: { input?: string | null; output?: string | null; key?: string; status?: Operation["status"] } = {}): Operation => ({
  id: nextId++,
  process: nextId,
  f,
  key: io.key ?? "k",
  input: io.input ?? null,
  output: io.output ?? null,
  status: io.status ?? (end === null ? "unknown" : "ok"),
  call,
  end,
});

describe("kvDeadlines", () => {
  it("puts an append before the first get showing its text, and a put before the first get starting with its value", () => {
    const ops = [
      op("put", 0, 3, { input: "p" }),
      op("append", 1, 40, { input: "a" }),
      op("get", 2, 5, { output: "p" }),
      op("get", 6, 9, { output: "pa" }),
      op("get", 10, 12, { output: "pa" }),
      // invoked after the get that shows "a" completed: that get cannot show it, the later one does
      op("append", 13, 50, { input: "b" }),
      op("get", 14, 20, { output: "pab" }),
    ];
    expect(Array.from(kvDeadlines(ops))).toEqual([4.5, 8.5, Infinity, Infinity, Infinity, 19.5, Infinity]);
  });

  it("puts an append no get shows before the first put that completes after its invocation", () => {
    const ops = [
      op("append", 0, 30, { input: "lost" }),
      op("put", 1, 4, { input: "early" }), // completes after the append was invoked, so it may overwrite it
      op("put", 10, 20, { input: "q" }),
      op("get", 21, 22, { output: "q" }),
      op("append", 23, 24, { input: "never" }),
    ];
    expect(Array.from(kvDeadlines(ops))).toEqual([3.5, Infinity, 21.5, Infinity, Infinity]);
  });

  it("keeps keys apart and skips failed puts and gets without a result", () => {
    const ops = [
      op("append", 0, 10, { input: "a", key: "x" }),
      op("get", 1, 2, { output: "a", key: "y" }),
      op("get", 3, null, { key: "x" }),
      op("put", 4, 5, { input: "z", key: "x", status: "fail" }),
      op("get", 6, 7, { output: "a", key: "x" }),
    ];
    expect(Array.from(kvDeadlines(ops))).toEqual([6.5, Infinity, Infinity, Infinity, Infinity]);
  });
});
