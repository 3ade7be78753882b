/**
 * StateSpace alone: interning, the transition cache (and its growth), the
 * codes for several next states, and the memory estimate.
 */
import { describe, expect, it } from "vitest";
import type { Json, Model } from "../../../src/history/index.js";
import type { Operation } from "../../../src/history/operations.js";
import { ILLEGAL, StateSpace } from "../../../src/history/search/state-space.js";

/** Operations that only carry a name and an input. */
function ops(...steps: [f: string, input: Json][]): Operation[] {
  return steps.map(([f, input], id) => ({ id, process: 0, f, input, output: null, status: "ok", call: id, end: id }));
}

/** A counter: `add n`, `is n` (legal in state n only), `fork n` (the state itself, or n more, listed twice). */
function counter(calls: { count: number }): Model<number> {
  return {
    init: () => 0,
    step(s, op) {
      calls.count++;
      const n = op.input as number;
      if (op.f === "add") return [s + n];
      if (op.f === "is") return s === n ? [s] : [];
      if (op.f === "same") return [s + 0, s];
      return [s, s + n, s + n];
    },
  };
}

describe("StateSpace", () => {
  it("numbers states in order of discovery and calls the model once per (state, operation)", () => {
    const calls = { count: 0 };
    const space = new StateSpace(counter(calls), ops(["add", 1], ["is", 1], ["is", 5]));
    expect(space.initial).toBe(0);
    expect(space.step(0, 0)).toBe(1);
    expect(space.step(1, 0)).toBe(2);
    expect(space.step(1, 1)).toBe(1);
    expect(space.step(0, 2)).toBe(ILLEGAL);
    expect(ILLEGAL).toBe(-1);
    expect(space.states).toEqual([0, 1, 2]);
    expect([space.state(0), space.state(2)]).toEqual([0, 2]);
    expect(calls.count).toBe(4);
    for (const [s, op] of [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 2],
    ] as const)
      space.step(s, op);
    expect(calls.count).toBe(4);
  });

  it("several next states get a code below -2 for their list, duplicates removed; one distinct state is its id", () => {
    const space = new StateSpace(counter({ count: 0 }), ops(["fork", 3], ["same", 0], ["fork", 0]));
    const code = space.step(0, 0);
    expect(code).toBe(-3);
    expect(Array.from(space.alternatives(code))).toEqual([0, 1]);
    expect(space.state(1)).toBe(3);
    expect(space.step(0, 1)).toBe(0);
    expect(space.step(0, 2)).toBe(0);
    expect(space.step(1, 0)).toBe(-4);
    expect(Array.from(space.alternatives(-4))).toEqual([1, 2]);
  });

  it("keeps every transition when its table grows", () => {
    const calls = { count: 0 };
    const adds = ops(...Array.from({ length: 40 }, (_, k): [string, Json] => ["add", k + 1]));
    const space = new StateSpace(counter(calls), adds);
    for (let s = 0; s < 10; s++) for (let op = 0; op < adds.length; op++) space.step(s, op);
    expect(calls.count).toBe(400);
    expect(space.states.length).toBe(50);
    for (let s = 0; s < 10; s++)
      for (let op = 0; op < adds.length; op++)
        expect(space.state(space.step(s, op))).toBe((space.state(s) as number) + op + 1);
    expect(calls.count).toBe(400);
    // 400 transitions at most half full: 1,024 slots of 12 bytes, and 48 bytes per numeric key.
    expect(space.memoryBytes()).toBe(50 * 48 + 1024 * 12);
  });

  it("keys object states by canonical JSON, apart from strings that look the same", () => {
    const model: Model<Json> = {
      init: () => ({ b: 1, a: 2 }),
      step: (_s, op) => [op.input],
    };
    const space = new StateSpace(model, ops(["set", { a: 2, b: 1 }], ["set", '{"a":2,"b":1}'], ["set", null]));
    expect(space.step(space.initial, 0)).toBe(space.initial);
    expect(space.step(space.initial, 1)).toBe(1);
    expect(space.step(space.initial, 2)).toBe(2);
    // Keys: "\u0001" + 13 characters, the 13-character string, and null.
    expect(space.memoryBytes()).toBe(2 * 14 + 64 + (2 * 13 + 64) + 48 + 256 * 12);
  });

  it("uses the model's key, and its compiled numbering when it has one", () => {
    const keyed: Model<number> = { ...counter({ count: 0 }), key: (s) => s % 2 };
    const space = new StateSpace(keyed, ops(["add", 2], ["add", 1]));
    expect(space.step(0, 0)).toBe(0);
    expect(space.step(0, 1)).toBe(1);
    const compiled: Model<number> = {
      ...counter({ count: 0 }),
      compile: (_ops, initial) => ({
        initial: 7 + initial,
        step: (s, op) => s * 10 + op,
        state: (s) => -s,
        memoryBytes: () => 5,
      }),
    };
    const fast = new StateSpace(compiled, ops(["add", 1]), { state: 2 });
    expect(fast.initial).toBe(9);
    expect(fast.step(9, 3)).toBe(93);
    expect(fast.state(4)).toBe(-4);
    expect(fast.memoryBytes()).toBe(256 * 12 + 5);
    expect(fast.states).toEqual([]);
  });
});
