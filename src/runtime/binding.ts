/**
 * How the runtime runs one protocol, derived from its definition: the roles
 * and node ids of its model (`nodes(params)`), the roles of each variant that
 * replaces reducers, durable fields, message types and their shapes (learned
 * from the model, see derive.ts), its client roles (those whose choices
 * record history events), and timers with a default duration. The spec's
 * optional `runtime` field (RuntimeConfig, in the kernel) overrides what a
 * real run needs differently: timer durations, unbounded client roles,
 * declared validators, driver policies, the workload. Nothing here knows a
 * particular spec.
 */
/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   a definition of any protocol is read generically (its schema and roles are erased to any); what comes out is checked
   where it matters: node ids and roles against the model, messages against learned shapes. */
import type { AnyRole, NodeSetup, ProtocolSpec, RoleDef } from "../protocol.js";
import { ParamError, resolveParams, type ParamRecord, type ParamsSchema } from "../params.js";
import {
  DEFAULT_CHOICE_MS,
  DEFAULT_TIMER_MS,
  isRuntimeClientId,
  type LocalAction,
  type NodeDriver,
  type NodeStatus,
  type RuntimeConfig,
  type RuntimeParamValues,
  type WorkloadConfig,
} from "../runtime-config.js";
import { OptionError, type AnySpec } from "../spec.js";
import { learnedFromJson, learnedToJson, learnFromModel, type Learned, type LearnedJson } from "./derive.js";
import { admits, type Shape } from "./shapes.js";

export type { HostControl, LocalAction, NodeDriver, NodeStatus } from "../runtime-config.js";

/** How the runtime runs one protocol (see the module comment). */
export interface RuntimeBinding {
  /** The spec's name. */
  readonly spec: string;
  /** The variants that can run (those that replace a role's reducer), besides the correct protocol. */
  readonly variants: readonly string[];
  /** Runtime parameters (timer durations...), set with `--param k=v`. */
  readonly params: ParamsSchema;
  /** The node processes' ids, in order. */
  readonly nodeIds: readonly string[];
  /** The role of each node process, by id. */
  readonly nodeRoles: Readonly<Record<string, string>>;
  /** The client roles (run by the workload in the orchestrator). */
  readonly clientRoles: readonly string[];
  /** How many clients of each client role the model has. */
  readonly clientCounts: Readonly<Record<string, number>>;
  /** The role `self` runs, for `variant` (undefined: the correct protocol); clients by role name. */
  role(variant: string | undefined, self: string): RoleDef<unknown, unknown, unknown, unknown>;
  /** A client role's reducer for `variant`. */
  clientRole(variant: string | undefined, role: string): RoleDef<unknown, unknown, unknown, unknown>;
  /** The node setup the reducers see. */
  setup(self: string, nodes?: readonly string[]): NodeSetup<unknown>;
  /** The setup a client sees: the node processes, and the clients so far (`c1`..self) as its role's ids. */
  clientSetup(self: string, role: string): NodeSetup<unknown>;
  /** How long `timer` runs, in ms. */
  timerMs(timer: unknown, params: RuntimeParamValues, random: () => number): number;
  /** Node-to-node message validation: the reducer input, or undefined to drop it as invalid. */
  peerInput(msg: Readonly<Record<string, unknown>>): unknown;
  /** Client-to-node message validation. */
  clientInput(msg: Readonly<Record<string, unknown>>): unknown;
  /** Node-to-client message validation (undefined: not a client input; the workload's `answer` may still take it). */
  answerInput(msg: Readonly<Record<string, unknown>>): unknown;
  /** Whether `msg` may leave before the fsync of the state it comes from (see `RuntimeConfig.sendBeforeFsync`). */
  sendBeforeFsync(msg: unknown): boolean;
  /** Message types nodes send each other (others from a peer are `unknownType`). */
  readonly peerTypes: ReadonlySet<string>;
  /** Message types clients send. */
  readonly clientTypes: ReadonlySet<string>;
  /** Whether `id` names a client (clients come and go, so they are recognized by name). */
  isClient(id: string): boolean;
  /** The driver policies of one node. */
  driver?(params: RuntimeParamValues): NodeDriver<unknown, unknown, unknown>;
  /** Applies a local action (pure; conformance replays it). */
  local?(state: unknown, action: LocalAction): unknown;
  /** The node's summary. */
  status(state: unknown, self: string): NodeStatus;
  /** How often a node role with choices takes one (its spontaneous decisions), in ms. */
  readonly choiceMs: number;
  /** Whether nodes report a leader (a run waits for one before the workload starts). */
  readonly leaderBased: boolean;
  /** The client workload. */
  readonly workload: WorkloadConfig;
  /** Model parameter values the reducers see. */
  readonly modelParams: RuntimeParamValues;
  /**
   * The model parameters this run chose over the spec's defaults: its
   * runtime's `modelParams` (Raft: `pipeline=4`...) and `--param`'s. run.json
   * records them, so conform replays a run with the values it ran with even
   * after the runtime's choices change.
   */
  readonly chosenModelParams: ParamRecord;
  /** What was learned from the model, as JSON (undefined: everything is declared). */
  readonly learned: LearnedJson | undefined;
}

