/**
 * Reports: the JSON document of the CLI contract and its text rendering.
 * Independent of the strategy that produced the outcome.
 */
import { formatTraceText, type ParamRecord, type PropertyKind, type Trace } from "../src/index.js";
import { describeFault, type UserFault } from "../src/user-code.js";
import type { CoverageRow } from "./expander.js";
import { formatStats, type Stats } from "./stats.js";
import type { Limit, SearchOutcome, Violation } from "./strategy.js";

/** The `--json` report of `interleave check`. */
export interface Report {
  readonly spec: string;
  readonly variant: string;
  readonly params: ParamRecord;
  readonly strategy: string;
  /** The spec's declared set paths (only when it declares some): the trace's arrays there are sets. */
  readonly sets?: readonly string[];
  /** `error`: the spec's own code is wrong (exit 2); see `error`. */
  readonly result: "ok" | "violation" | "incomplete" | "error";
  /** The violated property (`noReducerThrows` when a reducer threw), or null. */
  readonly property: string | null;
  readonly propertyKind: PropertyKind | null;
  /** What the spec's code did wrong: with `error`, and with `noReducerThrows`. */
  readonly error: Omit<UserFault, "stack"> | null;
  /** Which limit ended an incomplete search, or null. */
  readonly limit: Limit | null;
  readonly distinctStates: number;
  /** Initial states plus every successor computed, duplicates included (TLC's "states generated"). */
  readonly generatedStates: number;
  readonly maxDepth: number;
  readonly durationMs: number;
  readonly statesPerSecond: number;
  readonly bytesPerState: number;
  /** Estimated probability that a fingerprint collision hid a state. */
  readonly collisionProbability: number;
  readonly peakRssMB: number;
  /** States the BFS queue wrote to disk to stay within `--max-memory` (0: it fit in memory). */
  readonly spilledStates: number;
  /** BFS: estimated bytes a waiting state holds in memory, and bytes it took on disk (0 when nothing spilled). */
  readonly queueBytesPerState?: { readonly memory: number; readonly disk: number };
  /**
   * Steps of the counterexample (first: the initial state), or null. With `error`: the trace to the state the spec's
   * code failed on.
   */
  readonly trace: Trace | null;
  /**
   * Liveness violations: the trace is a lasso and repeats forever from this
   * step (its last state is the state at `loopStart`; `loopStart` on the last
   * step: the system stays in that state forever).
   */
  readonly loopStart?: number;
  /** With `--coverage`: per action, successors produced and new distinct states. */
  readonly coverage?: readonly CoverageRow[];
  /** With `--stats`: per-action counts, states per depth, the largest states and their largest fields. */
  readonly stats?: Stats;
  /** Signs of a vacuous model: actions never enabled, no initial state, no property. */
  readonly warnings: readonly string[];
  /** The original stack of `error` (printed with `--debug`). */
  readonly errorStack?: string;
}

/** Builds the report of a search. */
export function buildReport(
  run: { spec: string; variant: string; params: ParamRecord; strategy: string; sets?: readonly string[] | undefined },
  outcome: SearchOutcome<unknown>,
  stats?: Stats,
): Report {
  const seconds = outcome.durationMs / 1000;
  const { violation, fault, limit, trace } = verdictOf(outcome);
  const { sets, ...who } = run;
  return {
    ...who,
    ...(sets === undefined || sets.length === 0 ? {} : { sets }),
    result: outcome.result,
    property: violation?.property ?? null,
    propertyKind: violation?.kind ?? null,
    error: fault ? withoutStack(fault) : null,
    limit: limit ?? null,
    distinctStates: outcome.distinctStates,
    generatedStates: outcome.generatedStates,
    maxDepth: outcome.maxDepth,
    durationMs: Math.round(outcome.durationMs),
    statesPerSecond: seconds > 0 ? Math.round(outcome.distinctStates / seconds) : 0,
    bytesPerState: Math.round(outcome.bytesPerState * 10) / 10,
    collisionProbability: Number(outcome.collisionProbability.toPrecision(3)),
    peakRssMB: Math.round(outcome.peakRssBytes / 2 ** 20),
    spilledStates: outcome.queue?.spilledStates ?? 0,
    ...(outcome.queue === undefined
      ? {}
      : {
          queueBytesPerState: {
            memory: Math.round(outcome.queue.memoryBytesPerState),
            disk: Math.round(outcome.queue.diskBytesPerState),
          },
        }),
    trace: trace && trace.length > 0 ? trace : null,
    ...(violation?.loopStart === undefined ? {} : { loopStart: violation.loopStart }),
    ...(outcome.coverage ? { coverage: outcome.coverage } : {}),
    ...(stats === undefined ? {} : { stats }),
    warnings: outcome.warnings ?? [],
    ...(fault?.stack === undefined ? {} : { errorStack: fault.stack }),
  };
}

/** What the report's verdict fields say, from the outcome's variant. */
function verdictOf(outcome: SearchOutcome<unknown>): {
  readonly violation?: Violation<unknown>;
  readonly fault?: UserFault | undefined;
  readonly limit?: Limit | undefined;
  readonly trace?: Trace | undefined;
} {
  switch (outcome.result) {
    case "ok":
      return {};
    case "violation":
      return { violation: outcome.violation, fault: outcome.fault, trace: outcome.violation.trace };
    case "incomplete":
      return { limit: outcome.limit };
    case "error":
      return { fault: outcome.fault, trace: outcome.trace };
  }
}

function withoutStack(fault: UserFault): Omit<UserFault, "stack"> {
  const { stack: _stack, ...rest } = fault;
  return rest;
}

