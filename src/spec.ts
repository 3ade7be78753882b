/**
 * Specs: a transition system written as pure functions over plain-data state,
 * with named properties, a state constraint kept outside the reducers, and
 * deliberately broken variants. A spec knows nothing of search: the checker
 * asks it for a `Model` (one variant at one set of parameter values).
 */
import { sameError } from "./same-error.js";
import { fingerprintInto, NotPlainDataError, type Fingerprint } from "./fingerprint.js";
import { faultOf, invalidFault, UserCodeError, type NamedInput, type UserCodeSite } from "./user-code.js";
import { fairnessLevels, type Fairness, type FairnessLevel } from "./fairness.js";
import { describeValue } from "./describe-value.js";
import { paramDefProblem, resolveParams, type ParamRecord, type ParamsSchema, type ParamValues } from "./params.js";

/** What every property may say of itself. */
interface PropertyMeta {
  readonly description?: string;
  /** False when the claim names particular nodes, so symmetry reduction would make it unsound. */
  readonly symmetric?: false;
}

/** The kinds of property: safety (`invariant`, `action`, `final`), reachability (`sometimes`) and liveness. */
export type PropertyKind = "invariant" | "action" | "final" | "sometimes" | LivenessKind;

/** Liveness: `eventually` (<>p), `alwaysEventually` ([]<>p), `leadsTo` (p ~> q), judged on fair behaviours. */
export type LivenessKind = "eventually" | "alwaysEventually" | "leadsTo";

/** True for the liveness kinds, which need a complete search and the graph's edges. */
export function isLiveness(kind: PropertyKind | "error"): kind is LivenessKind {
  return kind === "eventually" || kind === "alwaysEventually" || kind === "leadsTo";
}

/**
 * A property's predicate: over the pair of states for `action`, over one state otherwise (for `leadsTo`, the trigger
 * p).
 */
export type PropertyCheck<K extends PropertyKind, S, P> = K extends "action"
  ? (prev: S, next: S, params: P) => boolean
  : (state: S, params: P) => boolean;

/**
 * A property of kind `K`. One generic interface for every kind, so that
 * TypeScript infers `invariant(...)`'s state and params from the properties
 * record it is written in, whichever kinds that record mixes.
 */
export interface PropertyOf<K extends PropertyKind, S, P> extends PropertyMeta {
  readonly kind: K;
  readonly check: PropertyCheck<K, S, P>;
  /** For `leadsTo` only: the state q that must follow every p state. */
  readonly then?: K extends "leadsTo" ? (state: S, params: P) => boolean : never;
}

/** A property every reachable state must satisfy. */
export type InvariantProperty<S, P> = PropertyOf<"invariant", S, P>;

/** A property of every step, over the pair of states ("terms never decrease"). */
export type ActionProperty<S, P> = PropertyOf<"action", S, P>;

/** A property of every final state: a state in which no action is enabled. */
export type FinalProperty<S, P> = PropertyOf<"final", S, P>;

/**
 * A property some reachable state must satisfy: it fails ("never reached")
 * when the complete search finds no such state, so a bound that makes a
 * model vacuous shows up.
 */
export type SometimesProperty<S, P> = PropertyOf<"sometimes", S, P>;

/** Every fair behaviour reaches a state satisfying the check (<>p). */
export type EventuallyProperty<S, P> = PropertyOf<"eventually", S, P>;

/** Every fair behaviour satisfies the check again and again, forever ([]<>p). */
export type AlwaysEventuallyProperty<S, P> = PropertyOf<"alwaysEventually", S, P>;

/** On every fair behaviour, each state satisfying `check` is followed (or met) by one satisfying `then` (p ~> q). */
export type LeadsToProperty<S, P> = PropertyOf<"leadsTo", S, P>;

/** A named claim about a spec's behaviour. */
export type Property<S, P> =
  | InvariantProperty<S, P>
  | ActionProperty<S, P>
  | FinalProperty<S, P>
  | SometimesProperty<S, P>
  | EventuallyProperty<S, P>
  | AlwaysEventuallyProperty<S, P>
  | LeadsToProperty<S, P>;

/**
 * A property that holds in every reachable state.
 * @example properties: { consistent: invariant((s) => !(hasCommitted(s) && hasAborted(s))) }
 */
export function invariant<S, P = unknown>(
  check: (state: S, params: P) => boolean,
  description?: string,
): InvariantProperty<S, P>;
/** Not for calling: it lets TypeScript infer the callbacks' types (see {@link DeferredCall}). */
export function invariant<Never extends never>(...deferred: DeferredCall<Never>): Deferred;
export function invariant<S, P>(
  check: (state: S, params: P) => boolean,
  description?: string,
): InvariantProperty<S, P> | Deferred {
  return description === undefined ? { kind: "invariant", check } : { kind: "invariant", check, description };
}

