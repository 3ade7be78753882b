/**
 * The reads-from search shared by the causal and session checks, driven by a
 * stand-in subclass that records every complete choice it is asked to judge.
 */
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../src/history/index.js";
import { operationsOf } from "../../src/history/operations.js";
import { describe as describeRw, plainViolation, ReadsFromSearch } from "../../src/history/reads-from.js";
import { toReadWrite, type ReadWriteHistory } from "../../src/history/readwrite.js";
import { BudgetClock } from "../../src/history/search/budget.js";
import { pair } from "./support/serial.js";

/**
 * Writes: x=1 (0), x=1 (1), y=2 (2), x=null (3); reads: x -> 1 (4), y -> 2 (5), x -> null (6).
 * Candidates: read 4 [0, 1], read 5 [2], read 6 [3, -1].
 */
/** A read-write history of `events`, for the causal search. */
const readWrite = (events: HistoryEvent[]): ReadWriteHistory => toReadWrite(operationsOf(events), "causal");

const history = (): ReadWriteHistory =>
  readWrite([
    ...pair(0, "write", "x", 1),
    ...pair(1, "write", "x", 1),
    ...pair(0, "write", "y", 2),
    ...pair(1, "write", "x", null),
    ...pair(2, "read", "x", 1),
    ...pair(2, "read", "y", 2),
    ...pair(3, "read", "x", null),
  ]);

/** Judges complete choices by `verdict` (by call number), refusing the pairs in `refused`. */
class StandIn extends ReadsFromSearch {
  protected readonly consistency = "causal" as const;
  protected readonly unit = "choices";
  protected readonly noChoiceWorks = "no choice works";
  readonly judged: string[] = [];
  readonly readersSeen: string[] = [];

  constructor(
    h: ReadWriteHistory,
    clock: BudgetClock,
    private readonly verdict: (call: number) => boolean,
    private readonly refused: readonly string[] = [],
  ) {
    super(h, clock);
  }

  protected consistent(): boolean {
    this.configurations++;
    this.judged.push(this.reads.map((r) => `${r}<${this.rf[r]}`).join(" "));
    this.readersSeen.push(Array.from(this.readers).join(""));
    const ok = this.verdict(this.judged.length);
    if (!ok && this.judged.length === 2) this.noteFailure(() => plainViolation("second", []));
    if (!ok && this.judged.length === 3) this.noteFailure(() => plainViolation("third", []));
    return ok;
  }

  protected override mayRead(r: number, w: number): boolean {
    return !this.refused.includes(`${r}<${w}`);
  }

  readers_(): number[] {
    return Array.from(this.readers);
  }
}