/** Any spec: the kernel's existential spec type, re-exported for the runtime's callers. */
export type { AnySpec };

/** Back-compat name: every binding is derived now. */
export type AnyBinding = RuntimeBinding;

/** True for a protocol spec (a user's file may load its own copy of the library, so duck-typed). */
function isProtocolSpec(spec: AnySpec): spec is AnySpec & ProtocolSpec<Readonly<Record<string, AnyRole>>> {
  const s = spec as Partial<ProtocolSpec<unknown>>;
  return typeof s.roles === "object" && s.roles !== null && typeof s.definition === "object" && s.definition !== null;
}

/** What `bindingOf` takes besides the spec. */
export interface BindingOptions {
  /** Node processes (`--nodes`); undefined: the model's own count. */
  readonly nodes?: number | undefined;
  /** What the orchestrator learned from the model (node processes take it rather than learn it again). */
  readonly learned?: LearnedJson | undefined;
  /**
   * Model parameter values set for this run (`--param`, e.g. Raft's
   * `checkQuorum=term`), over the spec's defaults and its runtime's
   * `modelParams`; see {@link splitRunParams}.
   */
  readonly modelParams?: ParamRecord | undefined;
}

/**
 * Splits a run's `--param` values between the spec's runtime parameters
 * (timers, workload) and its model parameters (what `interleave list`
 * shows, e.g. Raft's `checkQuorum=term`), which the reducers see. A runtime
 * parameter wins a name both declare; a name neither declares is an error
 * that lists both kinds. A model parameter that would change the
 * model's nodes is refused: `--nodes` and `--clients` set those. Model values
 * are checked against their schema (a ParamError).
 */
export function splitRunParams(
  spec: AnySpec,
  given: ParamRecord,
): { readonly runtime: ParamRecord; readonly model: ParamRecord } {
  if (!isProtocolSpec(spec)) return { runtime: given, model: {} };
  const def = spec.definition;
  const runtimeSchema = def.runtime?.params ?? {};
  const modelSchema = def.params ?? {};
  const runtime: Record<string, number | boolean | string> = {};
  const model: Record<string, number | boolean | string> = {};
  for (const [name, value] of Object.entries(given)) {
    if (name in runtimeSchema) runtime[name] = value;
    else if (name in modelSchema) model[name] = value;
    else {
      const list = (schema: ParamsSchema) => Object.keys(schema).join(", ") || "(none)";
      throw new ParamError(
        `unknown param "${name}"; runtime params: ${list(runtimeSchema)}; model params: ${list(modelSchema)}`,
      );
    }
  }
  const resolved = resolveParams(modelSchema, {}, model);
  const defaults = resolveParams(modelSchema, {}, {});
  const nodesOf = (p: ParamRecord) => JSON.stringify(def.nodes(p));
  for (const name of Object.keys(model)) {
    if (nodesOf({ ...defaults, [name]: resolved[name]! }) !== nodesOf(defaults))
      throw new ParamError(`param "${name}" changes the model's nodes; a run sets them with --nodes and --clients`);
    model[name] = resolved[name]!;
  }
  return { runtime, model };
}

