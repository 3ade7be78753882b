/**
 * Reports: the JSON document of the CLI contract and its text rendering.
 * Independent of the strategy that produced the outcome.
 */
import { formatTraceText, type ParamRecord, type Trace } from "../src/index.js";
import type { Limit, SearchOutcome } from "./strategy.js";

/** The `--json` report of `interleave check`. */
export interface Report {
  readonly spec: string;
  readonly variant: string;
  readonly params: ParamRecord;
  readonly strategy: string;
  /** The spec's declared set paths (only when it declares some): the trace's arrays there are sets. */
  readonly sets?: readonly string[];
  readonly result: "ok" | "violation" | "incomplete";
  /** The violated property, or null. */
  readonly property: string | null;
  readonly propertyKind: "invariant" | "action" | "final" | null;
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
  /** Steps of the counterexample (first: the initial state), or null. */
  readonly trace: Trace | null;
}

/** Builds the report of a search. */
export function buildReport(
  run: { spec: string; variant: string; params: ParamRecord; strategy: string; sets?: readonly string[] | undefined },
  outcome: SearchOutcome<unknown>,
): Report {
  const seconds = outcome.durationMs / 1000;
  const { sets, ...who } = run;
  return {
    ...who,
    ...(sets === undefined || sets.length === 0 ? {} : { sets }),
    result: outcome.result,
    property: outcome.violation?.property ?? null,
    propertyKind: outcome.violation?.kind ?? null,
    limit: outcome.limit ?? null,
    distinctStates: outcome.distinctStates,
    generatedStates: outcome.generatedStates,
    maxDepth: outcome.maxDepth,
    durationMs: Math.round(outcome.durationMs),
    statesPerSecond: seconds > 0 ? Math.round(outcome.distinctStates / seconds) : 0,
    bytesPerState: Math.round(outcome.bytesPerState * 10) / 10,
    collisionProbability: Number(outcome.collisionProbability.toPrecision(3)),
    peakRssMB: Math.round(outcome.peakRssBytes / 2 ** 20),
    trace: outcome.violation?.trace ?? null,
  };
}

const LIMIT_TEXT: Record<Limit, string> = {
  "max-states": "--max-states reached",
  "max-depth": "--max-depth reached",
  timeout: "--timeout reached",
  "max-memory": "--max-memory nearly reached",
};

function formatParams(params: ParamRecord): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? "" : ` (${entries.map(([k, v]) => `${k}=${v}`).join(", ")})`;
}

/** The one-line summary: verdict, spec, counts and speed. */
export function summaryLine(r: Report): string {
  const who = `${r.spec}${r.variant === "default" ? "" : ` --variant ${r.variant}`}${formatParams(r.params)}`;
  const counts = `${r.distinctStates.toLocaleString("en-US")} distinct states, ${r.generatedStates.toLocaleString("en-US")} generated, depth ${r.maxDepth}, ${(r.durationMs / 1000).toFixed(2)} s (${r.statesPerSecond.toLocaleString("en-US")} states/s)`;
  switch (r.result) {
    case "ok":
      return `OK: ${who}: every property holds; ${counts}`;
    case "violation":
      return `VIOLATION: ${who}: ${r.propertyKind} "${r.property}" is violated after ${(r.trace?.length ?? 1) - 1} steps; ${counts}`;
    case "incomplete":
      return `INCOMPLETE: ${who}: ${r.limit ? LIMIT_TEXT[r.limit] : "stopped"} with no violation found; ${counts}`;
  }
}

/** The full text report: the summary, then the trace with only the fields that changed per step. */
export function formatReportText(r: Report): string {
  const lines = [summaryLine(r)];
  if (r.trace) lines.push("", `Counterexample (${r.trace.length - 1} steps):`, formatTraceText(r.trace, { sets: r.sets }));
  return lines.join("\n");
}

/** The exit code of the CLI contract: 0 ok, 1 violation, 3 incomplete. */
export function exitCodeOf(r: Pick<Report, "result">): 0 | 1 | 3 {
  return r.result === "ok" ? 0 : r.result === "violation" ? 1 : 3;
}
