/**
 * The incremental linearizability checker on hand-written histories: what it
 * caches and reuses (its stats), the verdicts on keys, unknown and failed
 * outcomes, the fallback to the full search, and malformed histories. The
 * differential test (differential.test.ts) compares its verdicts with brute
 * force on random histories; these pin the rest.
 */
import { describe, expect, it } from "vitest";
import {
  createIncrementalChecker,
  HistoryParseError,
  registerModel,
  type AnyModel,
  type HistoryEvent,
  type Json,
} from "../../src/history/index.js";
import { pair } from "./support/serial.js";

type Kind = HistoryEvent["type"];
const event = (type: Kind, process: number | string, f: string, value: Json, key?: string): HistoryEvent => ({
  type,
  process,
  f,
  value,
  ...(key === undefined ? {} : { key }),
});
/** A write of `v` by `p`, completed as `end`. */
const write = (p: number, v: number, end: "ok" | "fail" | "info" = "ok", key?: string) => pair(p, "write", key, v, end);
/** A read by `p` that returns `v`. */
const read = (p: number, v: Json, key?: string) => pair(p, "read", key, v);

describe("the incremental checker", () => {
  it("processes each event once and reuses the prefixes it has seen", () => {
    const checker = createIncrementalChecker(registerModel);
    const h = [...write(0, 1), ...read(1, 1)];
    expect(checker.check(h)).toEqual({
      consistency: "linearizable",
      model: "register",
      operations: 2,
      partitions: 1,
      configurations: 0,
      durationMs: expect.any(Number),
      partitionSummaries: [],
      result: "linearizable",
      witness: [],
    });
    expect(checker.stats).toEqual({ cachedPrefixes: 5, eventsProcessed: 4, eventsReused: 0, configurations: 2 });
    expect(checker.isLinearizable(h)).toBe(true);
    expect(checker.stats).toEqual({ cachedPrefixes: 5, eventsProcessed: 4, eventsReused: 4, configurations: 2 });
    // An extension by one operation: two events more, four reused.
    expect(checker.isLinearizable([...h, ...write(0, 2)])).toBe(true);
    expect(checker.stats).toEqual({ cachedPrefixes: 7, eventsProcessed: 6, eventsReused: 8, configurations: 3 });
    checker.clear();
    expect(checker.stats.cachedPrefixes).toBe(1);
    expect(checker.check(h).result).toBe("linearizable");
    expect(checker.stats).toEqual({ cachedPrefixes: 5, eventsProcessed: 10, eventsReused: 8, configurations: 5 });
  });

  it("a full cache is emptied, and a history longer than the limit is still checked", () => {
    const checker = createIncrementalChecker(registerModel, { maxCachedPrefixes: 3 });
    expect(checker.check([...write(0, 1), ...read(1, 1)]).result).toBe("linearizable");
    // Two events processed, the cache found full at the third, emptied, and the history processed again whole.
    expect(checker.stats).toEqual({ cachedPrefixes: 5, eventsProcessed: 6, eventsReused: 0, configurations: 3 });
    expect(checker.check(read(1, 2)).result).toBe("violation");
    expect(checker.stats.cachedPrefixes).toBe(3);
    // Within the limit, nothing is forgotten.
    const roomy = createIncrementalChecker(registerModel, { maxCachedPrefixes: 5 });
    roomy.check([...write(0, 1), ...read(1, 1)]);
    expect(roomy.stats).toEqual({ cachedPrefixes: 5, eventsProcessed: 4, eventsReused: 0, configurations: 2 });
  });

  it("a violation is explained by the full search, and no extension of it is linearizable", () => {
    const checker = createIncrementalChecker(registerModel);
    const bad = [...write(0, 1), ...read(1, 2)];
    const report = checker.check(bad);
    expect([report.result, report.configurations]).toEqual(["violation", 1]);
    expect(report.result === "violation" && report.violations[0]!.message).toMatch(
      /^read -> 2 by process 1 \(operation 2\) returns 2, which no operation wrote/,
    );
    expect(checker.isLinearizable(bad)).toBe(false);
    const extended = [...bad, ...write(0, 2), ...read(1, 2)];
    expect(checker.isLinearizable(extended)).toBe(false);
    expect(checker.check(extended).result).toBe("violation");
    expect(checker.isLinearizable(bad.slice(0, 3))).toBe(true);
  });

  it("keys are partitions, and histories that differ only in a key are told apart", () => {
    const checker = createIncrementalChecker(registerModel);
    const same = [...write(0, 1, "ok", "a"), ...read(1, 1, "a")];
    const other = [...write(0, 1, "ok", "a"), ...read(1, 1, "b")];
    expect(checker.check(same)).toMatchObject({ result: "linearizable", partitions: 1, operations: 2 });
    expect(checker.check(other)).toMatchObject({ result: "violation" });
    expect(checker.check([...write(0, 1, "ok", "a"), ...read(1, null, "b")])).toMatchObject({
      result: "linearizable",
      partitions: 2,
    });
    // Without partitioning, one search over both keys (the register keeps them apart in its state).
    const whole = createIncrementalChecker(registerModel, { partition: false });
    expect(whole.check([...write(0, 1, "ok", "a"), ...read(1, null, "b")])).toMatchObject({
      result: "linearizable",
      partitions: 1,
    });
    expect(whole.check(other)).toMatchObject({ result: "violation", partitions: 1 });
  });

  it('process 1 and process "1" are different processes', () => {
    const checker = createIncrementalChecker(registerModel);
    expect(checker.check(write(1, 1)).result).toBe("linearizable");
    expect(() => checker.check([event("invoke", 1, "write", 1), event("ok", "1", "write", 1)])).toThrow(
      "<history>:2: process 1 completes :write (:ok) without a pending invocation",
    );
  });

  it("an operation of unknown outcome may or may not have taken effect, before or after it was known", () => {
    const verdict = (h: HistoryEvent[]) => createIncrementalChecker(registerModel).check(h).result;
    expect(verdict([...write(0, 1, "info"), ...read(1, 1)])).toBe("linearizable");
    expect(verdict([...write(0, 1, "info"), ...read(1, null)])).toBe("linearizable");
    expect(verdict([...write(0, 1, "info"), ...read(1, 2)])).toBe("violation");
    // The write is linearized early, by a read that sees it while it is pending; then its outcome is unknown.
    const early = [event("invoke", 0, "write", 1), ...read(1, 1), event("info", 0, "write", null), ...read(2, 1)];
    const checker = createIncrementalChecker(registerModel);
    expect(checker.check(early).result).toBe("linearizable");
    expect(checker.stats.configurations).toBe(3);
    expect(checker.check([...early.slice(0, 4), ...read(2, null)]).result).toBe("violation");
    // Two unknown writes: a later read may see either, or neither.
    const two = [...write(0, 1, "info"), ...write(1, 2, "info")];
    for (const [seen, result] of [
      [1, "linearizable"],
      [2, "linearizable"],
      [null, "linearizable"],
      [3, "violation"],
    ] as const) {
      const c = createIncrementalChecker(registerModel);
      expect(c.check([...two, ...read(2, seen)]).result).toBe(result);
    }
    const c = createIncrementalChecker(registerModel);
    expect(c.check([...two, ...read(2, 1), ...read(2, 2)]).result).toBe("linearizable");
    expect(c.check([...two, ...read(2, 1), ...read(2, 2), ...read(2, 1)]).result).toBe("violation");
    // One configuration per completion (4): reaching 1 by both writes is pruned, as reaching it by the first alone
    // leaves every option open; then nothing is left to read 1 again.
    expect(c.stats.configurations).toBe(4);
  });

  it("configurations that applied more unknown-outcome operations to reach what another reached are skipped", () => {
    // Reading 1 after two unknown writes (1 and 2): reaching 1 by writing 2 then 1 adds nothing to writing 1 alone,
    // and the search does not go on from it: 4 configurations visited at most, 4 kept over the four completions.
    const two = [...write(0, 1, "info"), ...write(1, 2, "info"), ...read(2, 1), ...read(2, 2)];
    const limited = (maxFrontier: number) => {
      const checker = createIncrementalChecker(registerModel, { maxFrontier });
      expect(checker.check(two).result).toBe("linearizable");
      return checker.stats.configurations;
    };
    expect([limited(3), limited(4)]).toEqual([2, 4]);
    // A write seen early by a read, then of unknown outcome: the configuration where the other write of the same value
    // was applied too is pruned (3 configurations after the read, 2 after the write's outcome is known unknown).
    const checker = createIncrementalChecker(registerModel);
    const h = [event("invoke", 0, "write", 1), event("invoke", 1, "write", 1), ...read(2, 1)];
    expect(checker.check([...h, event("info", 0, "write", null)]).result).toBe("linearizable");
    expect(checker.stats.configurations).toBe(7);
  });

  it("a failed operation did not happen", () => {
    const verdict = (h: HistoryEvent[]) => createIncrementalChecker(registerModel).check(h).result;
    expect(verdict([...write(0, 1, "fail"), ...read(1, 1)])).toBe("violation");
    expect(verdict([...write(0, 1, "fail"), ...read(1, null)])).toBe("linearizable");
    // Failed while a read saw it pending: that read's view is dropped with it.
    expect(verdict([event("invoke", 0, "write", 1), ...read(1, 1), event("fail", 0, "write", 1)])).toBe("violation");
  });

  it("a frontier past maxFrontier, or past the timeout, hands the prefix to the full search once", () => {
    const h = [event("invoke", 0, "write", 1), event("invoke", 1, "write", 2), ...read(2, 2), ...read(2, 1)];
    // The first read's completion visits 6 configurations: a limit of 5 stops it there, and every later prefix.
    const tight = createIncrementalChecker(registerModel, { maxFrontier: 5 });
    const first = tight.check([...h, event("ok", 0, "write", 1), event("ok", 1, "write", 2)]);
    expect([first.result, tight.stats.configurations]).toEqual(["linearizable", 0]);
    expect(tight.check([...h, event("ok", 0, "write", 1), event("ok", 1, "write", 2)])).toBe(first);
    expect(tight.isLinearizable([...h, ...read(2, 2)])).toBe(false);
    const roomy = createIncrementalChecker(registerModel, { maxFrontier: 6 });
    expect(roomy.check([...h, event("ok", 0, "write", 1), event("ok", 1, "write", 2)]).result).toBe("linearizable");
    expect(roomy.stats.configurations).toBe(5);
    // A deadline already past when the first completion is processed.
    const stopped = createIncrementalChecker(registerModel, { timeoutMs: -1 });
    expect(stopped.check([...h, event("ok", 0, "write", 1), event("ok", 1, "write", 2)]).result).toBe("linearizable");
    expect(stopped.stats.configurations).toBe(0);
  });

  it("states that are objects are told apart by value, states of a model without a name are 'custom'", () => {
    // A counter whose state is an object: equal states reached two ways are one configuration.
    const counter: AnyModel = {
      init: () => ({ n: 0 }),
      step: (s: { n: number }, op) =>
        op.f === "inc" ? [{ n: s.n + 1 }] : op.status !== "ok" || op.output === s.n ? [s] : [],
    };
    const inc = (p: number) => [event("invoke", p, "inc", null), event("ok", p, "inc", null)];
    const get = (p: number, v: number) => [event("invoke", p, "get", null), event("ok", p, "get", v)];
    const checker = createIncrementalChecker(counter);
    const h = [event("invoke", 0, "inc", null), event("invoke", 1, "inc", null), ...get(2, 1)];
    const report = checker.check([...h, event("ok", 0, "inc", null), event("ok", 1, "inc", null), ...get(2, 2)]);
    expect([report.model, report.result]).toEqual(["custom", "linearizable"]);
    expect(checker.stats.configurations).toBe(6);
    expect(checker.check([...inc(0), ...get(1, 2)]).result).toBe("violation");
  });
});

describe("malformed histories", () => {
  it.each([
    [
      "an invocation while the process's operation is pending",
      [event("invoke", 0, "write", 1), event("invoke", 0, "read", null)],
      "<history>:2: process 0 invokes :read while its :write is still pending",
    ],
    [
      "a completion without an invocation",
      [event("ok", 3, "read", 1)],
      "<history>:1: process 3 completes :read (:ok) without a pending invocation",
    ],
    [
      "a completion of another operation",
      [event("invoke", 0, "write", 1), event("ok", 0, "read", 1)],
      "<history>:2: process 0 completes :read but invoked :write",
    ],
  ])("%s", (_what, history, message) => {
    const error = (() => {
      try {
        createIncrementalChecker(registerModel).check(history);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(HistoryParseError);
    expect((error as Error).message).toBe(message);
  });
});
