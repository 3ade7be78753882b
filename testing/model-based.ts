/**
 * Model-based testing of real implementations, built on fast-check's
 * `fc.commands`: fast-check draws sequences of commands, runs them against
 * the implementation and, side by side, against a reference, and on the first
 * divergence shrinks the sequence and reports it with the seed and path that
 * replay it.
 *
 * Two kinds of reference:
 * - a spec (or one of its models): the implementation's state, seen through
 *   `view`, must move as the spec allows (each command is at most one step of
 *   the spec, a refinement check) and satisfy the spec's properties;
 * - an operation model in Porcupine's shape (`init`, `step(state, op)`, as in
 *   `interleave-check/history`): each command is an operation, and the output the
 *   implementation returns must be one the model allows.
 */
import fc from "fast-check";
import type { Json, Operation } from "../src/history/index.js";
import {
  deepEqual,
  diffStates,
  formatChange,
  propertiesOfKind,
  show,
  type Fingerprint,
  type Model,
  type ModelProperty,
  type ParamRecord,
  type Spec,
} from "../src/index.js";

/** Options shared by both kinds of reference. */
export interface ModelBasedOptions<C> {
  /** The commands fast-check draws, as sequences of up to `maxCommands` (default 20). */
  readonly commands: fc.Arbitrary<C>;
  /** How a command reads in reports (default: compact JSON). */
  readonly describe?: (command: C) => string;
  readonly maxCommands?: number;
  /** Command sequences tried (default 100). */
  readonly numRuns?: number;
  /** Replays a failure: the `seed`, `path` and `replayPath` a ModelDivergenceError printed. */
  readonly seed?: number;
  readonly path?: string;
  readonly replayPath?: string;
}

/**
 * How a real implementation is driven and seen, checked against a spec.
 * `view` shows the implementation's state; `project` shows a spec state the
 * same way (default: the whole state, so `view` must build a full spec
 * state). Projecting lets the spec keep ghost variables and bounds the
 * implementation knows nothing of: the test tracks every spec state that
 * looks like the implementation's.
 */
export interface SpecTestOptions<S, Real, C, V = S> extends ModelBasedOptions<C> {
  /** Performs one command on the implementation. */
  readonly run: (real: Real, command: C) => void;
  /** What the implementation's state looks like (its abstraction function). */
  readonly view: (real: Real) => V;
  /** What a spec state looks like, comparable with `view` (structural equality). */
  readonly project?: (state: S) => V;
  /** Whether `command` may be drawn when the implementation looks like `view` (the environment's assumptions). */
  readonly enabled?: (view: V, command: C) => boolean;
  /** The variant and parameters of the spec's model (when a spec is given). */
  readonly variant?: string;
  readonly params?: ParamRecord;
  /** Paths of the view's arrays that are sets, diffed by membership in reports (default: the spec's `sets`). */
  readonly sets?: readonly string[];
}

/** A sequential specification in Porcupine's shape (the models of `interleave-check/history`). */
export interface OperationModel<S> {
  readonly name?: string;
  init(): S;
  step(state: S, op: Operation): readonly S[];
  key?(state: S): string | number | boolean | null;
  describe?(op: Operation): string;
  describeState?(state: S): string;
}

/** An operation to perform: what an invocation event holds. */
export interface Invocation {
  readonly f: string;
  readonly key?: string;
  readonly input: Json;
}

/** How a real implementation is driven, checked against an operation model. */
export interface OperationTestOptions<Real> extends ModelBasedOptions<Invocation> {
  /** Performs the operation on the implementation and returns its output. */
  readonly run: (real: Real, op: Invocation) => Json;
}

/** A passing model-based test. */
export interface ModelBasedResult {
  readonly numRuns: number;
  readonly seed: number;
}

/**
 * The implementation diverged from its reference. `commands` is the shrunk
 * sequence that was run, up to and including the diverging command.
 */
