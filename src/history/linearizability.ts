import { describeState, linearizationViolation } from "./explain.js";
import type { AnyModel } from "./model.js";
import { operationsOf, type Operation } from "./operations.js";
import type { Budget, CheckReport, PartitionSummary, UnknownReason, Violation } from "./result.js";
import { BudgetClock } from "./search/budget.js";
import { preparePartitions, type PartitionOptions, type PreparedPartition } from "./search/partition.js";
import { StateSpace } from "./search/state-space.js";
import type { SearchOptions, SearchOutcome } from "./search/engine.js";
import { searchLinearization } from "./search/wgl.js";
import { findViolatingWindow, type WindowOptions } from "./search/window.js";
import { withRestarts } from "./search/restarts.js";
import type { History } from "./types.js";

/** Options of the model-based checkers (linearizability, sequential consistency). */
export interface CheckOptions extends Budget, PartitionOptions {
  /** Stop at the first violating partition instead of explaining all of them. Default false. */
  readonly firstViolationOnly?: boolean;
  /**
   * Use the model's sound shortcuts to reject without a full search (its
   * `quickViolation` and, on long partitions, the windowed check). Default true.
   */
  readonly quickChecks?: boolean;
  /**
   * Tuning of the windowed check: it runs on partitions of at least
   * `minOperations` operations (default 400) with windows of `sizes`
   * operations (default [16, 64]).
   */
  readonly windows?: { readonly minOperations?: number } & WindowOptions;
}

/** The linearizability search, restarted with alternating candidate orders. */
const linearizationSearch = withRestarts(searchLinearization);

/** Partitions at least this long get the windowed check before the full search. */
const WINDOW_MIN_OPERATIONS = 400;
/** Partitions shorter than this are searched at once, without the model's quick test. */
const QUICK_MIN_OPERATIONS = 300;
/** Configurations each remaining partition may use once another partition is known to violate. */
const OTHER_PARTITIONS_AFTER_VIOLATION = 20_000;
/** A quick violation on a partition this short is explained by a full search too. */
const EXPLAIN_MAX_OPERATIONS = 2000;

/** A search over one prepared partition, shared by the model-based checkers. */
export type PartitionSearch = (p: PreparedPartition, space: StateSpace, clock: BudgetClock, options?: SearchOptions) => SearchOutcome;

/**
 * Decides whether a history is linearizable with respect to a model.
 *
 * P-compositional: when the model partitions operations (by key), each part is
 * checked on its own. Operations with an unknown outcome may take effect at any
 * time after their invocation, or never. The search is Wing & Gong's with
 * Lowe's memoization (as Porcupine), see {@link searchLinearization}.
 *
 * @example
 * const report = checkLinearizability(history, registerModel, { timeoutMs: 10_000 });
 * if (report.result === "violation") console.log(formatViolations(report.violations));
 */
export function checkLinearizability(history: History, model: AnyModel, options: CheckOptions = {}): CheckReport {
  return checkOperations(operationsOf(history), model, options, "linearizable", linearizationSearch);
}

/** Linearizability of already-paired operations; see {@link checkLinearizability}. */
export function checkOperationsLinearizable(ops: readonly Operation[], model: AnyModel, options: CheckOptions = {}): CheckReport {
  return checkOperations(ops, model, options, "linearizable", linearizationSearch);
}

