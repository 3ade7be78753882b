/**
 * Assertions that check a spec inside a test: they run the checker and throw
 * an error carrying the report's text (summary, counterexample, and for random
 * runs the seed and path that repeat it) when the expectation fails. They work
 * in any test runner; nothing here imports vitest.
 */
import {
  checkSpec,
  formatReportText,
  replayHint,
  type CheckOptions,
  type RandomReport,
  type Report,
} from "../checker/index.js";
import type { ParamRecord, AnySpec } from "../src/index.js";

/** A failed spec expectation; `report` is the checker's report. */
export class SpecExpectationError extends Error {
  override name = "SpecExpectationError";
  constructor(
    message: string,
    readonly report: Report,
  ) {
    super(message);
  }
}

/** What `toViolate` may also pin down. */
export interface ViolationExpectation {
  readonly variant?: string;
  readonly params?: ParamRecord;
  /** The trace must have exactly this many steps (BFS gives the shortest). */
  readonly steps?: number;
  /** The trace may have at most this many steps (useful with the random strategy). */
  readonly atMostSteps?: number;
}

/** The assertions `expectSpec` offers; each returns the report it checked. */
export interface SpecExpectation {
  /**
   * Every property holds. With an exhaustive strategy (default BFS) the
   * search must complete (`ok`); with `strategy: "random"`, which never proves
   * anything, no walk may find a violation within its budget.
   */
  toHoldAll(): Report;
  /** Checking finds `property` violated (by the variant given here or to `expectSpec`). */
  toViolate(property: string, expectation?: ViolationExpectation): Report;
  /** Every variant that declares `violates` is caught violating that property; returns their reports. */
  toCatchEveryBrokenVariant(): Report[];
}

/**
 * Checks a spec inside a test.
 * @example
 * expectSpec(twoPhaseCommit, { params: { rms: 4 } }).toHoldAll();
 * expectSpec(twoPhaseCommit).toViolate("consistent", { variant: "commit-without-all-prepared", steps: 3 });
 * expectSpec(twoPhaseCommit, { strategy: "random", seed: 1 }).toViolate("consistent", {
 *   variant: "abort-after-commit",
 *   atMostSteps: 12,
 * });
 */
export function expectSpec(spec: AnySpec, options: CheckOptions = {}): SpecExpectation {
  return {
    toHoldAll() {
      const report = checkSpec(spec, options);
      const holds = report.result === "ok" || (report.strategy === "random" && report.result === "incomplete");
      if (!holds) fail(`expected every property of ${who(report)} to hold`, report);
      return report;
    },
    toViolate(property, expectation = {}) {
      const report = checkSpec(spec, {
        ...options,
        ...(expectation.variant === undefined ? {} : { variant: expectation.variant }),
        ...(expectation.params === undefined ? {} : { params: { ...options.params, ...expectation.params } }),
      });
      const what = `expected ${who(report)} to violate "${property}"`;
      if (report.result !== "violation" || report.property !== property) fail(what, report);
      const steps = report.trace!.length - 1;
      if (expectation.steps !== undefined && steps !== expectation.steps)
        fail(`${what} in exactly ${expectation.steps} steps`, report);
      if (expectation.atMostSteps !== undefined && steps > expectation.atMostSteps)
        fail(`${what} in at most ${expectation.atMostSteps} steps`, report);
      return report;
    },
    toCatchEveryBrokenVariant() {
      const broken = spec.variants.filter((v) => v.violates !== undefined);
      if (broken.length === 0)
        throw new Error(`spec "${spec.name}" declares no broken variant (a variant with \`violates\`)`);
      return broken.map((v) => this.toViolate(v.violates!, { variant: v.name }));
    },
  };
}

function who(report: Report): string {
  return `${report.spec}${report.variant === "default" ? "" : ` --variant ${report.variant}`} (${report.strategy})`;
}

function fail(what: string, report: Report): never {
  const lines = [`${what}; got:`, formatReportText(report)];
  if (report.strategy === "random") lines.push(replayHint(report as RandomReport));
  throw new SpecExpectationError(lines.join("\n"), report);
}
