import { describeState, linearizationViolation } from "./explain.js";
import { canonicalJson } from "./json.js";
import type { AnyModel, QuickViolation } from "./model.js";
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
   * operations (default [16, 64]), after one round of the search bounded by
   * `searchFirstPerOperation` configurations per operation (default 4; 0: the
   * windows first) that gave up.
   */
  readonly windows?: { readonly minOperations?: number; readonly searchFirstPerOperation?: number } & WindowOptions;
  /**
   * Use the model's exact fast decision ({@link AnyModel.decide}: for the
   * register, polynomial when every written value is distinct) on the
   * partitions it covers, instead of the search. Default true.
   */
  readonly decide?: boolean;
}

/** The linearizability search, restarted with alternating candidate orders. */
const linearizationSearch = withRestarts(searchLinearization);

/** Partitions at least this long get the windowed check before the full search. */
const WINDOW_MIN_OPERATIONS = 400;
/** Configurations per operation of the search before the windows (see {@link quickCheck}). */
const DIRECT_PER_OPERATION = 4;
/** Partitions shorter than this are searched at once, without the model's quick test. */
const QUICK_MIN_OPERATIONS = 300;
/** Configurations each remaining partition may use once another partition is known to violate. */
const OTHER_PARTITIONS_AFTER_VIOLATION = 20_000;
/** A quick violation on a partition this short is explained by a full search too. */
const EXPLAIN_MAX_OPERATIONS = 2000;

