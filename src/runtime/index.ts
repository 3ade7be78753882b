/**
 * The runtime's public API (`interleave-check/runtime`): run a protocol spec
 * as a cluster of real node processes over UDP or TCP, under a nemesis, and
 * check afterwards that each node's recorded inputs replay through the
 * spec's reducers (conformance). The CLI's `run` and `conform` commands are
 * thin shells around these; everything else in src/runtime/ is internal.
 */
export {
  formatRunSummary,
  runCluster,
  runExitCode,
  type FailedRestart,
  type Latency,
  type RunOptions,
  type RunProgress,
  type RunRecord,
  type RunSummary,
} from "./run.js";
export {
  conform,
  formatConform,
  readRunRecord,
  type ConformResult,
  type Divergence,
  type NodeConformance,
} from "./conform.js";
export { NEMESIS_FAULTS, parseNemesis, type NemesisEvent, type NemesisFault } from "./nemesis.js";
export { TRANSPORTS, type TransportKind } from "./transport.js";
export { loadSpecRef, type SpecRef } from "./spec-ref.js";
export { seededRandom } from "./seeded-random.js";
