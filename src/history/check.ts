import { checkOperationsCausal } from "./causal.js";
import { HistoryInputError } from "./errors.js";
import { checkOperationsLinearizable, type CheckOptions } from "./linearizability.js";
import type { AnyModel } from "./model.js";
import { operationsOf } from "./operations.js";
import type { CheckReport, Consistency } from "./result.js";
import { checkOperationsSequential } from "./sequential.js";
import { checkOperationsSession, SESSION_GUARANTEES, type SessionGuarantee } from "./session.js";
import type { History } from "./types.js";

/** Every accepted consistency name: the four models and the single session guarantees. */
export const CONSISTENCY_NAMES: readonly (Consistency | SessionGuarantee)[] = [
  "linearizable",
  "sequential",
  "causal",
  "session",
  ...SESSION_GUARANTEES,
];

/** Options of {@link checkHistory}. */
export interface ConsistencyCheckOptions extends CheckOptions {
  /** Default `linearizable`; a single session guarantee name checks only that guarantee. */
  readonly consistency?: Consistency | SessionGuarantee;
  /** Required for `linearizable` and `sequential`; ignored by the read/write checks. */
  readonly model?: AnyModel;
}

/**
 * Checks a history against one consistency model: the entry point for
 * callers that choose the model at run time (the CLI, spec properties).
 *
 * @example
 * checkHistory(history, { consistency: "sequential", model: kvModel }).result
 */
export function checkHistory(history: History, options: ConsistencyCheckOptions = {}): CheckReport {
  const consistency = options.consistency ?? "linearizable";
  const ops = operationsOf(history);
  switch (consistency) {
    case "linearizable":
    case "sequential": {
      if (options.model === undefined) throw new HistoryInputError(`${consistency} checking needs a model`);
      return consistency === "linearizable"
        ? checkOperationsLinearizable(ops, options.model, options)
        : checkOperationsSequential(ops, options.model, options);
    }
    case "causal":
      return checkOperationsCausal(ops, options);
    case "session":
      return checkOperationsSession(ops, options);
    default:
      if (!SESSION_GUARANTEES.includes(consistency)) {
        throw new HistoryInputError(
          `unknown consistency "${String(consistency)}"; choose one of ${CONSISTENCY_NAMES.join(", ")}`,
        );
      }
      return checkOperationsSession(ops, { ...options, guarantees: [consistency] });
  }
}