export class ModelDivergenceError extends Error {
  override name = "ModelDivergenceError";
  constructor(
    readonly divergence: string,
    readonly commands: readonly string[],
    readonly seed: number,
    readonly path: string,
    readonly replayPath: string | undefined,
  ) {
    const replay = `{ seed: ${seed}, path: ${JSON.stringify(path)}${replayPath === undefined ? "" : `, replayPath: ${JSON.stringify(replayPath)}`} }`;
    super(
      [
        `the implementation diverged from its reference after ${commands.length} command(s):`,
        ...commands.map((c, i) => `  ${i + 1}. ${c}`),
        divergence,
        `replay with options ${replay}`,
      ].join("\n"),
    );
  }
}

/** The reference side of a test: told each command and output, it throws a Divergence when they are not allowed. */
interface Reference<C> {
  start(real: unknown): void;
  enabled(command: C): boolean;
  after(command: C, output: unknown, real: unknown): void;
}

/** Thrown inside a run on the first divergence. */
class Divergence extends Error {
  override name = "Divergence";
  constructor(
    message: string,
    readonly log: readonly string[],
  ) {
    super(message);
  }
}

/**
 * Runs commands fast-check draws against `createReal()` and a reference, and
 * throws a ModelDivergenceError (with the shrunk command sequence, the seed and
 * the path) on the first divergence.
 *
 * @example
 * // A key-value store against the kv model of interleave-check/history:
 * modelBasedTest(kvModel, () => new KvStore(), {
 *   commands: fc.oneof(
 *     fc.record({ f: fc.constant("get"), key: fc.constantFrom("x", "y"), input: fc.constant(null) }),
 *     fc.record({ f: fc.constant("append"), key: fc.constantFrom("x", "y"), input: fc.constantFrom("a", "b") }),
 *   ),
 *   run: (kv, op) => (op.f === "get" ? kv.get(op.key!) : (kv.append(op.key!, op.input as string), null)),
 * });
 * // A Snowflake id service against the unique-ids spec (see test/testing/model-based.test.ts):
 * modelBasedTest(uniqueIds, () => new Cluster(2), { commands, run: (c, cmd) => c.apply(cmd), view: (c) => c.view() });
 */
export function modelBasedTest<S, Real, C, V = S>(
  spec: Spec<S> | Model<S>,
  createReal: () => Real,
  options: SpecTestOptions<S, Real, C, V>,
): ModelBasedResult;
export function modelBasedTest<S, Real>(
  model: OperationModel<S>,
  createReal: () => Real,
  options: OperationTestOptions<Real>,
): ModelBasedResult;
export function modelBasedTest<S, Real, C, V>(
  reference: Spec<S> | Model<S> | OperationModel<S>,
  createReal: () => Real,
  options: SpecTestOptions<S, Real, C, V> | OperationTestOptions<Real>,
): ModelBasedResult {
  const describe = (options.describe ?? ((c: unknown) => JSON.stringify(c))) as (command: C) => string;
  const makeReference = (): Reference<C> =>
    isOperationModel(reference)
      ? (new OperationReference(reference, describe as (op: Invocation) => string) as unknown as Reference<C>)
      : new SpecReference(
          toModel(reference, options as SpecTestOptions<S, Real, C, V>),
          options as SpecTestOptions<S, Real, C, V>,
          describe,
          setsOf(reference, options as SpecTestOptions<S, Real, C, V>),
        );
  const run = options.run as (real: Real, command: C) => unknown;

  class Step implements fc.Command<Harness, Real> {
    constructor(
      readonly command: C,
      readonly text: string,
    ) {}
    check(h: Readonly<Harness>): boolean {
      return h.reference.enabled(this.command);
    }
    run(h: Harness, real: Real): void {
      h.log.push(this.text);
      let output: unknown;
      try {
        output = run(real, this.command);
      } catch (error) {
        throw new Divergence(`${this.text} threw: ${error instanceof Error ? error.message : String(error)}`, h.log);
      }
      try {
        h.reference.after(this.command, output, real);
      } catch (error) {
        if (error instanceof Divergence) throw new Divergence(error.message, h.log);
        throw error;
      }
    }
    toString(): string {
      return this.text;
    }
  }
  interface Harness {
    readonly reference: Reference<C>;
    readonly log: string[];
  }

  const commands = fc.commands([(options.commands as fc.Arbitrary<C>).map((c) => new Step(c, describe(c)))], {
    maxCommands: options.maxCommands ?? 20,
    ...(options.replayPath === undefined ? {} : { replayPath: options.replayPath }),
  });
  const property = fc.property(commands, (steps) => {
    const real = createReal();
    const harness: Harness = { reference: makeReference(), log: [] };
    harness.reference.start(real);
    fc.modelRun(() => ({ model: harness, real }), steps);
  });
  const details = fc.check(property, {
    numRuns: options.numRuns ?? 100,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  if (!details.failed) return { numRuns: details.numRuns, seed: details.seed };
  const error = details.errorInstance;
  if (!(error instanceof Divergence)) throw error;
  const replayPath = /replayPath="([^"]*)"/.exec(fc.stringify(details.counterexample?.[0]))?.[1];
  throw new ModelDivergenceError(error.message, error.log, details.seed, details.counterexamplePath ?? "", replayPath);
}