/**
 * A property of every step (prev -> next), checked on every generated transition.
 * @example termsNeverDecrease: onEveryStep((prev, next) => next.term >= prev.term)
 */
export function onEveryStep<S, P = unknown>(
  check: (prev: S, next: S, params: P) => boolean,
  description?: string,
): ActionProperty<S, P>;
/** Not for calling: it lets TypeScript infer the callbacks' types (see {@link DeferredCall}). */
export function onEveryStep<Never extends never>(...deferred: DeferredCall<Never>): Deferred;
export function onEveryStep<S, P>(
  check: (prev: S, next: S, params: P) => boolean,
  description?: string,
): ActionProperty<S, P> | Deferred {
  return description === undefined ? { kind: "action", check } : { kind: "action", check, description };
}

/**
 * A property of every final state (no action enabled), e.g. "every message was delivered".
 * States cut off by the state constraint are not final.
 */
export function atTermination<S, P = unknown>(
  check: (state: S, params: P) => boolean,
  description?: string,
): FinalProperty<S, P>;
/** Not for calling: it lets TypeScript infer the callbacks' types (see {@link DeferredCall}). */
export function atTermination<Never extends never>(...deferred: DeferredCall<Never>): Deferred;
export function atTermination<S, P>(
  check: (state: S, params: P) => boolean,
  description?: string,
): FinalProperty<S, P> | Deferred {
  return description === undefined ? { kind: "final", check } : { kind: "final", check, description };
}

/**
 * A state that some behaviour reaches: the check fails with "never reached"
 * when no reachable state satisfies `check` (TLC users write `~P` as an
 * invariant for this). Use it to show that bounds leave the interesting
 * states reachable.
 * @example someoneCommits: sometimes((s) => Object.values(s.nodes).some((n) => n.state === "committed"))
 */
export function sometimes<S, P = unknown>(
  check: (state: S, params: P) => boolean,
  description?: string,
): SometimesProperty<S, P>;
/** Not for calling: it lets TypeScript infer the callbacks' types (see {@link DeferredCall}). */
export function sometimes<Never extends never>(...deferred: DeferredCall<Never>): Deferred;
export function sometimes<S, P>(
  check: (state: S, params: P) => boolean,
  description?: string,
): SometimesProperty<S, P> | Deferred {
  return description === undefined ? { kind: "sometimes", check } : { kind: "sometimes", check, description };
}

/**
 * Every fair behaviour eventually reaches a state satisfying `check` (TLA+'s
 * `<>P`). Checked on the whole reachable graph under the spec's `fairness`;
 * a violation is a lasso: a path and a cycle it can repeat forever (or a
 * state it can stay in forever) without `check` ever holding.
 * @example eventuallyAllDecided: eventually((s) => rms(s).every((x) => x === "committed" || x === "aborted"))
 */
export function eventually<S, P = unknown>(
  check: (state: S, params: P) => boolean,
  description?: string,
): EventuallyProperty<S, P>;
/** Not for calling: it lets TypeScript infer the callbacks' types (see {@link DeferredCall}). */
export function eventually<Never extends never>(...deferred: DeferredCall<Never>): Deferred;
export function eventually<S, P>(
  check: (state: S, params: P) => boolean,
  description?: string,
): EventuallyProperty<S, P> | Deferred {
  return description === undefined ? { kind: "eventually", check } : { kind: "eventually", check, description };
}

/**
 * Every fair behaviour satisfies `check` infinitely often (TLA+'s `[]<>P`):
 * it never settles into states where `check` fails.
 * @example keepsServing: alwaysEventually((s) => s.breaker === "closed")
 */
export function alwaysEventually<S, P = unknown>(
  check: (state: S, params: P) => boolean,
  description?: string,
): AlwaysEventuallyProperty<S, P>;
/** Not for calling: it lets TypeScript infer the callbacks' types (see {@link DeferredCall}). */
export function alwaysEventually<Never extends never>(...deferred: DeferredCall<Never>): Deferred;
export function alwaysEventually<S, P>(
  check: (state: S, params: P) => boolean,
  description?: string,
): AlwaysEventuallyProperty<S, P> | Deferred {
  return description === undefined
    ? { kind: "alwaysEventually", check }
    : { kind: "alwaysEventually", check, description };
}

/**
 * Every state satisfying `p` is followed, on every fair behaviour, by a state
 * satisfying `q` (TLA+'s `P ~> Q`; a state satisfying both counts).
 * @example restarted: leadsTo((s) => s.child === "crashed", (s) => s.child === "running")
 */
export function leadsTo<S, P = unknown>(
  p: (state: S, params: P) => boolean,
  q: (state: S, params: P) => boolean,
  description?: string,
): LeadsToProperty<S, P>;
/** Not for calling: it lets TypeScript infer the callbacks' types (see {@link DeferredCall}). */
export function leadsTo<Never extends never>(...deferred: DeferredCall<Never>): Deferred;
export function leadsTo<S, P>(
  p: (state: S, params: P) => boolean,
  q: (state: S, params: P) => boolean,
  description?: string,
): LeadsToProperty<S, P> | Deferred {
  return description === undefined
    ? { kind: "leadsTo", check: p, then: q }
    : { kind: "leadsTo", check: p, then: q, description };
}

