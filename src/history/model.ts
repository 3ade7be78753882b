import type { Operation } from "./operations.js";

/**
 * A sequential specification of an object, in Porcupine's shape: an initial
 * state and a step function, plus optional partitioning and descriptions.
 * The checkers know nothing else about the object.
 *
 * States are plain data (numbers, strings, arrays, objects). Two states are
 * the same when their {@link Model.key} is the same; by default the key is the
 * state itself for primitives and a canonical JSON text for objects and arrays.
 *
 * @example
 * // a counter with `inc` and `read`
 * const counter: Model<number> = {
 *   name: "counter",
 *   init: () => 0,
 *   step: (n, op) => op.f === "inc" ? [n + 1] : op.output === n ? [n] : [],
 * };
 */
export interface Model<State = unknown> {
  /** Used in reports; defaults to `"custom"`. */
  readonly name?: string;
  /** The state before any operation. */
  init(): State;
  /**
   * The states the object may be in after `op` takes effect in `state`:
   * one state for a deterministic object, several for a nondeterministic one,
   * none when `op` (with its recorded output) cannot happen in `state`.
   *
   * `op.status` tells how the operation ended: `ok` (check `op.output`),
   * `unknown` (no output: return every state the operation could lead to),
   * or `fail` (only seen when {@link Model.ignore} keeps failed operations).
   * Must be pure: the checkers call it once per state and operation and cache
   * the answer.
   */
  step(state: State, op: Operation): readonly State[];
  /**
   * The part of the object an operation touches, e.g. its key. Operations on
   * different parts must be independent (the state is a product of one state
   * per part); each part is then checked on its own, which is exponentially
   * cheaper (P-compositionality).
   */
  partition?(op: Operation): string;
  /**
   * Operations to leave out before checking. Default: failed operations,
   * which certainly did not take effect. A model may keep failures that still
   * observed something (an etcd cas that failed because the value differed)
   * and drop operations that can never matter (a read with unknown outcome).
   */
  ignore?(op: Operation): boolean;
  /**
   * Operations that never change the state (reads): `step` returns either
   * `[state]` or `[]` for them, whatever the state. Optional; it lets the
   * search place a read as soon as it is legal instead of trying every order.
   */
  readOnly?(op: Operation): boolean;
  /**
   * A fast, sound test for common linearizability violations (a stale or
   * invented read), run before the search on each partition: return a
   * violation only if no linearization can exist. Optional.
   */
  quickViolation?(ops: readonly Operation[]): QuickViolation | undefined;
  /**
   * An exact decision, faster than the search, for the partitions it covers
   * (the register's: polynomial when every written value is distinct).
   * Return a linearization of `ops` (every definite operation once, in an
   * order that respects real time and the model; unknown-outcome ones as
   * needed) or a violation, which must hold in every linearization; or
   * `undefined` when the partition is not covered, and the search decides.
   * The checker replays a returned order before trusting it. Optional.
   */
  decide?(ops: readonly Operation[]): Decision | undefined;
  /**
   * States from which to check a window of a long history: for every state
   * `s` the object can be in after some of the operations invoked before the
   * window (`history[0..start)`) took effect, if `window` can be linearized
   * starting from `s`, it can be from one of the returned states. Returning
   * more states is always sound (only fewer violations are found). `history`
   * is the same array for every window of a partition, so a model can index it
   * once (a `WeakMap`) and answer each window in time proportional to the
   * window. Optional; it enables the windowed check, which finds local
   * violations in long histories without searching all that precedes them.
   * Return `undefined` when the window cannot be covered.
   */
  windowStates?(
    window: readonly Operation[],
    history: readonly Operation[],
    start: number,
  ): readonly State[] | undefined;
  /**
   * Optional, for speed: for each of a partition's operations, a guess of the
   * latest point at which it takes effect, as a position in the history's
   * event numbering like {@link Operation.end} (e.g. before the first read
   * that returns what it wrote). The search tries candidates that must take
   * effect soonest first; it uses the smaller of this and the operation's
   * completion. Any numbers are correct (`Infinity` for no guess): a good
   * guess only finds a linearization with less backtracking.
   */
  deadlines?(ops: readonly Operation[]): ArrayLike<number>;
  /** A canonical key for a state, when the default (canonical JSON) is slow or wrong. */
  key?(state: State): string | number | boolean | null;
  /**
   * Optional, for speed: the model specialised to the operations of one
   * partition, starting from `initial`, with states numbered by the model
   * (see {@link CompiledModel}). The search then steps by state number and
   * operation index and never keys a state. Return `undefined` to have the
   * search use `step` and `key`.
   */
  compile?(ops: readonly Operation[], initial: State): CompiledModel<State> | undefined;
  /** One-line text for an operation in explanations. */
  describe?(op: Operation): string;
  /** One-line text for a state in explanations. */
  describeState?(state: State): string;
}

/**
 * A deterministic model specialised to one partition's operations
 * ({@link Model.compile}). It must agree with the model's `step`: a number
 * stands for one state, so equal numbers are equal states; equal states should
 * get equal numbers too, or the search merges fewer configurations (slower,
 * still correct).
 */
export interface CompiledModel<State = unknown> {
  /** The number of the initial state. */
  readonly initial: number;
  /** The number of the state after `ops[op]` takes effect in state `s`, or -1 when it cannot happen there. */
  step(s: number, op: number): number;
  /** The state a number stands for, as `step` of the model would give it (for explanations). */
  state(s: number): State;
  /** A rough count of the bytes held, for the memory budget. */
  memoryBytes(): number;
}

/** What {@link Model.decide} found: a witness order, or a violation of every order. */
export type Decision =
  | { readonly kind: "linearizable"; readonly order: readonly Operation[] }
  | { readonly kind: "violation"; readonly message: string; readonly operations: readonly Operation[] };

/** What {@link Model.quickViolation} found. */
export interface QuickViolation {
  /** Why no linearization exists, naming the operations. */
  readonly message: string;
  /** The operations involved. */
  readonly operations: readonly Operation[];
}

/** A model whose state type is not known statically (user modules, the CLI). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a model of any state type (unknown would reject every typed model's step)
export type AnyModel = Model<any>;

/** The default {@link Model.ignore}: failed operations did not take effect. */
export function ignoreFailed(op: Operation): boolean {
  return op.status === "fail";
}