/** A search over one prepared partition, shared by the model-based checkers. */
export type PartitionSearch = (
  p: PreparedPartition,
  space: StateSpace,
  clock: BudgetClock,
  options?: SearchOptions,
) => SearchOutcome;

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
export function checkOperationsLinearizable(
  ops: readonly Operation[],
  model: AnyModel,
  options: CheckOptions = {},
): CheckReport {
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
  const witness = new Array<readonly Operation[]>(partitions.length);
  const violations: { index: number; violation: Violation }[] = [];
  let unknown: { reason: UnknownReason; partition: string | null } | undefined;
  let configurations = 0;
  for (const i of order) {
    const p = partitions[i]!;
    if (unknown !== undefined || (violations.length > 0 && options.firstViolationOnly === true)) {
      summaries[i] = { partition: p.key, operations: p.ops.length, result: "unknown", configurations: 0 };
      continue;
    }
    const decided =
      consistency === "linearizable" && options.decide !== false ? decidePartition(p, model, clock) : undefined;
    if (decided !== undefined) {
      configurations += decided.configurations;
      const result = decided.violation === undefined ? "ok" : "violation";
      summaries[i] = { partition: p.key, operations: p.ops.length, result, configurations: decided.configurations };
      if (decided.violation === undefined) witness[i] = decided.order;
      else violations.push({ index: i, violation: decided.violation });
      continue;
    }
    // Once a partition is known to violate, the others only get a short search each, to report more violations cheaply.
    const afterViolation = violations.length > 0 ? { maxConfigurations: OTHER_PARTITIONS_AFTER_VIOLATION } : {};
    const space = new StateSpace(model, p.ops);
    // Before the windows of a long partition, one round of the search with a few configurations per operation:
    // it linearizes most linearizable histories at once, and the windows then cost nothing.
    const perOperation = options.windows?.searchFirstPerOperation ?? DIRECT_PER_OPERATION;
    const cap = Math.min(perOperation * p.ops.length, afterViolation.maxConfigurations ?? Infinity);
    const direct = (): SearchOutcome | undefined =>
      cap > 0 ? searchLinearization(p, space, clock, { maxConfigurations: cap }) : undefined;
    const quick =
      consistency === "linearizable" && options.quickChecks !== false
        ? quickCheck(p, model, clock, options.windows ?? {}, direct)
        : undefined;
    if (quick !== undefined) {
      configurations += quick.configurations;
      if (quick.violation !== undefined) {
        summaries[i] = {
          partition: p.key,
          operations: p.ops.length,
          result: "violation",
          configurations: quick.configurations,
        };
        violations.push({ index: i, violation: quick.violation });
        continue;
      }
      if (quick.stopped !== undefined) {
        summaries[i] = {
          partition: p.key,
          operations: p.ops.length,
          result: "unknown",
          configurations: quick.configurations,
        };
        unknown = { reason: quick.stopped, partition: p.key };
        continue;
      }
    }
    const outcome = quick?.outcome ?? search(p, space, clock, afterViolation);
    configurations += outcome.configurations;
    const result = outcome.kind === "ok" ? "ok" : outcome.kind;
    summaries[i] = { partition: p.key, operations: p.ops.length, result, configurations: outcome.configurations };
    if (outcome.kind === "ok") {
      witness[i] = outcome.order.map((k) => p.ops[k]!);
    } else if (outcome.kind === "violation") {
      const prefix = outcome.prefix.map((k) => p.ops[k]!);
      const noun = consistency === "linearizable" ? "linearization" : "serialization";
      violations.push({
        index: i,
        violation: linearizationViolation(model, p.key, prefix, space.state(outcome.state), p.ops, noun),
      });
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
 * The sound shortcuts: the model's quick violation test, then on long
 * partitions one round of the search bounded by a few configurations per
 * operation (its verdict, if it reaches one, is the partition's; it decides
 * most histories in linear time) and, when that round gives up, the windowed
 * check. A quick violation on a short partition is explained with the full
 * search's longest partial linearization.
 */
function quickCheck(
  p: PreparedPartition,
  model: AnyModel,
  clock: BudgetClock,
  windows: { readonly minOperations?: number } & WindowOptions,
  direct: () => SearchOutcome | undefined,
): { violation: Violation | undefined; configurations: number; stopped?: UnknownReason; outcome?: SearchOutcome } {
  // On short partitions the search is fast and explains anyway: skip the quick test there.
  const found = p.ops.length < QUICK_MIN_OPERATIONS ? undefined : model.quickViolation?.(p.ops);
  if (found !== undefined) return explainQuick(p, model, clock, found);
  if (p.ops.length < (windows.minOperations ?? WINDOW_MIN_OPERATIONS) || model.windowStates === undefined)
    return { violation: undefined, configurations: 0 };
  const first = direct();
  if (first !== undefined && (first.kind !== "unknown" || first.reason !== "limit"))
    return { violation: undefined, configurations: 0, outcome: first };
  const { violation, configurations: windowConfigurations, stopped } = findViolatingWindow(p, model, clock, windows);
  const configurations = (first?.configurations ?? 0) + windowConfigurations;
  if (violation === undefined)
    return { violation: undefined, configurations, ...(stopped === undefined ? {} : { stopped }) };
  const prefix = violation.prefix.map((k) => violation.ops[k]!);
  const v = linearizationViolation(model, p.key, prefix, violation.state, violation.ops);
  const where = p.key === null ? "" : `key ${JSON.stringify(p.key)}: `;
  const message =
    `${where}the operations invoked from operation ${violation.first.id + 1} to ${violation.last.id + 1} cannot be linearized ` +
    `whatever the state before them. ${capitalize(v.message.slice(where.length))}`;
  return { violation: { ...v, message }, configurations };
}

/**
 * A violation found without the search (a quick test or the model's exact
 * decision), explained on a short partition with the full search's longest
 * partial linearization.
 */
function explainQuick(
  p: PreparedPartition,
  model: AnyModel,
  clock: BudgetClock,
  found: QuickViolation,
): { violation: Violation; configurations: number } {
  const where = p.key === null ? "" : `key ${JSON.stringify(p.key)}: `;
  if (p.ops.length <= EXPLAIN_MAX_OPERATIONS) {
    const space = new StateSpace(model, p.ops);
    const outcome = searchLinearization(p, space, clock, { maxConfigurations: 200_000 });
    if (outcome.kind === "violation") {
      const prefix = outcome.prefix.map((k) => p.ops[k]!);
      const v = linearizationViolation(model, p.key, prefix, space.state(outcome.state), p.ops);
      return {
        violation: { ...v, message: `${where}${found.message}. ${capitalize(v.message.slice(where.length))}` },
        configurations: outcome.configurations,
      };
    }
  }
  const violation: Violation = {
    partition: p.key,
    message: where + found.message,
    prefix: [],
    state: describeState(model, model.init()),
    stuck: found.operations,
  };
  return { violation, configurations: 0 };
}

/**
 * The model's exact decision of a partition ({@link AnyModel.decide}), or
 * `undefined` when it does not cover it. A returned order is replayed first:
 * one that does not replay (a faulty user model) leaves the partition to the
 * search.
 */
function decidePartition(
  p: PreparedPartition,
  model: AnyModel,
  clock: BudgetClock,
):
  | { order: readonly Operation[]; violation?: undefined; configurations: 0 }
  | { violation: Violation; configurations: number }
  | undefined {
  const decision = model.decide?.(p.ops);
  if (decision === undefined) return undefined;
  if (decision.kind === "violation") return explainQuick(p, model, clock, decision);
  return replays(decision.order, p, model) ? { order: decision.order, configurations: 0 } : undefined;
}

/**
 * Whether `order` is a linearization of the partition: each definite operation once, real time respected, every step
 * legal.
 */
function replays(order: readonly Operation[], p: PreparedPartition, model: AnyModel): boolean {
  const mine = new Map<number, Operation>();
  for (const op of p.ops) mine.set(op.id, op);
  const seen = new Set<number>();
  let definite = 0;
  let latestCall = -Infinity;
  const keyOf = (state: unknown): unknown => (model.key === undefined ? canonicalJson(state) : model.key(state));
  let states: unknown[] = [model.init()];
  for (const op of order) {
    if (mine.get(op.id) !== op || seen.has(op.id)) return false;
    seen.add(op.id);
    if (op.status !== "unknown") definite++;
    // An operation completed before an earlier-placed one was invoked: real time is broken.
    if (op.status !== "unknown" && op.end! < latestCall) return false;
    if (op.call > latestCall) latestCall = op.call;
    if (states.length === 1) {
      // The common, deterministic case: no set of states to build.
      const after = model.step(states[0], op);
      if (after.length <= 1) {
        if (after.length === 0) return false;
        states = [after[0]];
        continue;
      }
    }
    const next = new Map<unknown, unknown>();
    for (const state of states) for (const s of model.step(state, op)) next.set(keyOf(s), s);
    if (next.size === 0) return false;
    states = [...next.values()];
  }
  return definite === p.definiteCount;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
