/**
 * Checking recorded histories: parsers for Jepsen logs, Jepsen key-value
 * lines and JSON Lines; linearizability (Wing-Gong/Lowe search with
 * memoization, P-compositional, unknown outcomes, nondeterministic models),
 * sequential consistency, causal consistency and session guarantees;
 * explanations as text and HTML; an incremental checker for growing histories.
 */
export type { EventType, History, HistoryEvent, Json } from "./types.js";
export { HistoryInputError, HistoryParseError, type InputLocation } from "./errors.js";
export {
  detectFormat,
  FORMAT_NAMES,
  formatByName,
  parseHistory,
  readHistoryFile,
  toJsonLines,
  type HistoryFormat,
  type ParseOptions,
  type ParsedHistory,
} from "./formats/index.js";
export {
  describeOperationDefault,
  toOperations,
  type EventSource,
  type Operation,
  type OperationStatus,
} from "./operations.js";
export {
  ignoreFailed,
  type AnyModel,
  type CompiledModel,
  type Decision,
  type Model,
  type QuickViolation,
} from "./model.js";
export { kvModel, modelByName, MODELS, registerModel, type KvState } from "./models/index.js";
export type {
  Budget,
  CheckProgress,
  CheckReport,
  Consistency,
  PartitionSummary,
  SatisfiedReport,
  UnknownReason,
  UnknownReport,
  Violation,
  ViolationReport,
} from "./result.js";
export { checkLinearizability, checkOperationsLinearizable, type CheckOptions } from "./linearizability.js";
export { checkOperationsSequential, checkSequentialConsistency } from "./sequential.js";
export { checkCausalConsistency, checkOperationsCausal } from "./causal.js";
export {
  checkOperationsSession,
  checkSessionGuarantees,
  SESSION_GUARANTEES,
  type SessionGuarantee,
  type SessionOptions,
} from "./session.js";
export { checkHistory, CONSISTENCY_NAMES, type ConsistencyCheckOptions } from "./check.js";
export {
  createIncrementalChecker,
  type IncrementalChecker,
  type IncrementalOptions,
  type IncrementalStats,
} from "./incremental.js";
export { describeOperation, describeState, formatViolations } from "./explain.js";
export { renderHtmlReport, type HtmlReportInput } from "./html.js";
export { defaultMaxResidentBytes } from "./search/budget.js";
