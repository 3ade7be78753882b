/**
 * `defineProtocol`: what a user writes to define a protocol (roles, nodes,
 * network, faults, properties, variants), validated and turned into a Spec
 * whose models are ProtocolModels (model.ts).
 */
import { fingerprintInto, type Fingerprint } from "../fingerprint.js";
import type { ParamRecord, ParamsSchema, ParamValues } from "../params.js";
import {
  deriveModel,
  OptionError,
  specBase,
  SpecDefinitionError,
  type InstantiateOptions,
  type Model,
  type Property,
  type Spec,
  requireField,
} from "../spec.js";
import { canonicalFingerprint } from "../symmetry.js";
import type { Fairness } from "../fairness.js";
import type { RuntimeConfig } from "../runtime-config.js";
import type { AnyRole, FaultBudget, NetworkKind, NodeId, ProtocolState, ProtocolStateOf, RoleMessage } from "./api.js";
import { ProtocolModel, type Params } from "./model.js";
import { isNetworkKind, NETWORK_KINDS } from "./network.js";

/** A changed or broken version of a protocol. */
export interface ProtocolVariantDef<P> {
  readonly description: string;
  readonly violates?: string;
  readonly params?: ParamRecord;
  /** Roles replaced by this variant (e.g. a reducer with a bug). */
  readonly roles?: Readonly<Record<string, AnyRole<P>>>;
  /** Fairness of this variant when it differs from the protocol's (`{}`: none). */
  readonly fairness?: Fairness;
}

/** What a user writes to define a protocol. */
export interface ProtocolDefinition<
  Schema extends ParamsSchema,
  R extends Readonly<Record<string, AnyRole<ParamValues<Schema>>>>,
> {
  readonly name: string;
  readonly description: string;
  readonly params?: Schema;
  readonly network: NetworkKind;
  /** Node ids of each role, in order. */
  readonly nodes: (params: ParamValues<NoInfer<Schema>>) => { readonly [K in keyof R]?: readonly NodeId[] };
  readonly roles: R;
  readonly faults?: (params: ParamValues<NoInfer<Schema>>) => FaultBudget<RoleMessage<NoInfer<R>[keyof R]>>;
  readonly properties: Readonly<Record<string, Property<ProtocolStateOf<NoInfer<R>>, ParamValues<NoInfer<Schema>>>>>;
  /** Model bounds, kept out of the reducers (TLC's CONSTRAINT). */
  readonly constraint?: (state: ProtocolStateOf<NoInfer<R>>, params: ParamValues<NoInfer<Schema>>) => boolean;
  readonly deadlock?: boolean;
  /**
   * Roles whose nodes are interchangeable: with `--symmetry` the checker
   * stores one state per orbit under renaming their ids (see symmetry.ts).
   */
  readonly symmetry?: readonly (keyof R & string)[];
  /**
   * Which steps a behaviour may not neglect forever, for liveness properties
   * (see Fairness). Keys are labels (`rm1: receive Commit from tm`,
   * `n1: timer Election`, `tm: DecideAbort`); their groups are `role: receive
   * Type`, `role: timer Type`, `role: Type`. Faults are never fair.
   */
  readonly fairness?: Fairness;
  readonly variants?: Readonly<Record<string, ProtocolVariantDef<ParamValues<NoInfer<Schema>>>>>;
  /** Paths of the protocol state's arrays that are sets (`"nodes.*.votes"`; see SpecDefinition). */
  readonly sets?: readonly string[];
  /** How `interleave run` runs it on a real network, beyond what it derives (see RuntimeConfig). */
  readonly runtime?: RuntimeConfig;
}

/** A protocol spec: a Spec that also exposes its roles (the reducers) for applications. */
export interface ProtocolSpec<R> extends Spec<ProtocolState> {
  readonly roles: R;
  readonly network: NetworkKind;
  /** The definition, for the real-network runtime (node ids, variants' roles, faults, `runtime`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema and roles: the runtime reads it generically
  readonly definition: ProtocolDefinition<any, any>;
}

/**
 * Defines a protocol.
 * @example see specs/two-phase-commit.ts
 */
export function defineProtocol<
  Schema extends ParamsSchema,
  R extends Readonly<Record<string, AnyRole<ParamValues<Schema>>>>,
>(def: ProtocolDefinition<Schema, R>): ProtocolSpec<R> {
  const base = specBase(def);
  requireField(def.name, "roles", def.roles, "object", "an object of roles, each { init, on... }");
  if (!isNetworkKind(def.network)) {
    throw new SpecDefinitionError(
      `spec "${def.name}": network ${JSON.stringify(def.network)} is not a network kind; kinds: ${NETWORK_KINDS.join(", ")}`,
    );
  }
  for (const [name, v] of Object.entries(def.variants ?? {})) {
    for (const role of Object.keys(v.roles ?? {})) {
      if (!(role in def.roles)) {
        throw new SpecDefinitionError(
          `spec "${def.name}", variant "${name}": unknown role "${role}"; roles: ${Object.keys(def.roles).join(", ")}`,
        );
      }
    }
  }
  return {
    ...base.header,
    roles: def.roles,
    network: def.network,
    definition: def,
    ...(def.symmetry === undefined ? {} : { symmetry: def.symmetry }),
    instantiate(options: InstantiateOptions = {}) {
      const { variant, values } = base.resolve(options);
      const params = values as unknown as ParamValues<Schema>;
      const roles = { ...def.roles, ...(def.variants?.[variant]?.roles ?? {}) } as unknown as Readonly<
        Record<string, AnyRole<Params>>
      >;
      const model = new ProtocolModel(def, roles, variant, values, params);
      if (options.symmetry) {
        const symmetric = symmetricSets(def.name, def.symmetry ?? [], base.header.properties, def.nodes(params));
        return withFingerprint(model, (state, out) => canonicalFingerprint(state, symmetric, out));
      }
      return options.fingerprint === "generic" ? withFingerprint(model, fingerprintInto) : model;
    },
  };
}

function symmetricSets(
  name: string,
  roles: readonly string[],
  properties: Spec["properties"],
  nodes: Record<string, readonly NodeId[] | undefined>,
): NodeId[][] {
  if (roles.length === 0)
    throw new OptionError(`spec "${name}" declares no symmetric roles; symmetry reduction needs \`symmetry: [roles]\``);
  const named = properties.filter((p) => p.symmetric === false).map((p) => p.name);
  if (named.length > 0) {
    throw new OptionError(
      `spec "${name}": symmetry reduction would be unsound for ${named.map((n) => `"${n}"`).join(", ")}, which names particular nodes`,
    );
  }
  return roles.map((role) => [...(nodes[role] ?? [])]);
}

/** The same model with every state fingerprinted by `fingerprint` instead of incrementally. */
function withFingerprint<S>(model: Model<S>, fingerprint: (state: S, out: Fingerprint) => void): Model<S> {
  const own = { hi: 0, lo: 0 };
  return deriveModel(model, {
    fingerprint,
    successors(state, fp, sink) {
      model.successors(state, fp, {
        labels: sink.labels,
        push(next, _fp, label, fault) {
          fingerprint(next, own);
          sink.push(next, own, label, fault);
        },
      });
    },
  });
}