/**
 * Marks a property that names particular nodes ("rm1 never aborts"): checking
 * with symmetry reduction is then refused, since it would be unsound.
 */
export function asymmetric<T extends Property<never, never>>(property: T): T;
/** Not for calling: it lets TypeScript infer the callbacks' types (see {@link DeferredCall}). */
export function asymmetric<Never extends never>(...deferred: DeferredCall<Never>): Deferred;
export function asymmetric<T extends Property<never, never>>(property: T): T | Deferred {
  return { ...property, symmetric: false };
}

/**
 * The arguments of an overload that no call can match (five arguments of type
 * `never`, while the real overload takes at most three). It exists for
 * TypeScript's inference only: a generic overload that returns a function
 * makes the compiler check a nested call such as `choose(...)` or
 * `invariant(...)` after the enclosing `defineSpec` or `defineProtocol` has
 * inferred the state from `init` and the params from `params`, so the
 * callbacks' parameters get those types without annotations. (Without it, the
 * nested call is checked first and its callbacks see `unknown`.)
 */
export type DeferredCall<Never extends never> = [Never, Never, Never, Never, Never];

/** What the overload of {@link DeferredCall} returns (never, since no call matches it). */
export type Deferred = () => never;

/** Emits one successor; `label` is only computed when the checker asks for labels. */
export type Emit<S> = (next: S, label: string) => void;

/** An action with several instances, one per chosen value (TLA+'s `\E rm \in RM: A(rm)`). */
export interface ChoiceAction<S, P> {
  readonly kind: "choose";
  readonly enumerate: (state: S, params: P, name: string, emit: Emit<S>) => void;
}

/**
 * An action: a function returning the successor, or `undefined` when the action
 * is not enabled (returning the same state is an enabled self-loop), or a
 * `choose(...)` over several instances.
 */
export type ActionDef<S, P> = ((state: S, params: P) => S | undefined) | ChoiceAction<S, P>;

/** Named actions, tried in this order. */
export type ActionsDef<S, P> = Readonly<Record<string, ActionDef<S, P>>>;

/**
 * An action with one instance per value of `over(state, params)`; the label is
 * `Name(value)`.
 * @example RMPrepare: choose((s, p) => rmIds(p), (s, rm) => s.rm[rm] === "working" ? {...} : undefined)
 */
export function choose<S, P, T>(
  over: (state: S, params: P) => Iterable<T>,
  step: (state: S, value: T, params: P) => S | undefined,
  label?: (value: T) => string,
): ChoiceAction<S, P>;
/** Not for calling: it lets TypeScript infer the callbacks' types (see {@link DeferredCall}). */
export function choose<Never extends never>(...deferred: DeferredCall<Never>): Deferred;
export function choose<S, P, T>(
  over: (state: S, params: P) => Iterable<T>,
  step: (state: S, value: T, params: P) => S | undefined,
  label: (value: T) => string = (value) => (typeof value === "string" ? value : JSON.stringify(value)),
): ChoiceAction<S, P> | Deferred {
  return {
    kind: "choose",
    enumerate(state, params, name, emit) {
      let values: T[];
      try {
        values = [...over(state, params)];
      } catch (error) {
        throw new UserCodeError(
          faultOf("action", name, error, [{ name: "state", value: state }], (s) => [...over(s as S, params)]),
        );
      }
      for (const value of values) {
        let next: S | undefined;
        try {
          next = step(state, value, params);
        } catch (error) {
          const inputs: NamedInput[] = [
            { name: "state", value: state },
            { name: "value", value },
          ];
          throw new UserCodeError(
            faultOf("action", `${name}(${safeLabel(label, value)})`, error, inputs, (s, v) =>
              step(s as S, v as T, params),
            ),
          );
        }
        if (next !== undefined) emit(next, `${name}(${safeLabel(label, value)})`);
      }
    },
  };
}

function safeLabel<T>(label: (value: T) => string, value: T): string {
  try {
    return label(value);
  } catch {
    return String(value);
  }
}

/** A deliberately broken (or otherwise altered) version of a spec. */
export interface VariantDef<S, P> {
  readonly description: string;
  /** The property this variant must violate; the tests and `list --json` use it. */
  readonly violates?: string;
  /** Parameter values this variant is checked with when they differ from the defaults. */
  readonly params?: ParamRecord;
  /** Actions replaced or added by this variant. */
  readonly actions?: Partial<ActionsDef<S, P>>;
  /** Fairness of this variant when it differs from the spec's (`{}`: none). */
  readonly fairness?: Fairness;
}

