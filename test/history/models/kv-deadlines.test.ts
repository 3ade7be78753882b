/**
 * The kv model's guess of when each write takes effect at the latest: along
 * the order the gets show the writes, each before the next and before its own
 * completion; a write no get shows, just before the next put.
 */
import { describe, expect, it } from "vitest";
import type { Operation } from "../../../src/history/index.js";
import { kvDeadlines } from "../../../src/history/models/kv-deadlines.js";

const STEP = 1 / 1024;

const op = (
  f: string,
  call: number,
  end: number | null,
  io: {
    input?: string | null;
    output?: string | number | null;
    key?: string | null;
    status?: Operation["status"];
  } = {},
): Operation => ({
  id: call,
  process: call,
  f,
  // key null: an operation without a key.
  ...(io.key === null ? {} : { key: io.key ?? "k" }),
  input: io.input ?? null,
  output: io.output ?? null,
  status: io.status ?? (end === null ? "unknown" : "ok"),
  call,
  end,
});

/** Writes shown by gets in order, one invoked after a get that could have shown it. */
const RANKED: Operation[] = [
  op("put", 0, 3, { input: "p" }),
  op("append", 1, 40, { input: "a" }),
  op("get", 2, 5, { output: "p" }),
  op("get", 6, 9, { output: "pa" }),
  op("get", 10, 12, { output: "pa" }),
  // invoked after the first get showing "a" completed: that get cannot show it, the later one does
  op("append", 13, 50, { input: "b" }),
  op("get", 14, 20, { output: "pab" }),
];

/** Appends no get shows: one overwritten by a put, one never. */
const LOST: Operation[] = [
  op("put", 0, 2, { input: "first" }),
  op("get", 1, 3, { output: "first" }),
  op("append", 4, 30, { input: "lost" }),
  op("put", 5, 8, { input: "early" }),
  op("put", 10, 20, { input: "q" }),
  op("get", 21, 22, { output: "q" }),
  op("append", 23, 24, { input: "never" }),
];

/** A text appended twice, the second time while a get still shows the first only. */
const WRITTEN_AGAIN: Operation[] = [
  op("append", 0, 1, { input: "t" }),
  op("get", 2, 3, { output: "t" }),
  op("append", 4, 20, { input: "t" }),
  // Still the first "t" only: the second append is shown by the next get.
  op("get", 5, 6, { output: "t" }),
  op("get", 7, 8, { output: "tt" }),
];