/**
 * The model parameters run.json recorded (see
 * {@link RuntimeBinding.chosenModelParams}), for a replay: the names must be
 * the spec's model parameters, and the values are taken as they ran, not
 * checked against the schema's bounds, which bound the model checker's
 * search and not a real run (primary-backup's runtime allows 1,000,000
 * failovers where the model stops at 2).
 */
export function recordedModelParams(spec: AnySpec, recorded: ParamRecord): ParamRecord {
  if (!isProtocolSpec(spec)) return {};
  const schema = spec.definition.params ?? {};
  const unknown = Object.keys(recorded).filter((name) => !(name in schema));
  if (unknown.length > 0) {
    throw new ParamError(
      `run.json sets model param${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")} that spec "${spec.name}" does not have; model params: ${Object.keys(schema).join(", ") || "(none)"}`,
    );
  }
  return recorded;
}

/**
 * The binding of `spec` (see the module comment); an OptionError when the
 * spec is not a protocol or its node count cannot be changed.
 */
export function bindingOf(spec: AnySpec, options: BindingOptions = {}): RuntimeBinding {
  if (!isProtocolSpec(spec)) {
    throw new OptionError(
      `spec "${spec.name}" is not a protocol (defineProtocol): only a protocol's reducers can run as node processes`,
    );
  }

  const def = spec.definition;
  const config: RuntimeConfig = def.runtime ?? {};
  const defaults = resolveParams(def.params ?? {}, {}, {});
  let modelParams: Record<string, number | boolean | string> = {
    ...defaults,
    ...(config.modelParams ?? {}),
    ...(options.modelParams ?? {}),
  };
  const roleNames = Object.keys(def.roles);
  const choosing = new Set(roleNames.filter((r) => (def.roles[r] as AnyRole).choices !== undefined));
  const declaredClients = config.workload?.clients;
  const needsModel =
    declaredClients === undefined ||
    config.peerInput === undefined ||
    config.clientInput === undefined ||
    config.answerInput === undefined;
  const learned: Learned | undefined = !needsModel
    ? undefined
    : options.learned !== undefined
      ? learnedFromJson(options.learned)
      : learnFrom(spec, def, defaults);
  const clientRoles = declaredClients ?? roleNames.filter((r) => choosing.has(r) && learned!.recording.has(r));
  const modelCount = serverCount(def, modelParams, clientRoles);
  if (options.nodes !== undefined && options.nodes !== modelCount) {
    if (config.nodesParam === undefined) {
      throw new OptionError(
        `spec "${def.name}" runs ${modelCount} nodes (its model's); it cannot take --nodes ${options.nodes}`,
      );
    }
    modelParams = { ...modelParams, [config.nodesParam]: options.nodes };
  }
  const allIds = def.nodes(modelParams) as Record<string, readonly string[] | undefined>;
  const nodeRoles: Record<string, string> = {};
  for (const role of roleNames)
    if (!clientRoles.includes(role)) for (const id of allIds[role] ?? []) nodeRoles[id] = role;
  const nodeIds = Object.keys(nodeRoles);
  const serverRoles = Object.fromEntries(
    roleNames.filter((r) => !clientRoles.includes(r)).map((r) => [r, allIds[r] ?? []]),
  );
  const variants = Object.entries(def.variants ?? {})
    .filter(([, v]) => (v as { roles?: object }).roles !== undefined)
    .map(([name]) => name);
  const roleFor = (variant: string | undefined, role: string): AnyRole => {
    const variantRoles =
      variant === undefined
        ? {}
        : ((def.variants?.[variant] as { roles?: Record<string, AnyRole> } | undefined)?.roles ?? {});
    const found =
      config.variantRoles?.[variant ?? ""]?.[role] ?? variantRoles[role] ?? config.roles?.[role] ?? def.roles[role];
    if (found === undefined) throw new OptionError(`spec "${def.name}" has no role "${role}"`);
    return found as AnyRole;
  };
  const validate = (table: Map<string, Shape> | undefined) => (msg: Readonly<Record<string, unknown>>) => {
    const shape = table?.get(msg["type"] as string);
    return shape !== undefined && admits(shape, msg) ? msg : undefined;
  };
  const isClient = config.isClient ?? isRuntimeClientId;
  return {
    spec: def.name,
    variants,
    params: config.params ?? {},
    nodeIds,
    nodeRoles,
    clientRoles,
    clientCounts: Object.fromEntries(clientRoles.map((r) => [r, allIds[r]?.length ?? 1])),
    modelParams,
    chosenModelParams: { ...(config.modelParams ?? {}), ...(options.modelParams ?? {}) },
    learned: learned === undefined ? undefined : learnedToJson(learned),
    role: (variant, self) => roleFor(variant, nodeRoles[self] ?? clientRoles.find((r) => r === self) ?? self),
    clientRole: (variant, role) => roleFor(variant, role),
    setup: (self) => ({
      self,
      params: modelParams,
      nodes: nodeIds,
      roles: { ...serverRoles, ...Object.fromEntries(clientRoles.map((r) => [r, []])) },
    }),
    clientSetup(self, role) {
      const n = Number(/\d+$/.exec(self)?.[0] ?? "1");
      const clients = Array.from({ length: n }, (_, i) => `c${i + 1}`);
      return {
        self,
        params: modelParams,
        nodes: nodeIds,
        roles: { ...serverRoles, ...Object.fromEntries(clientRoles.map((r) => [r, r === role ? clients : []])) },
      };
    },
    timerMs: (timer, params, random) => config.timerMs?.(timer, params, random) ?? DEFAULT_TIMER_MS,
    peerInput: config.peerInput ?? validate(learned?.peer),
    clientInput: config.clientInput ?? validate(learned?.client),
    answerInput: config.answerInput ?? validate(learned?.toClient),
    sendBeforeFsync: config.sendBeforeFsync ?? (() => false),
    peerTypes: new Set(config.peerTypes ?? learned?.peer.keys() ?? []),
    clientTypes: new Set(config.clientTypes ?? learned?.client.keys() ?? []),
    isClient,
    ...(config.driver === undefined ? {} : { driver: config.driver }),
    ...(config.local === undefined ? {} : { local: config.local }),
    status: (state, self) => config.status?.(state) ?? { role: nodeRoles[self] ?? "node", term: 0 },
    leaderBased: config.status !== undefined,
    choiceMs: config.choiceMs ?? DEFAULT_CHOICE_MS,
    workload: config.workload ?? {},
  };
}

