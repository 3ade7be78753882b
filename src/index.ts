/**
 * Interleave's public API: define specs and protocols as pure reducers, with
 * named properties; the checker (`interleave-check/checker`) explores them.
 *
 * Every name is listed: what is not here (hash mixers, property binding,
 * ITF value codecs...) is internal to the kernel and may change.
 */
export { ParamError, bool, int, oneOf, paramTypeName, parseParamValue, resolveParams } from "./params.js";
export type {
  BoolParam,
  EnumParam,
  IntParam,
  ParamDef,
  ParamRecord,
  ParamValue,
  ParamValues,
  ParamsSchema,
} from "./params.js";
export { NotPlainDataError, assertPlainData, deepEqual, fingerprint } from "./fingerprint.js";
export type { Fingerprint } from "./fingerprint.js";
export { compareElements, setAdd, setHas, setOf, setRemove } from "./sets.js";
export type { SetElement } from "./sets.js";
export {
  OptionError,
  SpecDefinitionError,
  SpecRuntimeError,
  UnknownChoiceError,
  actionOfLabel,
  alwaysEventually,
  asymmetric,
  atTermination,
  choose,
  defineSpec,
  deriveModel,
  eventually,
  findVariant,
  invariant,
  isLiveness,
  leadsTo,
  onEveryStep,
  onlyProperty,
  propertiesOfKind,
  selectProperties,
  sometimes,
} from "./spec.js";
export type {
  ActionActivity,
  ActionDef,
  ActionProperty,
  ActionsDef,
  AlwaysEventuallyProperty,
  AnySpec,
  ChoiceAction,
  Deferred,
  DeferredCall,
  Emit,
  EventuallyProperty,
  FinalProperty,
  InstantiateOptions,
  InvariantProperty,
  LeadsToProperty,
  LivenessKind,
  Model,
  ModelProperty,
  Property,
  PropertyCheck,
  PropertyKind,
  PropertyOf,
  SometimesProperty,
  Spec,
  SpecDefinition,
  StateCodec,
  SuccessorSink,
  VariantDef,
  VariantInfo,
} from "./spec.js";
export type { Fairness, FairnessLevel } from "./fairness.js";
export {
  become,
  broadcast,
  cancelTimer,
  defineProtocol,
  defineRole,
  describeInput,
  nodeOf,
  nodesOf,
  record,
  reply,
  send,
  setTimer,
} from "./protocol.js";
export type {
  Effect,
  Envelope,
  FaultBudget,
  InputKind,
  NetworkKind,
  NodeContext,
  NodeId,
  NodeSetup,
  ProtocolDefinition,
  ProtocolSpec,
  ProtocolState,
  ProtocolStateOf,
  ProtocolVariantDef,
  RoleDef,
  RoleMessage,
  RoleState,
  RoleStates,
  RoleTimer,
  Step,
  TimerEntry,
  TypedProtocolState,
  WithRoleStates,
} from "./protocol.js";
export { startNode } from "./node.js";
export type { HandleOptions, NodeOptions, RunningNode } from "./node.js";
export { diffStates, formatChange, formatPath, formatTraceText, isProtocolState, show } from "./trace.js";
export type { Change, DiffOptions, LoopOptions, Trace, TraceStep } from "./trace.js";
export type { EventType, History, HistoryEvent, Json } from "./history/types.js";
export { numberedIds } from "./names.js";
export {
  TraceFormatError,
  fromItf,
  readTrace,
  sequenceSvg,
  toHtml,
  toItf,
  toMermaid,
  toTraceJson,
} from "./trace-formats.js";
export type { ItfValue, ReadTrace, SequenceEvent, SequenceOptions, TraceJson, TraceSource } from "./trace-formats.js";
export { DEFAULT_CHOICE_MS, DEFAULT_TIMER_MS, isRuntimeClientId } from "./runtime-config.js";
export { MAELSTROM_ERROR_CODES, MaelstromError } from "./maelstrom-config.js";
export type {
  MaelstromBody,
  MaelstromErrorBody,
  MaelstromErrorCode,
  MaelstromMapping,
  MaelstromRequest,
} from "./maelstrom-config.js";
export type {
  ClientAnswer,
  ClientOperation,
  HostControl,
  InputOutcome,
  LocalAction,
  NodeDriver,
  NodeStatus,
  RuntimeConfig,
  RuntimeParamValues,
  WorkloadConfig,
} from "./runtime-config.js";