describe("kvDeadlines", () => {
  it("ranks writes along the order the gets show them, each no later than its completion", () => {
    expect(Array.from(kvDeadlines(RANKED))).toEqual([3, 9 - STEP, Infinity, Infinity, Infinity, 20 - STEP, Infinity]);
  });

  it("puts a write before the writes shown after it even when it completes later", () => {
    const ops = [
      op("append", 0, 30, { input: "a" }),
      op("append", 1, 5, { input: "b" }),
      op("get", 2, 10, { output: "ab" }),
    ];
    expect(Array.from(kvDeadlines(ops))).toEqual([5 - STEP, 5, Infinity]);
  });

  it("puts an append no get shows just before the first put expected to take effect after its invocation", () => {
    // "first" takes effect before its get (completing at 3), so before "lost" was invoked: "lost" goes before "early".
    expect(Array.from(kvDeadlines(LOST))).toEqual([2, Infinity, 8 - STEP / 2, Infinity, 20, Infinity, Infinity]);
  });

  it("tells apart writes of the same text: an earlier one overwritten before the next was invoked, or still shown with it", () => {
    const overwritten = [
      op("append", 0, 3, { input: "t" }),
      op("put", 4, 5, { input: "p" }),
      op("get", 6, 7, { output: "p" }),
      op("append", 8, 9, { input: "t" }),
      op("get", 10, 11, { output: "pt" }),
    ];
    expect(Array.from(kvDeadlines(overwritten))).toEqual([5 - STEP / 2, 5, Infinity, 9, Infinity]);
    const both = [
      op("append", 0, 1, { input: "t" }),
      op("get", 2, 3, { output: "t" }),
      op("append", 4, 20, { input: "t" }),
      op("get", 5, 6, { output: "tt" }),
    ];
    expect(Array.from(kvDeadlines(both))).toEqual([1, Infinity, 6 - STEP, Infinity]);
  });

  it("keeps keys apart and skips failed writes and gets without a result", () => {
    const ops = [
      op("append", 0, 10, { input: "a", key: "x" }),
      op("get", 1, 2, { output: "a", key: "y" }),
      op("get", 3, null, { key: "x" }),
      op("append", 4, 5, { input: "a", key: "x", status: "fail" }),
      op("get", 6, 7, { output: "a", key: "x" }),
    ];
    expect(Array.from(kvDeadlines(ops))).toEqual([7 - STEP, Infinity, Infinity, Infinity, Infinity]);
  });

  it("reads a get's null as the empty string, and ignores gets that failed or returned something other than a string", () => {
    expect(Array.from(kvDeadlines([op("put", 0, 5, { input: "" }), op("get", 1, 2, { output: null })]))).toEqual([
      2 - STEP,
      Infinity,
    ]);
    for (const get of [op("get", 1, 2, { output: 5 }), op("get", 1, 2, { output: "p", status: "fail" })])
      expect(Array.from(kvDeadlines([op("put", 0, 5, { input: "p" }), get]))).toEqual([Infinity, Infinity]);
    // A get is no write, whatever its input.
    expect(Array.from(kvDeadlines([op("get", 0, 1, { input: "q", output: "q" })]))).toEqual([Infinity]);
  });

  it("takes operations without a key as operations on the empty key", () => {
    const ops = [op("put", 0, 5, { input: "p", key: null }), op("get", 1, 2, { output: "p", key: "" })];
    expect(Array.from(kvDeadlines(ops))).toEqual([2 - STEP, Infinity]);
  });

  it("a put must begin the string it shows; an append may stand anywhere in it", () => {
    const get = op("get", 1, 2, { output: "ab" });
    expect(Array.from(kvDeadlines([op("put", 0, 5, { input: "b" }), get]))).toEqual([Infinity, Infinity]);
    expect(Array.from(kvDeadlines([op("append", 0, 5, { input: "b" }), get]))).toEqual([2 - STEP, Infinity]);
  });

  it("a text written again is shown by a get holding it once more than the earlier writes' string", () => {
    expect(Array.from(kvDeadlines(WRITTEN_AGAIN))).toEqual([1, Infinity, 8 - STEP, Infinity, Infinity]);
  });

  it("looks at 64 gets per write, no more", () => {
    const ops = [op("append", 0, 1000, { input: "needle" })];
    for (let i = 0; i < 64; i++) ops.push(op("get", 1 + 2 * i, 2 + 2 * i, { output: "" }));
    ops.push(op("get", 200, 201, { output: "needle" }));
    // The get showing it is the 65th after its invocation: no guess; drop one empty get and it is the 64th.
    expect(kvDeadlines(ops)[0]).toBe(Infinity);
    expect(kvDeadlines(ops.filter((_, k) => k !== 1))[0]).toBe(201 - STEP);
  });

  it("stops guessing when the scan has read 16 times the characters of the gets and 65,536 more", () => {
    // 30 appends no get shows, then one get of 100,000 characters: each append's scan reads it once.
    const ops: Operation[] = [];
    for (let i = 0; i < 30; i++) ops.push(op("append", i, 1000 + i, { input: `y${i}` }));
    ops.push(op("get", 30, 31, { output: "x".repeat(100_000) }), op("put", 32, 33, { input: "z" }));
    // 16 * (65,536 + 100,000) = 2,648,576 characters: 26 scans fit. Those 26 appends go before the put; the rest get no
    // guess.
    const deadlines = Array.from(kvDeadlines(ops));
    expect(deadlines.slice(0, 30)).toEqual([
      ...Array<number>(26).fill(33 - STEP / 2),
      ...Array<number>(4).fill(Infinity),
    ]);
    expect(deadlines.slice(30)).toEqual([Infinity, Infinity]);
  });

  it("does not depend on the order the operations are listed in", () => {
    const scenarios = [RANKED, LOST, WRITTEN_AGAIN];
    for (const ops of scenarios) {
      const forward = Array.from(kvDeadlines(ops));
      expect(Array.from(kvDeadlines([...ops].reverse()))).toEqual([...forward].reverse());
    }
  });
});
