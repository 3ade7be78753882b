/**
 * The 109 histories of Porcupine's test data: every checker gives the verdict
 * of expected.tsv (which Porcupine agrees with).
 */
import { describe, expect, it } from "vitest";
import {
  checkLinearizability,
  checkSequentialConsistency,
  createIncrementalChecker,
  kvModel,
  registerModel,
  type Operation,
} from "../../src/history/index.js";
import { expectedVerdicts, modelFor, parseCorpus } from "./support/corpus.js";

const rows = expectedVerdicts();

describe("the Porcupine corpus", () => {
  it("has 109 histories: 103 etcd logs (24 linearizable) and 6 kv histories (3 linearizable)", () => {
    expect(rows.length).toBe(109);
    expect(rows.filter((r) => r.file.startsWith("etcd/")).length).toBe(103);
    expect(rows.filter((r) => r.file.startsWith("etcd/") && r.expected === "linearizable").length).toBe(24);
    expect(rows.filter((r) => r.file.startsWith("kv/") && r.expected === "linearizable").length).toBe(3);
  });

  it("parses to the expected formats and sizes", () => {
    const etcd0 = parseCorpus("etcd/etcd_000.log");
    const c50 = parseCorpus("kv/c50-ok.txt");
    expect(etcd0.format).toBe("etcd");
    expect(parseCorpus("etcd/etcd_095.log").format).toBe("empty");
    expect(parseCorpus("etcd/etcd_100.log").format).toBe("etcd");
    expect(c50.format).toBe("kv");
    expect(c50.events.length).toBe(3424);
    expect(etcd0.events.length).toBe(170);
  });

  it.each(rows)("$file is $expected", ({ file, expected }) => {
    const report = checkLinearizability(parseCorpus(file).events, modelFor(file));
    expect(report.result).toBe(expected);
  });

  it.each(rows.filter((r) => r.file.startsWith("etcd/")))(
    "$file is $expected without the quick checks (search only)",
    ({ file, expected }) => {
      expect(checkLinearizability(parseCorpus(file).events, registerModel, { quickChecks: false }).result).toBe(
        expected,
      );
    },
  );

  it("the incremental checker agrees on all 103 etcd logs, sharing one cache", () => {
    const checker = createIncrementalChecker(registerModel);
    const got = rows
      .filter((r) => r.file.startsWith("etcd/"))
      .map((r) => checker.check(parseCorpus(r.file).events).result);
    expect(got).toEqual(rows.filter((r) => r.file.startsWith("etcd/")).map((r) => r.expected));
  });

  it("every linearizable history is sequentially consistent", () => {
    for (const { file } of rows.filter((r) => r.expected === "linearizable")) {
      expect(checkSequentialConsistency(parseCorpus(file).events, modelFor(file)).result).toBe("sequential");
    }
  });

  it("kv c50-ok is linearizable without partitioning only if the search finishes: never a wrong verdict, never a crash", () => {
    const report = checkLinearizability(parseCorpus("kv/c50-ok.txt").events, kvModel, {
      partition: false,
      timeoutMs: 3000,
      maxMemoryBytes: 32 * 1024 * 1024,
    });
    expect(report.partitions).toBe(1);
    expect(["linearizable", "unknown"]).toContain(report.result);
    if (report.result === "unknown") expect(report.configurations).toBeGreaterThan(0);
  });

  it("kv c50-ok, partitioned: a witness per key that the kv model replays in real-time order, found without backtracking", () => {
    const report = checkLinearizability(parseCorpus("kv/c50-ok.txt").events, kvModel);
    expect(report.result).toBe("linearizable");
    if (report.result !== "linearizable") return;
    // One configuration per operation: writes tried by the deadlines the gets show (completion order alone took
    // 220,475, invocation order, Porcupine's, 169,794).
    expect(report.configurations).toBe(1712);
    expect(report.witness.length).toBe(10);
    let operations = 0;
    for (const order of report.witness) {
      let state = kvModel.init();
      const illegal = order.filter((op) => {
        const next = kvModel.step(state, op);
        if (next.length === 1) state = next[0]!;
        return next.length !== 1;
      });
      expect(illegal).toEqual([]);
      // Nothing placed after an operation completed before that operation was invoked.
      let earliestEndAfter = Infinity;
      const outOfOrder: Operation[] = [];
      for (let i = order.length - 1; i >= 0; i--) {
        if (earliestEndAfter < order[i]!.call) outOfOrder.push(order[i]!);
        earliestEndAfter = Math.min(earliestEndAfter, order[i]!.end!);
      }
      expect(outOfOrder).toEqual([]);
      expect(new Set(order.map((op) => op.id)).size).toBe(order.length);
      operations += order.length;
    }
    expect(operations).toBe(report.operations);
  });

  it("a violation names the partition, a partial linearization and the operations that could not follow it", () => {
    const report = checkLinearizability(parseCorpus("kv/c10-bad.txt").events, kvModel);
    expect(report.result).toBe("violation");
    if (report.result !== "violation") return;
    const v = report.violations[0]!;
    expect(v.partition).not.toBeNull();
    expect(v.prefix.length).toBeGreaterThan(0);
    expect(v.stuck.length).toBeGreaterThan(0);
    // every stuck operation is on the violation's key and not in the prefix
    for (const op of v.stuck) {
      expect(op.key).toBe(v.partition);
      expect(v.prefix.some((p) => p.id === op.id)).toBe(false);
    }
  });
});