describe("ReadsFromSearch", () => {
  it("tries every choice depth-first, reads with fewer candidates first, and keeps the first failure noted", () => {
    const search = new StandIn(history(), new BudgetClock(), () => false);
    expect(search.run()).toEqual({ kind: "violation", violation: plainViolation("second", []) });
    expect(search.judged).toEqual(["5<2 4<0 6<3", "5<2 4<0 6<-1", "5<2 4<1 6<3", "5<2 4<1 6<-1"]);
    expect(search.readersSeen).toEqual(["1011000", "1010000", "0111000", "0110000"]);
    expect(search.readers_()).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it("stops at the first consistent choice", () => {
    const search = new StandIn(history(), new BudgetClock(), (call) => call === 3);
    expect(search.run()).toEqual({ kind: "ok" });
    expect(search.judged).toEqual(["5<2 4<0 6<3", "5<2 4<0 6<-1", "5<2 4<1 6<3"]);
  });

  it("a refused choice is never judged, and without a noted failure the violation says no choice works", () => {
    const search = new StandIn(history(), new BudgetClock(), () => false, ["4<0", "6<-1"]);
    expect(search.run()).toEqual({ kind: "violation", violation: plainViolation("no choice works", []) });
    expect(search.judged).toEqual(["5<2 4<1 6<3"]);
    expect(search.readers_()).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it("a read of a value nobody wrote is a violation before any search", () => {
    const h = readWrite([...pair(0, "write", "x", 1), ...pair(4, "read", "x", 5)]);
    const search = new StandIn(h, new BudgetClock(), () => true);
    const outcome = search.run();
    expect(outcome.kind === "violation" && outcome.violation.message).toBe(
      "read[x] -> 5 by process 4 (operation 2) observes a value that no operation wrote",
    );
    expect(outcome.kind === "violation" && outcome.violation.stuck.map((o) => o.id)).toEqual([1]);
    expect(search.judged).toEqual([]);
  });

  it("looks at the clock while it prunes, not only at complete choices", () => {
    // Ten reads of x = 1 with two candidate writes each, then a read of z = 3 whose three candidates are all
    // refused: 2^10 partial choices, none complete, so the clock is consulted only every so many steps.
    const events = [...pair(0, "write", "x", 1), ...pair(1, "write", "x", 1)];
    for (let p = 2; p < 12; p++) events.push(...pair(p, "read", "x", 1));
    for (let p = 12; p < 15; p++) events.push(...pair(p, "write", "z", 3));
    events.push(...pair(15, "read", "z", 3));
    const h = readWrite(events);
    const refused = ["15<12", "15<13", "15<14"];
    const free = new StandIn(h, new BudgetClock(), () => true, refused);
    expect(free.run()).toEqual({ kind: "violation", violation: plainViolation("no choice works", []) });
    expect(free.judged).toEqual([]);
    const late = new StandIn(h, new BudgetClock({ timeoutMs: -1 }), () => true, refused);
    expect(late.run()).toEqual({ kind: "unknown", reason: "timeout" });
  });

  it("with one read, tries its next candidate after a failed choice; with none, judges the one empty choice", () => {
    const one = readWrite([...pair(0, "write", "x", 1), ...pair(1, "write", "x", 1), ...pair(2, "read", "x", 1)]);
    const second = new StandIn(one, new BudgetClock(), (call) => call === 2);
    expect(second.run()).toEqual({ kind: "ok" });
    expect(second.judged).toEqual(["2<0", "2<1"]);
    const none = readWrite(pair(0, "write", "x", 1));
    const never = new StandIn(none, new BudgetClock(), () => false);
    expect(never.run()).toEqual({ kind: "violation", violation: plainViolation("no choice works", []) });
    expect(never.judged).toEqual([""]);
  });

  it("reports each outcome with its counts", () => {
    const ok = new StandIn(history(), new BudgetClock(), (call) => call === 2).report(11);
    expect({ ...ok, durationMs: 0 }).toEqual({
      consistency: "causal",
      model: "read-write",
      operations: 11,
      partitions: 1,
      configurations: 2,
      durationMs: 0,
      partitionSummaries: [{ partition: null, operations: 7, result: "ok", configurations: 2 }],
      result: "causal",
      witness: [],
    });
    const bad = new StandIn(history(), new BudgetClock(), () => false).report(7);
    expect(bad.result === "violation" && bad.violations).toEqual([plainViolation("second", [])]);
    expect(bad.partitionSummaries[0]!.result).toBe("violation");
    const late = new StandIn(history(), new BudgetClock({ timeoutMs: -1 }), () => true).report(7);
    expect(late.result === "unknown" && [late.reason, late.message]).toEqual([
      "timeout",
      "stopped at the time limit after 0 choices",
    ]);
    expect(late.partitionSummaries[0]!.result).toBe("unknown");
    const full = new StandIn(history(), new BudgetClock({ maxMemoryBytes: -1 }), () => true).report(7);
    expect(full.result === "unknown" && full.message).toBe("stopped at the memory limit after 0 choices");
  });
});

describe("describe", () => {
  it("names the operation, its key, value and process", () => {
    expect(history().ops.map(describeRw)).toEqual([
      "write[x](1) by process 0 (operation 1)",
      "write[x](1) by process 1 (operation 2)",
      "write[y](2) by process 0 (operation 3)",
      "write[x](null) by process 1 (operation 4)",
      "read[x] -> 1 by process 2 (operation 5)",
      "read[y] -> 2 by process 2 (operation 6)",
      "read[x] -> null by process 3 (operation 7)",
    ]);
    const bare = readWrite([{ type: "invoke", process: "c", f: "write", value: "v" }]);
    expect(describeRw(bare.ops[0]!)).toBe('write("v") by process c (operation 1)');
  });
});