/** What a user writes to define a spec. */
export interface SpecDefinition<S, Schema extends ParamsSchema> {
  readonly name: string;
  readonly description: string;
  readonly params?: Schema;
  readonly init: (params: ParamValues<Schema>) => readonly S[];
  readonly actions: ActionsDef<S, ParamValues<NoInfer<Schema>>>;
  readonly properties: Readonly<Record<string, Property<S, ParamValues<NoInfer<Schema>>>>>;
  /**
   * Model bounds (TLC's CONSTRAINT): states outside are counted but not
   * expanded, so bounds stay out of the reducers applications import.
   */
  readonly constraint?: (state: S, params: ParamValues<NoInfer<Schema>>) => boolean;
  /** Report a reachable state with no enabled action as a violation of `deadlockFree`. */
  readonly deadlock?: boolean;
  /**
   * Which actions a behaviour may not neglect forever, for liveness properties (see Fairness); keys are labels,
   * `Name(value)`.
   */
  readonly fairness?: Fairness;
  readonly variants?: Readonly<Record<string, VariantDef<S, ParamValues<NoInfer<Schema>>>>>;
  /**
   * Paths of the state's arrays that are sets (`"tmPrepared"`, `"nodes.*.votes"`): traces diff them by membership, ITF
   * writes them as `#set`.
   */
  readonly sets?: readonly string[];
}

/**
 * A spec of any state type, as the checker, the catalogue and the CLI hold one.
 * `Spec<S>` is invariant in `S` (its model both produces and consumes states), so
 * no `Spec<X>` is a `Spec<unknown>`; `any` is TypeScript's only existential type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the existential state type explained above
export type AnySpec = Spec<any>;

/** What the checker, the CLI and `list` know of any spec. */
export interface Spec<S = unknown> {
  readonly kind: "interleave-spec";
  readonly name: string;
  readonly description: string;
  readonly params: ParamsSchema;
  readonly properties: readonly {
    readonly name: string;
    readonly kind: PropertyKind;
    readonly description?: string;
    readonly symmetric?: false;
  }[];
  readonly variants: readonly VariantInfo[];
  /** Roles whose nodes are interchangeable (symmetry reduction may be used), if any. */
  readonly symmetry?: readonly string[];
  /** Paths of the state's arrays that are sets (see SpecDefinition). */
  readonly sets?: readonly string[];
  /** Builds the model of one variant at the given parameter overrides. */
  instantiate(options?: InstantiateOptions): Model<S>;
}

/** How to build a model from a spec. */
export interface InstantiateOptions {
  readonly variant?: string;
  readonly params?: ParamRecord;
  /** Store one state per orbit under renaming the spec's symmetric nodes. */
  readonly symmetry?: boolean;
  /** `incremental` (default) or `generic` fingerprints; both give the same counts. */
  readonly fingerprint?: "incremental" | "generic";
}

/** A variant as listed by `interleave list`. */
export interface VariantInfo {
  readonly name: string;
  readonly description: string;
  readonly violates?: string;
  readonly params?: ParamRecord;
}

/** A property ready for the checker (parameters bound). */
export type ModelProperty<S> =
  | { readonly name: string; readonly kind: "invariant"; readonly check: (state: S) => boolean }
  | { readonly name: string; readonly kind: "action"; readonly check: (prev: S, next: S) => boolean }
  | { readonly name: string; readonly kind: "final"; readonly check: (state: S) => boolean }
  | { readonly name: string; readonly kind: "sometimes"; readonly check: (state: S) => boolean }
  | { readonly name: string; readonly kind: "eventually" | "alwaysEventually"; readonly check: (state: S) => boolean }
  | {
      readonly name: string;
      readonly kind: "leadsTo";
      readonly check: (state: S) => boolean;
      readonly then: (state: S) => boolean;
    };

/** The properties of one kind, typed as that kind (e.g. the invariants, whose `check` takes one state). */
export function propertiesOfKind<S, K extends ModelProperty<S>["kind"]>(
  properties: readonly ModelProperty<S>[],
  kind: K,
): Extract<ModelProperty<S>, { kind: K }>[] {
  return properties.filter((p): p is Extract<ModelProperty<S>, { kind: K }> => p.kind === kind);
}

/** Receives the successors of a state. */
export interface SuccessorSink<S> {
  /** When false, `label` may be passed as an empty string: labels cost time. */
  readonly labels: boolean;
  /**
   * `fault` marks a successor reached by a fault (loss, duplication, crash,
   * restart): a state whose only successors are faults is still final.
   */
  push(next: S, fp: Fingerprint, label: string, fault?: boolean): void;
  /**
   * Optional fast path: a model may offer a (non-fault) successor's
   * fingerprint first; `true` means the successor is already known and has
   * been counted, so the model need not build it. Sinks that need every
   * successor (action properties, traces) leave it out.
   */
  probe?(fp: Fingerprint): boolean;
}

/**
 * One variant of a spec at fixed parameters: what search strategies explore.
 * Successors are produced in a deterministic order, so a trace can be rebuilt
 * from the ordinal of each step.
 */