const LIMIT_TEXT: Record<Limit, string> = {
  "max-states": "--max-states reached",
  "max-depth": "--max-depth reached",
  timeout: "--timeout reached",
  "max-memory": "memory nearly exhausted (--max-memory, by default half the physical memory, or the JavaScript heap)",
  interrupted: "interrupted",
};

/**
 * What names a run in the text: its spec, variant (unless the default) and
 * parameters, `raft --variant vote-twice (servers=3, maxTerm=2)`; the report's
 * summary and `interleave replay` both start with it.
 */
export function runName(run: { spec: string; variant: string; params: ParamRecord }): string {
  const entries = Object.entries(run.params);
  const params = entries.length === 0 ? "" : ` (${entries.map(([k, v]) => `${k}=${v}`).join(", ")})`;
  return `${run.spec}${run.variant === "default" ? "" : ` --variant ${run.variant}`}${params}`;
}

/** A count as text reads it: thousands separated (`296,448`). */
function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** `1 step`, `3 steps`, `1,024 steps`. */
function steps(n: number): string {
  return `${count(n)} step${n === 1 ? "" : "s"}`;
}

/** `after 3 steps it loops over 2 steps forever`, or `after 3 steps it stays in the same state forever`. */
function lassoShape(length: number, loopStart: number): string {
  const loop = length - loopStart;
  return loop === 0
    ? `after ${steps(loopStart)} it stays in the same state forever`
    : `after ${steps(loopStart)} it repeats a cycle of ${steps(loop)} forever`;
}

/** The one-line summary: verdict, spec, counts and speed. */
export function summaryLine(r: Report): string {
  const who = runName(r);
  const counts = `${count(r.distinctStates)} distinct state${r.distinctStates === 1 ? "" : "s"}, ${count(r.generatedStates)} generated, depth ${count(r.maxDepth)}, ${(r.durationMs / 1000).toFixed(2)} s (${count(r.statesPerSecond)} states/s)`;
  switch (r.result) {
    case "ok":
      return `OK: ${who}: every property holds; ${counts}`;
    case "violation":
      if (r.propertyKind === "sometimes")
        return `VIOLATION: ${who}: sometimes "${r.property}" was never reached; ${counts}`;
      if (r.loopStart !== undefined && r.trace !== null)
        return `VIOLATION: ${who}: ${r.propertyKind} "${r.property}" is violated by a fair behaviour: ${lassoShape(r.trace.length - 1, r.loopStart)}; ${counts}`;
      if (r.trace === null)
        return `VIOLATION: ${who}: ${r.propertyKind} "${r.property}" is violated (no trace: --strategy bfs finds the shortest); ${counts}`;
      return `VIOLATION: ${who}: ${r.propertyKind} "${r.property}" is violated after ${steps((r.trace?.length ?? 1) - 1)}; ${counts}`;
    case "error":
      return `ERROR: ${who}: ${r.error ? describeFault(r.error) : "the spec's code failed"}; ${counts}`;
    case "incomplete":
      return `INCOMPLETE: ${who}: ${r.limit ? LIMIT_TEXT[r.limit] : "stopped"} with no violation found; ${counts}`;
  }
}

/** The full text report: the summary, then the trace with only the fields that changed per step. */
export function formatReportText(r: Report): string {
  const lines = [summaryLine(r)];
  if (r.result === "violation" && r.error) lines.push(`  ${describeFault(r.error)}`);
  if (r.spilledStates > 0 && r.queueBytesPerState) {
    lines.push(
      `  queue: ${count(r.spilledStates)} states spilled to disk (${count(r.queueBytesPerState.disk)} bytes per state on disk, about ${count(r.queueBytesPerState.memory)} in memory)`,
    );
  }
  if (r.trace) {
    const title =
      r.result === "error"
        ? "Trace to the state it failed on"
        : r.loopStart !== undefined
          ? "Lasso counterexample"
          : "Counterexample";
    lines.push(
      "",
      `${title} (${steps(r.trace.length - 1)}):`,
      formatTraceText(r.trace, { sets: r.sets, ...(r.loopStart === undefined ? {} : { loopStart: r.loopStart }) }),
    );
  }
  if (r.coverage) lines.push("", formatCoverage(r.coverage));
  if (r.stats) lines.push("", formatStats(r.stats));
  return lines.join("\n");
}

/** The `--coverage` table: per action, successors produced and new distinct states. */
function formatCoverage(rows: readonly CoverageRow[]): string {
  const width = Math.max(
    6,
    ...rows.flatMap((r) => [r.action.length, ...(r.values ?? []).map((v) => v.action.length + 2)]),
  );
  const n = (x: number) => x.toLocaleString("en-US").padStart(12);
  const lines = [`Coverage:`, `  ${"action".padEnd(width)} ${"enabled".padStart(12)} ${"new states".padStart(12)}`];
  for (const r of rows) {
    lines.push(`  ${r.action.padEnd(width)} ${n(r.enabled)} ${n(r.distinct)}`);
    for (const v of r.values ?? []) lines.push(`    ${v.action.padEnd(width - 2)} ${n(v.enabled)} ${n(v.distinct)}`);
  }
  return lines.join("\n");
}

/** The exit code of the CLI contract: 0 ok, 1 violation, 2 an error in the spec's code, 3 incomplete. */
export function exitCodeOf(r: Pick<Report, "result">): 0 | 1 | 2 | 3 {
  switch (r.result) {
    case "ok":
      return 0;
    case "violation":
      return 1;
    case "error":
      return 2;
    case "incomplete":
      return 3;
  }
}
