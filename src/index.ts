/**
 * Interleave's public API: define specs and protocols as pure reducers, with
 * named properties; the checker (`interleave-check/checker`) explores them.
 */
export * from "./params.js";
export * from "./fingerprint.js";
export * from "./sets.js";
export * from "./spec.js";
export * from "./fairness.js";
export * from "./protocol.js";
export * from "./runtime-config.js";
export * from "./node.js";
export * from "./trace.js";
export type { EventType, History, HistoryEvent, Json } from "./history/types.js";
export * from "./symmetry.js";
export * from "./names.js";
export * from "./trace-formats.js";