export interface Model<S = unknown> {
  readonly spec: string;
  readonly variant: string;
  readonly params: ParamRecord;
  readonly properties: readonly ModelProperty<S>[];
  /** The spec's action names, for coverage (a name never enabled is a warning). */
  readonly actionNames?: readonly string[];
  /**
   * The coverage group of a successor's label: the action name for specs,
   * `role: receive Type` for protocols.
   */
  coverageKey?(label: string): string;
  /**
   * How often each action (or protocol role and input type) was tried and
   * enabled so far; counted cheaply in every search, for the warning about
   * actions never enabled.
   */
  activity?(): ReadonlyMap<string, ActionActivity>;
  /** Check for states with no enabled action (reported as `deadlockFree`). */
  readonly deadlock: boolean;
  /**
   * How fair the step with this label is (see Fairness), for liveness
   * properties; absent: no step is fair.
   */
  fairness?(label: string): FairnessLevel;
  /**
   * Freezes a state before it is stored (purity guards); a model that freezes
   * its parts itself does less than the default deep freeze.
   */
  freeze?(state: S): void;
  /** False when `withinConstraint` always holds (no constraint), so the checker can skip it. */
  readonly constrained?: boolean;
  initStates(): readonly S[];
  fingerprint(state: S, out: Fingerprint): void;
  /** Pushes every successor of `state`, whose fingerprint is `fp`. */
  successors(state: S, fp: Fingerprint, sink: SuccessorSink<S>): void;
  withinConstraint(state: S): boolean;
  /**
   * Takes a state that was copied from elsewhere (another worker thread, a
   * file) and returns an equal state this model can expand; models that
   * cache per object (protocols intern node states) need this.
   */
  adopt?(state: S): S;
  /** A compact form of the states waiting in a search's queue (see StateCodec); absent: they wait as objects. */
  readonly codec?: StateCodec<S>;
}

/**
 * States as 32-bit words, for the states waiting in a search's queue. A
 * queue of objects costs the garbage collector a copy of each (they outlive
 * the young generation) and a few hundred bytes each; as words outside the
 * JS heap, tens of bytes and no copy.
 */
export interface StateCodec<S> {
  /**
   * How many words `encode` writes for `state`, or -1 for a state this codec leaves as it is (the queue keeps the
   * object).
   */
  size(state: S): number;
  /**
   * Writes `state`'s words (`size(state)` of them) to `out` from `at`, or
   * returns false for a state it leaves as it is after all.
   */
  encode(state: S, out: Int32Array, at: number): boolean;
  /** The state (equal to the one encoded) whose words are `words[from, to)`. */
  decode(words: Int32Array, from: number, to: number): S;
}

/** How often an action was tried (evaluated) and enabled (produced a successor). */
export interface ActionActivity {
  readonly tried: number;
  readonly enabled: number;
}