function setsOf<S>(
  x: Spec<S> | Model<S>,
  options: { readonly sets?: readonly string[] },
): readonly string[] | undefined {
  return options.sets ?? ("successors" in x ? undefined : x.sets);
}

function isOperationModel<S>(x: Spec<S> | Model<S> | OperationModel<S>): x is OperationModel<S> {
  return typeof (x as OperationModel<S>).step === "function" && typeof (x as OperationModel<S>).init === "function";
}

function toModel<S>(
  x: Spec<S> | Model<S>,
  options: { readonly variant?: string; readonly params?: ParamRecord },
): Model<S> {
  if ("successors" in x) return x;
  return x.instantiate({
    ...(options.variant === undefined ? {} : { variant: options.variant }),
    ...(options.params === undefined ? {} : { params: options.params }),
  });
}

/** A spec state the implementation may be in. */
interface Candidate<S> {
  readonly state: S;
  readonly fp: Fingerprint;
}

/**
 * Refinement against a spec: each command moves the implementation by at
 * most one step the spec allows. The spec states that look like the
 * implementation (several, when `project` hides part of the state) are
 * tracked together; a property is reported when every one of them breaks it.
 */
class SpecReference<S, Real, C, V> implements Reference<C> {
  private candidates: Candidate<S>[] = [];
  private last!: V;
  private readonly project: (state: S) => V;
  private readonly invariants: Extract<ModelProperty<S>, { kind: "invariant" }>[];
  private readonly actions: Extract<ModelProperty<S>, { kind: "action" }>[];

  constructor(
    private readonly model: Model<S>,
    private readonly options: SpecTestOptions<S, Real, C, V>,
    private readonly describe: (command: C) => string,
    private readonly sets: readonly string[] | undefined,
  ) {
    this.project = options.project ?? ((state) => state as unknown as V);
    this.invariants = propertiesOfKind(model.properties, "invariant");
    this.actions = propertiesOfKind(model.properties, "action");
  }

  start(real: unknown): void {
    const view = this.options.view(real as Real);
    const inits = this.model.initStates();
    this.candidates = inits.filter((s) => deepEqual(this.project(s), view)).map((state) => this.candidate(state));
    if (this.candidates.length === 0) {
      throw new Divergence(
        `the implementation starts in a state that is not an initial state of spec "${this.model.spec}":\n${changes(this.project(inits[0]!), view, this.sets)}`,
        [],
      );
    }
    this.checkInvariants("its initial state");
    this.last = view;
  }

  enabled(command: C): boolean {
    return this.options.enabled?.(this.last, command) ?? true;
  }

