/**
 * The windowed pre-pass alone (findViolatingWindow): which window it reports
 * on histories with a local violation, what it carries into a window from
 * before it, and what it leaves alone.
 */
import { describe, expect, it } from "vitest";
import { registerModel, type HistoryEvent, type Json, type Model } from "../../../src/history/index.js";
import { operationsOf } from "../../../src/history/operations.js";
import { BudgetClock } from "../../../src/history/search/budget.js";
import { prepare } from "../../../src/history/search/partition.js";
import { findViolatingWindow, type WindowOptions } from "../../../src/history/search/window.js";

/** Process 0 writes 1..n one after another; process 1 reads after each write, `stale` reads seeing the value before. */
function writesAndReads(n: number, stale: readonly number[] = [], extra: HistoryEvent[] = []): HistoryEvent[] {
  const events: HistoryEvent[] = [...extra];
  for (let v = 1; v <= n; v++) {
    const read = stale.includes(v) ? v - 1 : v;
    events.push(
      { type: "invoke", process: 0, f: "write", value: v },
      { type: "ok", process: 0, f: "write", value: v },
      { type: "invoke", process: 1, f: "read", value: null },
      { type: "ok", process: 1, f: "read", value: read === 0 ? null : read },
    );
  }
  return events;
}

function run(events: HistoryEvent[], options: WindowOptions = {}, model: Model<Json> = registerModel) {
  const ops = operationsOf(events);
  const p = prepare(
    null,
    ops.filter((op) => model.ignore?.(op) !== true),
    model,
  );
  const found = findViolatingWindow(p, model, new BudgetClock(), options);
  const v = found.violation;
  return {
    configurations: found.configurations,
    stopped: found.stopped,
    violation:
      v === undefined
        ? undefined
        : {
            first: v.first.id,
            last: v.last.id,
            ops: v.ops.map((op) => `${op.id}:${op.f}:${op.status}`).join(" "),
            prefix: v.prefix.join(","),
            state: v.state,
            configurations: v.configurations,
          },
  };
}