/** The node processes a model runs: its nodes outside the client roles. */
function serverCount(
  def: ProtocolSpec<unknown>["definition"],
  params: Record<string, number | boolean | string>,
  clients: readonly string[],
): number {
  const ids = def.nodes(params) as Record<string, readonly string[] | undefined>;
  return Object.entries(ids).reduce((n, [role, list]) => n + (clients.includes(role) ? 0 : (list?.length ?? 0)), 0);
}

function learnFrom(
  spec: ProtocolSpec<unknown>,
  def: ProtocolSpec<unknown>["definition"],
  params: Record<string, number | boolean | string>,
): Learned {
  const ids = def.nodes(params) as Record<string, readonly string[] | undefined>;
  const roleOf = new Map<string, string>();
  for (const [role, list] of Object.entries(ids)) for (const id of list ?? []) roleOf.set(id, role);
  const choosing = new Set(Object.keys(def.roles).filter((r) => (def.roles[r] as AnyRole).choices !== undefined));
  const declared = def.runtime?.workload?.clients;
  const model = spec.instantiate({});
  return learnFromModel(
    model,
    (id) => roleOf.get(id),
    declared === undefined ? undefined : new Set(declared),
    choosing,
  );
}

/** Checks a variant name against a binding (undefined: the correct protocol). */
export function checkVariant(binding: RuntimeBinding, variant: string | undefined): void {
  if (variant !== undefined && !binding.variants.includes(variant)) {
    const names = binding.variants.length === 0 ? "none replaces a reducer" : binding.variants.join(", ");
    throw new OptionError(`spec "${binding.spec}" has no variant "${variant}" that can run; variants: ${names}`);
  }
}