  after(command: C, _output: unknown, real: unknown): void {
    const view = this.options.view(real as Real);
    const what = this.describe(command);
    const next = new Map<string, Candidate<S>>();
    const steps: { prev: S; next: S }[] = [];
    for (const c of this.candidates) {
      // A command that changes nothing the implementation shows is a stutter step.
      if (deepEqual(this.project(c.state), view)) next.set(key(c.fp), c);
      this.model.successors(c.state, c.fp, {
        labels: false,
        push: (state, fp) => {
          if (!deepEqual(this.project(state), view)) return;
          steps.push({ prev: c.state, next: state });
          if (!next.has(key(fp))) next.set(key(fp), { state, fp: { hi: fp.hi, lo: fp.lo } });
        },
      });
    }
    if (next.size === 0) {
      const first = this.candidates[0]!;
      const labels: string[] = [];
      this.model.successors(first.state, first.fp, { labels: true, push: (_s, _fp, label) => void labels.push(label) });
      throw new Divergence(
        `after ${what}, the implementation's state is not one step of spec "${this.model.spec}" from the previous state; ` +
          `it changed:\n${changes(this.last, view, this.sets)}\nthe spec's enabled actions: ${labels.length === 0 ? "(none)" : labels.join(", ")}`,
        [],
      );
    }
    for (const p of this.actions) {
      if (steps.length > 0 && steps.every((s) => !p.check(s.prev, s.next))) {
        throw new Divergence(
          `after ${what}, the implementation's step violates "${p.name}" of spec "${this.model.spec}":\n${changes(this.last, view, this.sets)}`,
          [],
        );
      }
    }
    this.candidates = [...next.values()];
    this.checkInvariants(`after ${what}, its state`);
    this.last = view;
  }

  private checkInvariants(where: string): void {
    for (const p of this.invariants) {
      if (this.candidates.every((c) => !p.check(c.state))) {
        throw new Divergence(
          `${where} violates "${p.name}" of spec "${this.model.spec}": ${show(this.candidates[0]!.state)}`,
          [],
        );
      }
    }
  }

  private candidate(state: S): Candidate<S> {
    const fp = { hi: 0, lo: 0 };
    this.model.fingerprint(state, fp);
    return { state, fp };
  }
}

function key(fp: Fingerprint): string {
  return `${fp.hi}:${fp.lo}`;
}

/** The diff lines of a divergence: records and maps by key, arrays by index, declared sets by membership. */
function changes(before: unknown, after: unknown, sets: readonly string[] | undefined): string {
  const lines = diffStates(before, after, { sets }).flatMap(formatChange);
  return lines.length === 0 ? "    (no change)" : lines.map((l) => `    ${l}`).join("\n");
}

/**
 * Linearization against an operation model: every output must be one the model allows; nondeterminism is tracked as a
 * set of states.
 */
class OperationReference<S> implements Reference<Invocation> {
  private states: S[] = [];
  private count = 0;

  constructor(
    private readonly model: OperationModel<S>,
    private readonly describe: (op: Invocation) => string,
  ) {}

  start(): void {
    this.states = [this.model.init()];
    this.count = 0;
  }

  enabled(): boolean {
    return true;
  }

  after(invocation: Invocation, output: unknown): void {
    const id = this.count++;
    const op: Operation = {
      id,
      process: 0,
      f: invocation.f,
      ...(invocation.key === undefined ? {} : { key: invocation.key }),
      input: invocation.input,
      output: (output ?? null) as Json,
      status: "ok",
      call: 2 * id,
      end: 2 * id + 1,
    };
    const next = new Map<unknown, S>();
    for (const s of this.states) for (const n of this.model.step(s, op)) next.set(this.key(n), n);
    if (next.size === 0) {
      const described = this.model.describe?.(op) ?? `${this.describe(invocation)} -> ${JSON.stringify(output)}`;
      const states = this.states.map((s) => this.model.describeState?.(s) ?? show(s)).join(" or ");
      throw new Divergence(
        `${described}: not allowed by the ${this.model.name ?? "reference"} model in state ${states}`,
        [],
      );
    }
    this.states = [...next.values()];
  }

  private key(state: S): unknown {
    return this.model.key
      ? this.model.key(state)
      : typeof state === "object" && state !== null
        ? JSON.stringify(state)
        : state;
  }
}
