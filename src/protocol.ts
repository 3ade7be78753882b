/**
 * Protocols: an actor layer on top of specs. Each node has plain-data local
 * state and a pure reducer over a discriminated union of inputs; the kernel
 * turns a protocol into a transition system: which message is delivered,
 * which timer fires, which node crashes are the choices the checker explores.
 * The same reducers run unchanged in applications and on a real network.
 *
 * The parts, in src/protocol/: the API users write actors with (api.ts),
 * `defineProtocol` (definition.ts), the tuned model the checker drives
 * (model.ts) with its interning and hashing (hashing.ts), the network kinds
 * (network.ts) and fault injection (faults.ts). This file is the layer's
 * public face: the names below, and nothing internal.
 */
export {
  become,
  broadcast,
  cancelTimer,
  defineRole,
  describeInput,
  nodeOf,
  nodesOf,
  record,
  reply,
  restartedState,
  send,
  setTimer,
  type AnyRole,
  type Effect,
  type Envelope,
  type FaultBudget,
  type InputKind,
  type NetworkKind,
  type NodeContext,
  type NodeId,
  type NodeSetup,
  type ProtocolState,
  type ProtocolStateOf,
  type RoleDef,
  type RoleMessage,
  type RoleState,
  type RoleStates,
  type RoleTimer,
  type Step,
  type TimerEntry,
  type TypedProtocolState,
  type WithRoleStates,
} from "./protocol/api.js";
export {
  defineProtocol,
  type ProtocolDefinition,
  type ProtocolSpec,
  type ProtocolVariantDef,
} from "./protocol/definition.js";