/** Runs a partition search over every partition and assembles the report. */
export function checkOperations(
  ops: readonly Operation[],
  model: AnyModel,
  options: CheckOptions,
  consistency: "linearizable" | "sequential",
  search: PartitionSearch,
): CheckReport {
  const clock = new BudgetClock(options);
  const partitions = preparePartitions(ops, model, options);
  // Small partitions first: a violation there is found before a big one eats the budget.
  const order = partitions.map((_, i) => i).sort((a, b) => partitions[a]!.ops.length - partitions[b]!.ops.length);
  const summaries = new Array<PartitionSummary>(partitions.length);
  const witness = new Array<Operation[]>(partitions.length);
  const violations: { index: number; violation: Violation }[] = [];
  let unknown: { reason: UnknownReason; partition: string | null } | undefined;
  let configurations = 0;
  for (const i of order) {
    const p = partitions[i]!;
    if (unknown !== undefined || (violations.length > 0 && options.firstViolationOnly === true)) {
      summaries[i] = { partition: p.key, operations: p.ops.length, result: "unknown", configurations: 0 };
      continue;
    }
    // Once a partition is known to violate, the others only get a short search each, to report more violations cheaply.
    const afterViolation = violations.length > 0 ? { maxConfigurations: OTHER_PARTITIONS_AFTER_VIOLATION } : {};
    const quick = consistency === "linearizable" && options.quickChecks !== false ? quickCheck(p, model, clock, options.windows ?? {}) : undefined;
    if (quick !== undefined) {
      configurations += quick.configurations;
      if (quick.violation !== undefined) {
        summaries[i] = { partition: p.key, operations: p.ops.length, result: "violation", configurations: quick.configurations };
        violations.push({ index: i, violation: quick.violation });
        continue;
      }
      if (quick.stopped !== undefined) {
        summaries[i] = { partition: p.key, operations: p.ops.length, result: "unknown", configurations: quick.configurations };
        unknown = { reason: quick.stopped, partition: p.key };
        continue;
      }
    }
    const space = new StateSpace(model, p.ops);
    const outcome = search(p, space, clock, afterViolation);
    configurations += outcome.configurations;
    const result = outcome.kind === "ok" ? "ok" : outcome.kind;
    summaries[i] = { partition: p.key, operations: p.ops.length, result, configurations: outcome.configurations };
    if (outcome.kind === "ok") {
      witness[i] = outcome.order.map((k) => p.ops[k]!);
    } else if (outcome.kind === "violation") {
      const prefix = outcome.prefix.map((k) => p.ops[k]!);
      const noun = consistency === "linearizable" ? "linearization" : "serialization";
      violations.push({ index: i, violation: linearizationViolation(model, p.key, prefix, space.state(outcome.state), p.ops, noun) });
    } else if (outcome.reason !== "limit") {
      unknown = { reason: outcome.reason, partition: p.key };
    }
  }
  const base = {
    consistency,
    model: model.name ?? "custom",
    operations: ops.length,
    partitions: partitions.length,
    configurations,
    durationMs: clock.elapsedMs(),
    partitionSummaries: summaries,
  };
  if (violations.length > 0) {
    violations.sort((a, b) => a.index - b.index);
    return { ...base, result: "violation", violations: violations.map((v) => v.violation) };
  }
  if (unknown !== undefined) {
    const where = unknown.partition === null ? "" : ` in partition ${JSON.stringify(unknown.partition)}`;
    const what = unknown.reason === "timeout" ? "the time limit" : "the memory limit";
    return {
      ...base,
      result: "unknown",
      reason: unknown.reason,
      message: `stopped at ${what}${where} after ${configurations} configurations; no violation found so far`,
    };
  }
  return { ...base, result: consistency, witness: witness.filter((w) => w !== undefined) };
}

/**
 * The sound shortcuts: the model's quick violation test, then (on long
 * partitions) the windowed check. A quick violation on a short partition is
 * explained with the full search's longest partial linearization.
 */
function quickCheck(
  p: PreparedPartition,
  model: AnyModel,
  clock: BudgetClock,
  windows: { readonly minOperations?: number } & WindowOptions,
): { violation: Violation | undefined; configurations: number; stopped?: UnknownReason } {
  // On short partitions the search is fast and explains anyway: skip the quick test there.
  const found = p.ops.length < QUICK_MIN_OPERATIONS ? undefined : model.quickViolation?.(p.ops);
  if (found !== undefined) {
    const where = p.key === null ? "" : `key ${JSON.stringify(p.key)}: `;
    if (p.ops.length <= EXPLAIN_MAX_OPERATIONS) {
      const space = new StateSpace(model, p.ops);
      const outcome = searchLinearization(p, space, clock, { maxConfigurations: 200_000 });
      if (outcome.kind === "violation") {
        const prefix = outcome.prefix.map((k) => p.ops[k]!);
        const v = linearizationViolation(model, p.key, prefix, space.state(outcome.state), p.ops);
        return { violation: { ...v, message: `${where}${found.message}. ${capitalize(v.message.slice(where.length))}` }, configurations: outcome.configurations };
      }
    }
    const violation: Violation = { partition: p.key, message: where + found.message, prefix: [], state: describeState(model, model.init()), stuck: found.operations };
    return { violation, configurations: 0 };
  }
  if (p.ops.length < (windows.minOperations ?? WINDOW_MIN_OPERATIONS) || model.windowStates === undefined) return { violation: undefined, configurations: 0 };
  const { violation, configurations, stopped } = findViolatingWindow(p, model, clock, windows);
  if (violation === undefined) return { violation: undefined, configurations, ...(stopped === undefined ? {} : { stopped }) };
  const prefix = violation.prefix.map((k) => violation.ops[k]!);
  const v = linearizationViolation(model, p.key, prefix, violation.state, violation.ops);
  const where = p.key === null ? "" : `key ${JSON.stringify(p.key)}: `;
  const message =
    `${where}the operations invoked from operation ${violation.first.id + 1} to ${violation.last.id + 1} cannot be linearized ` +
    `whatever the state before them. ${capitalize(v.message.slice(where.length))}`;
  return { violation: { ...v, message }, configurations };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
