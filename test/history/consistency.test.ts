/**
 * Classic small histories with known answers for each consistency model,
 * explanations, budgets, and the incremental checker's reuse.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkCausalConsistency,
  checkHistory,
  CONSISTENCY_NAMES,
  checkLinearizability,
  checkSequentialConsistency,
  checkSessionGuarantees,
  createIncrementalChecker,
  formatViolations,
  kvModel,
  parseHistory,
  registerModel,
  renderHtmlReport,
  type HistoryEvent,
  type SessionGuarantee,
} from "../../src/history/index.js";
import { corpusDir, parseCorpus } from "./support/corpus.js";
import {
  causalityViolation,
  ownWriteUnseen,
  readsGoBack,
  serial,
  writeBeforeItsCause,
  writesOutOfOrder,
} from "./support/serial.js";

const verdicts = (h: readonly HistoryEvent[]): string[] => [
  checkLinearizability(h, registerModel).result,
  checkSequentialConsistency(h, registerModel).result,
  checkCausalConsistency(h).result,
  checkSessionGuarantees(h).result,
];

describe("the consistency models on classic histories", () => {
  it("a stale read: sequential but not linearizable", () => {
    const h = serial([0, "write", "x", 1], [1, "read", "x", null]);
    expect(verdicts(h)).toEqual(["violation", "sequential", "causal", "session"]);
  });

  it("store buffering (each reads the other's register as initial): causal but not sequential", () => {
    const h: HistoryEvent[] = [
      { type: "invoke", process: 0, f: "write", key: "x", value: 1 },
      { type: "invoke", process: 1, f: "write", key: "y", value: 1 },
      { type: "ok", process: 0, f: "write", key: "x", value: 1 },
      { type: "ok", process: 1, f: "write", key: "y", value: 1 },
      { type: "invoke", process: 0, f: "read", key: "y", value: null },
      { type: "invoke", process: 1, f: "read", key: "x", value: null },
      { type: "ok", process: 0, f: "read", key: "y", value: null },
      { type: "ok", process: 1, f: "read", key: "x", value: null },
    ];
    expect(verdicts(h)).toEqual(["violation", "violation", "causal", "session"]);
  });

  it("a causality violation that every session guarantee allows", () => {
    expect(verdicts(causalityViolation).slice(2)).toEqual(["violation", "session"]);
    const report = checkCausalConsistency(causalityViolation);
    expect(report.result === "violation" && report.violations[0]!.message).toMatch(
      /^process 2 cannot explain its reads/,
    );
  });

  const session = (h: readonly HistoryEvent[], guarantees: SessionGuarantee[]): string =>
    checkSessionGuarantees(h, { guarantees }).result;

  it("read-your-writes: a process does not see its own write", () => {
    const h = ownWriteUnseen;
    expect([
      session(h, ["read-your-writes"]),
      session(h, ["monotonic-reads", "monotonic-writes", "writes-follow-reads"]),
    ]).toEqual(["violation", "session"]);
  });

  it("monotonic reads: 1, 2, 1 from two writers", () => {
    const h = readsGoBack;
    expect([
      session(h, ["monotonic-reads"]),
      session(h, ["read-your-writes", "monotonic-writes", "writes-follow-reads"]),
    ]).toEqual(["violation", "session"]);
  });

  it("monotonic writes (with monotonic reads): a reader sees a process's writes out of order", () => {
    const h = writesOutOfOrder;
    expect([
      session(h, ["monotonic-reads"]),
      session(h, ["monotonic-writes"]),
      session(h, ["monotonic-writes", "monotonic-reads"]),
    ]).toEqual(["session", "session", "violation"]);
  });

  it("writes follow reads (with monotonic reads): a write is seen before the write it followed", () => {
    const h = writeBeforeItsCause;
    expect([session(h, ["monotonic-reads"]), session(h, ["writes-follow-reads", "monotonic-reads"])]).toEqual([
      "session",
      "violation",
    ]);
    const report = checkSessionGuarantees(h, { guarantees: ["writes-follow-reads", "monotonic-reads"] });
    expect(report.result === "violation" && report.violations[0]!.message).toMatch(/^the writes cannot be ordered: /);
  });

  it("checkHistory dispatches by name and needs a model only for the model-based checks", () => {
    const h = serial([0, "write", "x", 1], [0, "read", "x", 1]);
    expect(checkHistory(h, { consistency: "monotonic-reads" }).result).toBe("session");
    expect(() => checkHistory(h, { consistency: "sequential" })).toThrow("sequential checking needs a model");
  });

  it("checkHistory: linearizability by default, one session guarantee alone by its name, and the names it accepts", () => {
    // Monotonic reads broken (1, then the initial value), read-your-writes kept: only the named guarantee is checked.
    const h = serial([0, "write", "x", 1], [1, "read", "x", 1], [1, "read", "x", null]);
    expect(checkHistory(h, { model: registerModel }).consistency).toBe("linearizable");
    expect(checkHistory(h, { model: registerModel }).result).toBe("violation");
    expect(checkHistory(h, { consistency: "read-your-writes" }).result).toBe("session");
    expect(checkHistory(h, { consistency: "monotonic-reads" }).result).toBe("violation");
    expect(CONSISTENCY_NAMES).toEqual([
      "linearizable",
      "sequential",
      "causal",
      "session",
      "read-your-writes",
      "monotonic-reads",
      "monotonic-writes",
      "writes-follow-reads",
    ]);
    expect(() => checkHistory(h, { consistency: "strict" as never })).toThrow(
      'unknown consistency "strict"; choose one of linearizable, sequential, causal, session, read-your-writes, ' +
        "monotonic-reads, monotonic-writes, writes-follow-reads",
    );
  });
});

describe("explanations", () => {
  it("formatViolations: the message, the last steps of the longest partial linearization, the state and the stuck operations", () => {
    const writes = Array.from({ length: 12 }, (_, i) => [0, "write", "", i + 1] as [number, string, string, number]);
    const h = serial(...writes, [1, "read", "", 3]).map(({ key: _key, ...event }) => event as HistoryEvent);
    const report = checkLinearizability(h, registerModel);
    if (report.result !== "violation") throw new Error(report.result);
    const tail = (text: string) => text.split("\n").slice(1);
    const lastTwo = [
      "  longest partial linearization (12 operations, last 2 shown):",
      "    write(11)  [process 0]",
      "    write(12)  [process 0]",
      "  then the state is 12, and none of these can be placed:",
      "    read() -> 3  [process 1]",
    ];
    expect(tail(formatViolations(report.violations, registerModel, { lastSteps: 2 }))).toEqual(lastTwo);
    // Ten steps by default; without the model, operations are described generically.
    const byDefault = tail(formatViolations(report.violations));
    expect(byDefault.length).toBe(13);
    expect(byDefault.slice(0, 2)).toEqual([
      "  longest partial linearization (12 operations, last 10 shown):",
      "    write(3) -> 3  [process 0]",
    ]);
    expect(report.violations[0]!.message).toMatch(
      /The longest partial linearization found places 12 of 13 completed operations and leaves the state 12; none of these can come next: read\(\) -> 3 \[process 1\]$/,
    );
  });

  it("formatViolations: a key's partition is named, a pending operation is not stuck, and a violation without a prefix lists its operations", () => {
    const kv: HistoryEvent[] = [
      { type: "invoke", process: 0, f: "put", key: "x", value: "1" },
      { type: "ok", process: 0, f: "put", key: "x", value: "1" },
      { type: "invoke", process: 2, f: "put", key: "x", value: "5" },
      { type: "invoke", process: 1, f: "get", key: "x", value: null },
      { type: "ok", process: 1, f: "get", key: "x", value: "2" },
    ];
    const report = checkLinearizability(kv, kvModel);
    expect(report.result === "violation" && formatViolations(report.violations, kvModel)).toBe(
      [
        'key "x": the longest partial linearization found places 1 of 2 completed operations and leaves the state {"x":"1"}; ' +
          'none of these can come next: get("x") -> "2" [process 1]',
        "  longest partial linearization (1 operations):",
        '    put("x", "1")  [process 0]',
        '  then the state is {"x":"1"}, and none of these can be placed:',
        '    get("x") -> "2"  [process 1]',
      ].join("\n"),
    );
    const cycle = checkCausalConsistency(
      serial([0, "read", "x", 1], [0, "write", "y", 1], [1, "read", "y", 1], [1, "write", "x", 1]),
    );
    expect(cycle.result === "violation" && formatViolations(cycle.violations)).toBe(
      [
        "read[y] -> 1 by process 1 (operation 3) would read from write[y](1) by process 0 (operation 2), which causally follows it",
        "  operations involved:",
        "    read[y]() -> 1  [process 1]",
        "    write[y](1) -> 1  [process 0]",
      ].join("\n"),
    );
  });

  it("give the longest partial linearization and the operations that cannot follow it", () => {
    // write 1; then concurrently read -> 2 (never written): the read is stuck after [write 1]
    const h: HistoryEvent[] = [
      { type: "invoke", process: 0, f: "write", value: 1 },
      { type: "ok", process: 0, f: "write", value: 1 },
      { type: "invoke", process: 1, f: "write", value: 3 },
      { type: "invoke", process: 2, f: "read", value: null },
      { type: "ok", process: 2, f: "read", value: 1 },
      { type: "ok", process: 1, f: "write", value: 3 },
      { type: "invoke", process: 2, f: "read", value: null },
      { type: "ok", process: 2, f: "read", value: 1 },
    ];
    const report = checkLinearizability(h, registerModel);
    expect(report.result).toBe("violation");
    if (report.result !== "violation") return;
    const v = report.violations[0]!;
    expect(v.partition).toBeNull();
    expect(v.prefix.map((op) => registerModel.describe!(op))).toEqual(["write(1)", "read() -> 1", "write(3)"]);
    expect(v.state).toBe("3");
    expect(v.stuck.map((op) => registerModel.describe!(op))).toEqual(["read() -> 1"]);
    expect(formatViolations(report.violations, registerModel).split("\n")).toEqual([
      v.message,
      "  longest partial linearization (3 operations):",
      "    write(1)  [process 0]",
      "    read() -> 1  [process 2]",
      "    write(3)  [process 1]",
      "  then the state is 3, and none of these can be placed:",
      "    read() -> 1  [process 2]",
    ]);
  });

  it("the HTML report of c50-bad has a timeline row per process and marks the stuck operations", () => {
    const file = "kv/c50-bad.txt";
    const h = parseCorpus(file);
    const report = checkLinearizability(h.events, kvModel);
    const page = renderHtmlReport({ title: file, history: h.events, report, model: kvModel });
    expect(report.result).toBe("violation");
    expect(page.match(/<details/g)!.length).toBe(10);
    expect(page.match(/class="op[^"]*"/g)!.length).toBe(2024);
    const stuck = report.result === "violation" ? report.violations.reduce((n, v) => n + v.stuck.length, 0) : 0;
    expect(page.match(/class="op[^"]* stuck"/g)!.length).toBe(stuck);
    expect(page.length).toBeLessThan(3_000_000);
  });
});

describe("budgets", () => {
  // Without its guesses of when writes take effect, kv c50-ok takes the search thousands of configurations per key.
  const { deadlines: _guesses, ...unguidedKv } = kvModel;

  it("a memory limit gives unknown with what was explored, not a crash", () => {
    const h = parseHistory(readFileSync(resolve(corpusDir, "kv/c50-ok.txt")), { file: "c50-ok" });
    const report = checkLinearizability(h.events, unguidedKv, { maxMemoryBytes: 64 * 1024 });
    expect(report.result).toBe("unknown");
    if (report.result !== "unknown") return;
    expect(report.reason).toBe("memory");
    expect(report.configurations).toBeGreaterThan(0);
    expect(report.partitionSummaries.some((p) => p.result === "unknown")).toBe(true);
  });

  it("a time limit gives unknown with reason timeout", () => {
    const h = parseHistory(readFileSync(resolve(corpusDir, "kv/c50-ok.txt")), { file: "c50-ok" });
    const report = checkLinearizability(h.events, unguidedKv, { partition: false, timeoutMs: 200 });
    expect(report.result === "unknown" && report.reason).toBe("timeout");
  });
});

describe("the incremental checker", () => {
  it("processes only the events after the longest cached prefix", () => {
    const checker = createIncrementalChecker(registerModel);
    const h = serial([0, "write", "", 1], [1, "read", "", 1], [0, "write", "", 2]).map(({ key: _key, ...e }) => e);
    expect(checker.check(h.slice(0, 4)).result).toBe("linearizable");
    expect(checker.stats).toEqual({ cachedPrefixes: 5, eventsProcessed: 4, eventsReused: 0, configurations: 2 });
    expect(checker.check(h).result).toBe("linearizable");
    expect(checker.stats).toEqual({ cachedPrefixes: 7, eventsProcessed: 6, eventsReused: 4, configurations: 3 });
    const stale: HistoryEvent[] = [
      ...h,
      { type: "invoke", process: 1, f: "read", value: null },
      { type: "ok", process: 1, f: "read", value: 1 },
    ];
    expect(checker.isLinearizable(stale)).toBe(false);
    expect(checker.stats).toEqual({ cachedPrefixes: 9, eventsProcessed: 8, eventsReused: 10, configurations: 3 });
    // the violation is explained by a full search
    const report = checker.check(stale);
    expect(report.result === "violation" && report.violations[0]!.stuck.length).toBe(1);
  });
});