/** A spec definition that cannot work (bad variant, unknown property...). */
export class SpecDefinitionError extends Error {
  override name = "SpecDefinitionError";
  /** Recognised by name: a spec file may load its own copy of this library. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return sameError(value, "SpecDefinitionError");
  }
}

/** An option that names something the spec does not have (exit 2 in the CLI). */
export class UnknownChoiceError extends Error {
  override name = "UnknownChoiceError";
  /** Recognised by name: a spec file may load its own copy of this library. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return sameError(value, "UnknownChoiceError");
  }
}

/** An option the spec cannot honour (e.g. symmetry with a property that names nodes). */
export class OptionError extends Error {
  override name = "OptionError";
  /** Recognised by name: a spec file may load its own copy of this library. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return sameError(value, "OptionError");
  }
}

/** A reducer produced something that is not a valid state. */
export class SpecRuntimeError extends Error {
  override name = "SpecRuntimeError";
  /** Recognised by name: a spec file may load its own copy of this library. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return sameError(value, "SpecRuntimeError");
  }
}

/** The name of the implicit variant that is the spec as written. */
const DEFAULT_VARIANT = "default";

/** Lists the property metadata of a properties record. */
function propertyInfos(
  properties: Readonly<Record<string, PropertyMeta & { readonly kind: PropertyKind }>>,
  deadlock: boolean,
): Spec["properties"] {
  const infos: Spec["properties"][number][] = Object.entries(properties).map(([name, p]) => ({
    name,
    kind: p.kind,
    ...(p.description === undefined ? {} : { description: p.description }),
    ...(p.symmetric === false ? { symmetric: false as const } : {}),
  }));
  if (deadlock)
    infos.push({ name: "deadlockFree", kind: "final", description: "some action is enabled in every reachable state" });
  return infos;
}

/** Checks variants against the properties and returns their listing, default first. */
function variantInfos(
  specName: string,
  description: string,
  variants: Readonly<Record<string, Omit<VariantInfo, "name">>>,
  propertyNames: readonly string[],
): VariantInfo[] {
  const infos: VariantInfo[] = [{ name: DEFAULT_VARIANT, description }];
  for (const [name, v] of Object.entries(variants)) {
    if (name === DEFAULT_VARIANT)
      throw new SpecDefinitionError(`spec "${specName}": a variant may not be named "${DEFAULT_VARIANT}"`);
    if (v.violates !== undefined && !propertyNames.includes(v.violates)) {
      throw new SpecDefinitionError(
        `spec "${specName}", variant "${name}": violates "${v.violates}", which is not a property; properties: ${propertyNames.join(", ")}`,
      );
    }
    const info: VariantInfo = { name, description: v.description };
    infos.push({
      ...info,
      ...(v.violates === undefined ? {} : { violates: v.violates }),
      ...(v.params === undefined ? {} : { params: v.params }),
    });
  }
  return infos;
}

/** Finds a variant by name or throws UnknownChoiceError listing the variants. */
export function findVariant(specName: string, variants: readonly VariantInfo[], name: string): VariantInfo {
  const found = variants.find((v) => v.name === name);
  if (!found) {
    throw new UnknownChoiceError(
      `spec "${specName}" has no variant "${name}"; variants: ${variants.map((v) => v.name).join(", ")}`,
    );
  }
  return found;
}

/**
 * Binds parameters into properties. A property that throws, changes the
 * state or returns a non-boolean is a spec error (UserCodeError).
 */
export function bindProperties<S, P>(
  properties: Readonly<Record<string, Property<S, P>>>,
  params: P,
): ModelProperty<S>[] {
  return Object.entries(properties).map(([name, p]): ModelProperty<S> => {
    const where = `"${name}"`;
    switch (p.kind) {
      case "invariant":
      case "final":
      case "sometimes":
      case "eventually":
      case "alwaysEventually": {
        const check = p.check;
        return {
          name,
          kind: p.kind,
          check: stateCheck(where, check, params),
        };
      }
      case "action": {
        const check = p.check;
        const inputs = (a: S, b: S): NamedInput[] => [
          { name: "prev", value: a },
          { name: "next", value: b },
        ];
        return {
          name,
          kind: "action",
          check: (a, b) => guardedCheck("property", where, inputs(a, b), (x, y) => check(x as S, y as S, params)),
        };
      }
      case "leadsTo": {
        const check = p.check;
        const then = p.then;
        if (then === undefined)
          throw new SpecDefinitionError(`property "${name}": leadsTo needs two predicates, leadsTo(p, q)`);
        return {
          name,
          kind: "leadsTo",
          check: stateCheck(where, check, params),
          then: stateCheck(`${where} (its q)`, then, params),
        };
      }
    }
  });
}

/** Runs a user predicate: a boolean, or a UserCodeError saying what went wrong. */
export function guardedCheck(
  site: UserCodeSite,
  where: string,
  inputs: readonly NamedInput[],
  check: (...args: unknown[]) => unknown,
): boolean {
  let result: unknown;
  try {
    result = check(...inputs.map((i) => i.value));
  } catch (error) {
    throw new UserCodeError(faultOf(site, where, error, inputs, check));
  }
  if (typeof result !== "boolean") throw notBoolean(site, where, result);
  return result;
}

/**
 * `guardedCheck` of a property of one state, bound to `params`. The inputs
 * list and the closure are made only when the check fails: every new state
 * is checked against every invariant (on two-phase commit, the list and the
 * spread per call were a third of the invariants' cost).
 */
function stateCheck<S, P>(where: string, check: (state: S, params: P) => boolean, params: P): (state: S) => boolean {
  const call = (x: unknown) => check(x as S, params);
  return (state) => {
    let result: unknown;
    try {
      result = check(state, params);
    } catch (error) {
      throw new UserCodeError(faultOf("property", where, error, [{ name: "state", value: state }], call));
    }
    if (typeof result !== "boolean") throw notBoolean("property", where, result);
    return result;
  };
}

function notBoolean(site: UserCodeSite, where: string, result: unknown): UserCodeError {
  return new UserCodeError(
    invalidFault(
      site,
      where,
      `returned ${describeValue(result)}, not a boolean${result === undefined ? " (a missing return?)" : ""}`,
    ),
  );
}

/**
 * A field the types require, checked where a spec written in JavaScript (or
 * cast) may lack it: a missing field is named, not left to a TypeError.
 */
export function requireField(
  spec: string,
  field: string,
  value: unknown,
  type: "function" | "object",
  what: string,
): void {
  if (typeof value !== type || value === null || Array.isArray(value))
    throw new SpecDefinitionError(`spec "${spec}": ${field} must be ${what}; got ${describeValue(value)}`);
}

/** Fingerprints what an action returned: a state that is not plain data is an invalid result of that action. */
function fingerprintResult(state: unknown, out: Fingerprint, site: UserCodeSite, where: string): void {
  if (state === null)
    throw new UserCodeError(
      invalidFault(site, where, "returned null; return undefined when the action is not enabled"),
    );
  try {
    fingerprintInto(state, out);
  } catch (error) {
    if (error instanceof NotPlainDataError)
      throw new UserCodeError(
        invalidFault(site, where, `returned a state that ${error.message.replace(/^state is/, "is")}`),
      );
    throw error;
  }
}

/**
 * Defines a spec from pure functions.
 *
 * @example
 * export const counter = defineSpec({
 *   name: "counter", description: "counts to a bound",
 *   params: { max: int(3) },
 *   init: () => [{ n: 0 }],
 *   actions: { Inc: (s) => ({ n: s.n + 1 }) },
 *   constraint: (s, p) => s.n <= p.max,
 *   properties: { nonNegative: invariant((s) => s.n >= 0) },
 * });
 */
export function defineSpec<S, Schema extends ParamsSchema = Record<never, never>>(
  def: SpecDefinition<S, Schema>,
): Spec<S> {
  const base = specBase(def);
  requireField(def.name, "init", def.init, "function", "a function returning the initial states");
  requireField(def.name, "actions", def.actions, "object", "an object of actions (actions: {} for none)");
  const deadlock = def.deadlock ?? false;
  return {
    ...base.header,
    instantiate(options = {}) {
      if (options.symmetry)
        throw new OptionError(
          `spec "${def.name}" declares no symmetric nodes; symmetry reduction needs a protocol with \`symmetry: [roles]\``,
        );
      const { variant, values } = base.resolve(options);
      const params = values as unknown as ParamValues<Schema>;
      const variantDef = variant === DEFAULT_VARIANT ? undefined : def.variants?.[variant];
      const actions = { ...def.actions, ...(variantDef?.actions ?? {}) } as ActionsDef<S, ParamValues<Schema>>;
      const model = genericModel(def, variant, values, params, actions, deadlock);
      const fairness = variantDef?.fairness ?? def.fairness;
      return fairness === undefined ? model : { ...model, fairness: fairnessLevels(fairness, actionOfLabel) };
    },
  };
}

/**
 * What specs and protocols share: their listing (params, properties with
 * kinds, variants checked against the properties) and the choice of a
 * variant and parameter values for a model.
 */
export function specBase(def: {
  readonly name: string;
  readonly description: string;
  readonly params?: ParamsSchema;
  readonly properties: Readonly<Record<string, PropertyMeta & { readonly kind: PropertyKind }>>;
  readonly deadlock?: boolean;
  readonly variants?: Readonly<Record<string, Omit<VariantInfo, "name">>>;
  readonly sets?: readonly string[];
}) {
  if (typeof def.name !== "string" || def.name === "")
    throw new SpecDefinitionError(`a spec needs a name (a non-empty string); got ${describeValue(def.name)}`);
  requireField(def.name, "properties", def.properties, "object", "an object of properties (properties: {} for none)");
  const schema: ParamsSchema = def.params ?? {};
  requireField(def.name, "params", schema, "object", "an object of parameters, each int(...), bool(...) or oneOf(...)");
  for (const [name, param] of Object.entries(schema)) {
    const problem = paramDefProblem(param);
    if (problem !== undefined) throw new SpecDefinitionError(`spec "${def.name}": param "${name}": ${problem}`);
  }
  const properties = propertyInfos(def.properties, def.deadlock ?? false);
  const variants = variantInfos(
    def.name,
    def.description,
    def.variants ?? {},
    properties.map((p) => p.name),
  );
  return {
    header: {
      kind: "interleave-spec" as const,
      name: def.name,
      description: def.description,
      params: schema,
      properties,
      variants,
      ...(def.sets === undefined ? {} : { sets: def.sets }),
    },
    resolve(options: InstantiateOptions): { variant: string; values: Record<string, number | boolean | string> } {
      const variant = findVariant(def.name, variants, options.variant ?? DEFAULT_VARIANT);
      return { variant: variant.name, values: resolveParams(schema, variant.params ?? {}, options.params ?? {}) };
    },
  };
}

function genericModel<S, Schema extends ParamsSchema>(
  def: SpecDefinition<S, Schema>,
  variant: string,
  values: ParamRecord,
  params: ParamValues<Schema>,
  actions: ActionsDef<S, ParamValues<Schema>>,
  deadlock: boolean,
): Model<S> {
  const entries = Object.entries(actions).filter(
    (e): e is [string, ActionDef<S, ParamValues<Schema>>] => e[1] !== undefined,
  );
  for (const [name, action] of entries) {
    const shape = action as unknown as { readonly enumerate?: unknown };
    if (typeof action !== "function" && typeof shape.enumerate !== "function") {
      throw new SpecDefinitionError(
        `spec "${def.name}", action "${name}": an action is a function (state, params) => next state or undefined, or choose(choices, step); got ${describeValue(action)}`,
      );
    }
  }
  const constraint = def.constraint;
  const fp: Fingerprint = { hi: 0, lo: 0 };
  const tried = new Float64Array(entries.length);
  const enabled = new Float64Array(entries.length);
  return {
    spec: def.name,
    variant,
    params: values,
    properties: bindProperties(def.properties, params),
    deadlock,
    actionNames: entries.map(([name]) => name),
    constrained: constraint !== undefined,
    initStates: () => initialStates(def.init, params),
    fingerprint: (state, out) => fingerprintResult(state, out, "init", "init"),
    withinConstraint: constraint
      ? (state) =>
          guardedCheck("constraint", "constraint", [{ name: "state", value: state }], (s) => constraint(s as S, params))
      : () => true,
    activity: () => new Map(entries.map(([name], k) => [`action ${name}`, { tried: tried[k]!, enabled: enabled[k]! }])),
    successors(state, _fp, sink) {
      for (let k = 0; k < entries.length; k++) {
        const [name, action] = entries[k]!;
        tried[k] = tried[k]! + 1;
        if (typeof action === "function") {
          let next: S | undefined;
          try {
            next = action(state, params);
          } catch (error) {
            throw new UserCodeError(
              faultOf("action", name, error, [{ name: "state", value: state }], (s) => action(s as S, params)),
            );
          }
          if (next === undefined) continue;
          enabled[k] = enabled[k]! + 1;
          fingerprintResult(next, fp, "action", name);
          sink.push(next, fp, name);
        } else {
          action.enumerate(state, params, name, (next, label) => {
            enabled[k] = enabled[k]! + 1;
            fingerprintResult(next, fp, "action", label);
            sink.push(next, fp, label);
          });
        }
      }
    },
  };
}

/** Runs a spec's `init`: an array of states, or a UserCodeError. */
function initialStates<S, P>(init: (params: P) => readonly S[], params: P): readonly S[] {
  let states: unknown;
  try {
    states = init(params);
  } catch (error) {
    throw new UserCodeError(faultOf("init", "init", error, [], () => init(params)));
  }
  if (!Array.isArray(states)) {
    throw new UserCodeError(
      invalidFault(
        "init",
        "init",
        `returned ${describeValue(states)}; init returns an array of initial states, e.g. () => [{ n: 0 }]`,
      ),
    );
  }
  return states as readonly S[];
}

/**
 * The same model checking only the properties named (and deadlock only when
 * `deadlockFree` is one of them), as a TLC config lists its invariants: BFS
 * then finds the shortest trace to those properties' violations.
 * Throws UnknownChoiceError for a name the model does not have.
 */
export function selectProperties<S>(model: Model<S>, names: readonly string[]): Model<S> {
  const known = [...model.properties.map((p) => p.name), ...(model.deadlock ? ["deadlockFree"] : [])];
  for (const name of names) {
    if (!known.includes(name))
      throw new UnknownChoiceError(
        `spec "${model.spec}" has no property "${name}"; properties: ${known.join(", ") || "(none)"}`,
      );
  }
  return deriveModel(model, {
    deadlock: names.includes("deadlockFree") && model.deadlock,
    properties: model.properties.filter((p) => names.includes(p.name)),
  });
}

/**
 * A model that forwards every member to `model` except those in `overrides`:
 * the one place that knows a model's members, for wrappers (property
 * selection, another fingerprint, guards).
 */
export function deriveModel<S>(model: Model<S>, overrides: Partial<Model<S>>): Model<S> {
  return {
    spec: model.spec,
    variant: model.variant,
    params: model.params,
    deadlock: model.deadlock,
    properties: model.properties,
    ...(model.actionNames ? { actionNames: model.actionNames } : {}),
    ...(model.coverageKey ? { coverageKey: (label: string) => model.coverageKey!(label) } : {}),
    ...(model.activity ? { activity: () => model.activity!() } : {}),
    ...(model.freeze ? { freeze: (state: S) => model.freeze!(state) } : {}),
    ...(model.constrained === undefined ? {} : { constrained: model.constrained }),
    ...(model.fairness ? { fairness: (label: string) => model.fairness!(label) } : {}),
    initStates: () => model.initStates(),
    fingerprint: (state, out) => model.fingerprint(state, out),
    successors: (state, fp, sink) => model.successors(state, fp, sink),
    withinConstraint: (state) => model.withinConstraint(state),
    ...(model.adopt ? { adopt: (state: S) => model.adopt!(state) } : {}),
    ...(model.codec ? { codec: model.codec } : {}),
    ...overrides,
  };
}

/** The same model checking only the property `name` (see selectProperties). */
export function onlyProperty<S>(model: Model<S>, name: string): Model<S> {
  return selectProperties(model, [name]);
}

/** The action name of a label: `Inc(1)` -> `Inc`. */
export function actionOfLabel(label: string): string {
  const paren = label.indexOf("(");
  return paren < 0 ? label : label.slice(0, paren);
}
