/**
 * Testing helpers (`interleave-check/testing`): check specs inside tests, draw
 * parameter values with fast-check, test real implementations against specs
 * and models with `fc.commands`, and explore the interleavings of async code
 * built on verified reducers with `fc.scheduler`.
 *
 * Kept out of the main entry point: it pulls in the checker. Nothing here
 * imports vitest; the helpers throw errors any test runner reports.
 */
export { expectSpec, SpecExpectationError, type SpecExpectation, type ViolationExpectation } from "./expect-spec.js";
export { paramsArbitrary, type ParamBound } from "./params.js";
export {
  modelBasedTest,
  ModelDivergenceError,
  type Invocation,
  type ModelBasedOptions,
  type ModelBasedResult,
  type OperationModel,
  type OperationTestOptions,
  type SpecTestOptions,
} from "./model-based.js";
export {
  checkInterleavings,
  InterleavingError,
  ScheduledService,
  type InterleavingOptions,
  type InterleavingResult,
  type ServiceCall,
  type ServiceReducer,
} from "./interleavings.js";
