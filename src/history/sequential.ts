import { checkOperations, checkOperationsLinearizable, type CheckOptions } from "./linearizability.js";
import type { AnyModel } from "./model.js";
import { operationsOf, type Operation } from "./operations.js";
import type { CheckReport } from "./result.js";
import { searchSequential } from "./search/sequential.js";
import { withRestarts } from "./search/restarts.js";
import type { History } from "./types.js";

/** The sequential consistency search, restarted with alternating candidate orders. */
const sequentialSearch = withRestarts(searchSequential);

/**
 * Decides whether a history is sequentially consistent with respect to a
 * model: some total order of the operations keeps each process's operations in
 * program order and is legal for the model (real time across processes does
 * not matter). Operations with an unknown outcome may take effect any time
 * after their process's earlier operations, or never.
 *
 * Sequential consistency is not compositional, so the model's partitions only
 * serve as sound shortcuts: a linearizable history (checked per partition) is
 * sequentially consistent, and a partition that is not sequentially consistent
 * makes the whole history inconsistent. Otherwise the whole history is
 * searched.
 *
 * @example
 * const report = checkSequentialConsistency(history, registerModel);
 * report.result // "sequential" | "violation" | "unknown"
 */
export function checkSequentialConsistency(history: History, model: AnyModel, options: CheckOptions = {}): CheckReport {
  return checkOperationsSequential(operationsOf(history), model, options);
}

/** Sequential consistency of already-paired operations; see {@link checkSequentialConsistency}. */
export function checkOperationsSequential(
  ops: readonly Operation[],
  model: AnyModel,
  options: CheckOptions = {},
): CheckReport {
  const start = performance.now();
  const deadline = options.timeoutMs === undefined ? undefined : start + options.timeoutMs;
  const remaining = (): CheckOptions =>
    deadline === undefined ? options : { ...options, timeoutMs: Math.max(1, deadline - performance.now()) };
  if (options.quickChecks !== false) {
    const lin = checkOperationsLinearizable(ops, model, { ...remaining(), firstViolationOnly: true });
    if (lin.result === "linearizable")
      return { ...lin, consistency: "sequential", result: "sequential", durationMs: performance.now() - start };
  }
  const partitioned = model.partition !== undefined && options.partition !== false;
  if (partitioned) {
    const parts = checkOperations(ops, model, remaining(), "sequential", sequentialSearch);
    if (parts.result !== "sequential" || parts.partitions <= 1)
      return { ...parts, durationMs: performance.now() - start };
  }
  const whole = checkOperations(ops, model, { ...remaining(), partition: false }, "sequential", sequentialSearch);
  return { ...whole, durationMs: performance.now() - start };
}