describe("findViolatingWindow", () => {
  it("finds a stale read in the middle of a long history, in the first window that holds it", () => {
    expect(run(writesAndReads(40, [23]))).toMatchInlineSnapshot(`
      {
        "configurations": 77,
        "stopped": undefined,
        "violation": {
          "configurations": 77,
          "first": 32,
          "last": 47,
          "ops": "32:write:ok 33:read:ok 34:write:ok 35:read:ok 36:write:ok 37:read:ok 38:write:ok 39:read:ok 40:write:ok 41:read:ok 42:write:ok 43:read:ok 44:write:ok 45:read:ok 46:write:ok 47:read:ok",
          "prefix": "0,1,2,3,4,5,6,7,8,9,10,11,12",
          "state": 23,
        },
      }
    `);
  });

  it("tries the window sizes asked for, overlapping by half", () => {
    expect(run(writesAndReads(40, [23]), { sizes: [4] })).toMatchInlineSnapshot(`
      {
        "configurations": 87,
        "stopped": undefined,
        "violation": {
          "configurations": 87,
          "first": 42,
          "last": 45,
          "ops": "42:write:ok 43:read:ok 44:write:ok 45:read:ok",
          "prefix": "0,1,2",
          "state": 23,
        },
      }
    `);
    expect(run(writesAndReads(40, [23]), { sizes: [1] })).toMatchInlineSnapshot(`
      {
        "configurations": 0,
        "stopped": undefined,
        "violation": undefined,
      }
    `);
  });

  it("finds nothing in a linearizable history, and counts what it searched", () => {
    expect(run(writesAndReads(40))).toMatchInlineSnapshot(`
      {
        "configurations": 256,
        "stopped": undefined,
        "violation": undefined,
      }
    `);
  });

  it("an operation pending across the window start is carried in, so its effect explains a read", () => {
    // Process 2 writes 99 from the start and completes at the end; a read of 99 in the middle is fine.
    const events = writesAndReads(20, [], [{ type: "invoke", process: 2, f: "write", value: 99 }]);
    events.splice(
      41,
      0,
      { type: "invoke", process: 3, f: "read", value: null },
      { type: "ok", process: 3, f: "read", value: 99 },
    );
    events.push({ type: "ok", process: 2, f: "write", value: 99 });
    expect(run(events).violation).toBeUndefined();
    const failed = events.map((e) => (e.process === 2 && e.type === "ok" ? { ...e, type: "fail" as const } : e));
    expect(run(failed).violation).toBeDefined();
  });

  it("an unknown-outcome write from long before may still take effect in any window", () => {
    const events = writesAndReads(
      20,
      [],
      [
        { type: "invoke", process: 2, f: "write", value: 77 },
        { type: "info", process: 2, f: "write", value: 77 },
      ],
    );
    events.push(
      { type: "invoke", process: 3, f: "read", value: null },
      { type: "ok", process: 3, f: "read", value: 77 },
    );
    expect(run(events).violation).toBeUndefined();
  });

  it("does nothing for a model without window states, or a window it cannot cover", () => {
    const { windowStates: _dropped, ...plain } = registerModel;
    expect(run(writesAndReads(40, [23]), {}, plain as Model<Json>)).toEqual({
      configurations: 0,
      stopped: undefined,
      violation: undefined,
    });
    const never: Model<Json> = { ...registerModel, windowStates: () => undefined };
    expect(run(writesAndReads(40, [23]), {}, never)).toEqual({
      configurations: 0,
      stopped: undefined,
      violation: undefined,
    });
  });

  it("a write that failed inside a window had no effect: a read of its value is a violation", () => {
    const events = writesAndReads(20);
    events.splice(
      41,
      0,
      { type: "invoke", process: 3, f: "write", value: 99 },
      { type: "fail", process: 3, f: "write", value: 99 },
      { type: "invoke", process: 4, f: "read", value: null },
      { type: "ok", process: 4, f: "read", value: 99 },
    );
    expect(run(events).violation).toMatchInlineSnapshot(`
      {
        "configurations": 29,
        "first": 8,
        "last": 24,
        "ops": "8:write:ok 9:read:ok 10:write:ok 11:read:ok 12:write:ok 13:read:ok 14:write:ok 15:read:ok 16:write:ok 17:read:ok 18:write:ok 19:read:ok 20:write:ok 22:read:ok 23:read:ok 24:write:ok",
        "prefix": "0,1,2,3,4,5,6,7,8,9,10,11,12",
        "state": 11,
      }
    `);
  });

  it("unknown-outcome twins from before a window change nothing: the same answer and count for one or five", () => {
    const info = (n: number): HistoryEvent[] =>
      Array.from({ length: n }, (_, k): HistoryEvent[] => [
        { type: "invoke", process: 10 + k, f: "write", value: 77 },
        { type: "info", process: 10 + k, f: "write", value: 77 },
      ]).flat();
    const once = run(writesAndReads(40, [], info(1)));
    expect(once).toMatchInlineSnapshot(`
      {
        "configurations": 264,
        "stopped": undefined,
        "violation": undefined,
      }
    `);
    expect(run(writesAndReads(40, [], info(5)))).toEqual(once);
  });

  it("operations open across many windows are carried into each: a read of a write still open is no violation", () => {
    // Process 2's write of 50 and process 3's read of it stay open from the first window to the last.
    const events = writesAndReads(
      30,
      [],
      [
        { type: "invoke", process: 2, f: "write", value: 50 },
        { type: "invoke", process: 3, f: "read", value: null },
      ],
    );
    events.push({ type: "ok", process: 3, f: "read", value: 50 }, { type: "ok", process: 2, f: "write", value: 50 });
    expect(run(events)).toMatchInlineSnapshot(`
      {
        "configurations": 170,
        "stopped": undefined,
        "violation": undefined,
      }
    `);
  });

  it("stops when the budget runs out, with the reason", () => {
    const ops = operationsOf(writesAndReads(40, [23]));
    const found = findViolatingWindow(
      prepare(null, ops, registerModel),
      registerModel,
      new BudgetClock({ timeoutMs: -1 }),
    );
    expect(found).toEqual({ violation: undefined, configurations: 0, stopped: "timeout" });
  });
});
