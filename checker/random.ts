/**
 * Random simulation: many random walks from the initial states, each bounded
 * in depth. It never proves a property (an unfinished search is `incomplete`),
 * but it reaches deep states of models too big to enumerate, fast.
 *
 * A violation is shrunk with fast-check: a walk is modelled as an arbitrary
 * over (initial-state choice, successor choices), each choice taken modulo
 * the number of successors where it is used, so fast-check's shrinker
 * shortens the walk and moves its choices toward the first successor. A
 * cheap extra pass then cuts cycles and takes shortcuts (a later state of the
 * path that is a direct successor of an earlier one). The result prints with
 * the seed that repeats the whole search and the path that replays the trace.
 */
import fc from "fast-check";
import type { Fingerprint, Model, ModelProperty, PropertyKind, SuccessorSink } from "../src/index.js";
import { replayOrdinals } from "./explore.js";
import { collisionProbability } from "./store.js";
import type { Report } from "./report.js";
import type { Limit, Progress, SearchOptions, SearchOutcome, Strategy } from "./strategy.js";

/** Options of a random search (the limits of `SearchOptions` apply too). */
export interface RandomOptions extends SearchOptions {
  /** Seed of the walks; the same seed gives the same walks, violation and trace. Default: a random seed, reported. */
  readonly seed?: number;
  /** Number of walks (default {@link DEFAULT_RUNS}); `maxDepth` bounds each (default {@link DEFAULT_WALK_DEPTH}). */
  readonly runs?: number;
  /**
   * Instead of searching, replay this path (`"0:3:1"`: the initial state's
   * ordinal, then each step's ordinal among its source's successors) and
   * check the properties along it.
   */
  readonly replayPath?: string;
  /** `"fast-check"` (default): shrink a violation; `"none"`: report the walk as found. */
  readonly shrink?: "fast-check" | "none";
}

/** What a random search found, with what replays it. */
export interface RandomOutcome<S> extends SearchOutcome<S> {
  /** `search`: random walks; `replay`: one given path (`replayPath` option). */
  readonly mode: "search" | "replay";
  readonly seed: number;
  /** The path that replays the (shrunk) counterexample with `--replay-path`, or null. */
  readonly replayPath: string | null;
  /** Walks started. */
  readonly walks: number;
  /** The walk budget: walks allowed, and steps per walk. */
  readonly runs: number;
  readonly walkDepth: number;
  /** Steps taken by the walks (successor picks), the throughput measure. */
  readonly steps: number;
  /** Steps of the counterexample as the walk found it, before shrinking, or null. */
  readonly foundSteps: number | null;
}

/** Walks per search when `runs` is not given. */
export const DEFAULT_RUNS = 10_000;
/** Steps per walk when `maxDepth` is not given. */
export const DEFAULT_WALK_DEPTH = 100;

/** A path through a model: the initial state's ordinal and each step's successor ordinal. */
export interface WalkPath {
  readonly init: number;
  readonly steps: readonly number[];
}

/**
 * The text form of a path, as `--replay-path` takes it: ordinals joined by `:`.
 * @example formatPath({ init: 0, steps: [3, 1] }) // "0:3:1"
 */
export function formatPath(path: WalkPath): string {
  return [path.init, ...path.steps].join(":");
}

/** A `--replay-path` value that is not a path. */
export class ReplayPathError extends Error {
  override name = "ReplayPathError";
}

/**
 * Parses `"0:3:1"` into a path.
 * @throws ReplayPathError when the text is not non-negative integers joined by `:`.
 */
export function parsePath(text: string): WalkPath {
  if (!/^\d+(:\d+)*$/.test(text)) {
    throw new ReplayPathError(`--replay-path takes ordinals joined by ":" (the initial state's, then each step's), e.g. "0:3:1"; got "${text}"`);
  }
  const [init, ...steps] = text.split(":").map(Number);
  return { init: init!, steps };
}

/** A random seed for a run that was given none (printed, so the run can be repeated). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x80000000);
}

/**
 * xoshiro128** seeded through splitmix32: one 32-bit draw per step.
 * Hand-rolled for speed: the walk loop draws once per step, and a fast-check
 * arbitrary would allocate a shrinkable value per draw. fast-check still does
 * all the shrinking, from the path the walk found.
 */
class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** A uniform integer in [0, n), n < 2^21. */
  below(n: number): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return Math.floor((r * n) / 0x100000000);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const SEEN = 1;
const EXPANDED = 2;

/**
 * Flags per 64-bit fingerprint in an open-addressing table of typed arrays.
 * Hand-rolled for speed (one lookup per generated successor); the checker's
 * StateStore keeps parent links a walk does not need.
 */
class FingerprintFlags {
  private mask = (1 << 12) - 1;
  private keys = new Int32Array((this.mask + 1) * 2);
  private flags = new Uint8Array(this.mask + 1);
  size = 0;

  /** ORs `flag` into the fingerprint's flags and returns the flags it had (0: never seen). */
  mark(hi: number, lo: number, flag: number): number {
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const f = this.flags[i]!;
      if (f === 0) {
        this.keys[2 * i] = hi;
        this.keys[2 * i + 1] = lo;
        this.flags[i] = flag;
        if (++this.size * 2 > this.mask) this.grow();
        return 0;
      }
      if (this.keys[2 * i] === (hi | 0) && this.keys[2 * i + 1] === (lo | 0)) {
        this.flags[i] = f | flag;
        return f;
      }
      i = (i + 1) & this.mask;
    }
  }

  get bytes(): number {
    return this.keys.byteLength + this.flags.byteLength;
  }

  private grow(): void {
    const { keys, flags } = this;
    this.mask = this.mask * 2 + 1;
    this.keys = new Int32Array((this.mask + 1) * 2);
    this.flags = new Uint8Array(this.mask + 1);
    this.size = 0;
    for (let i = 0; i < flags.length; i++) if (flags[i] !== 0) this.mark(keys[2 * i]!, keys[2 * i + 1]!, flags[i]!);
  }
}

type Invariant<S> = Extract<ModelProperty<S>, { kind: "invariant" }>;
type ActionProp<S> = Extract<ModelProperty<S>, { kind: "action" }>;
type FinalProp<S> = Extract<ModelProperty<S>, { kind: "final" }>;

/** A violation found on a walk: the property and the path to it. */
interface Found {
  readonly property: string;
  readonly kind: PropertyKind;
  readonly path: WalkPath;
}

/**
 * The successors of one state, kept in reusable buffers: a walk needs them
 * all to count them, but neither labels nor a copy of each.
 */
class Expander<S> {
  readonly states: S[] = [];
  readonly his: number[] = [];
  readonly los: number[] = [];
  /** Action labels, when asked for (shrinking matches steps by label). */
  readonly labels: string[] = [];
  count = 0;
  /** Successors that are not faults: with none, the state is final (faults do not keep a run going). */
  normal = 0;
  generated = 0;
  private readonly sink: SuccessorSink<S>;
  private readonly fp: Fingerprint = { hi: 0, lo: 0 };

  constructor(
    private readonly model: Model<S>,
    options: { readonly labels: boolean },
  ) {
    this.sink = {
      labels: options.labels,
      push: (next, fp, label, fault) => {
        const k = this.count++;
        if (fault !== true) this.normal++;
        this.states[k] = next;
        this.his[k] = fp.hi;
        this.los[k] = fp.lo;
        if (options.labels) this.labels[k] = label;
      },
    };
  }

  /** Computes the successors of `state` (fingerprint hi/lo); returns how many. */
  expand(state: S, hi: number, lo: number): number {
    this.count = 0;
    this.normal = 0;
    this.fp.hi = hi;
    this.fp.lo = lo;
    this.model.successors(state, this.fp, this.sink);
    this.generated += this.count;
    return this.count;
  }

  /** Drops references to the last successors (so they can be collected). */
  clear(): void {
    this.states.length = 0;
  }
}

/** The properties of a model by kind, and the checks a walk makes. */
class Checks<S> {
  readonly invariants: Invariant<S>[];
  readonly actions: ActionProp<S>[];
  readonly finals: FinalProp<S>[];

  constructor(readonly model: Model<S>) {
    this.invariants = model.properties.filter((p): p is Invariant<S> => p.kind === "invariant");
    this.actions = model.properties.filter((p): p is ActionProp<S> => p.kind === "action");
    this.finals = model.properties.filter((p): p is FinalProp<S> => p.kind === "final");
  }

  invariant(state: S): Invariant<S> | undefined {
    for (const p of this.invariants) if (!p.check(state)) return p;
    return undefined;
  }

  action(prev: S, next: S): ActionProp<S> | undefined {
    for (const p of this.actions) if (!p.check(prev, next)) return p;
    return undefined;
  }

  /** The final property a state with no successors violates (deadlockFree when the model checks deadlocks). */
  final(state: S): { name: string; kind: "final" } | undefined {
    for (const p of this.finals) if (!p.check(state)) return p;
    return this.model.deadlock ? { name: "deadlockFree", kind: "final" } : undefined;
  }
}

/**
 * Walks one path, checking every property at every state it visits and on
 * every successor it generates (as BFS does), so a violation one step off the
 * path is seen. Used to judge shrink candidates and replays: no state is
 * skipped as already checked.
 */
class PathChecker<S> {
  private readonly inits: readonly S[];
  private readonly initFps: Fingerprint[];
  private readonly expander: Expander<S>;
  private readonly checks: Checks<S>;

  constructor(private readonly model: Model<S>) {
    this.inits = model.initStates();
    this.initFps = this.inits.map((s) => {
      const fp = { hi: 0, lo: 0 };
      model.fingerprint(s, fp);
      return fp;
    });
    this.expander = new Expander(model, { labels: true });
    this.checks = new Checks(model);
  }

  get initCount(): number {
    return this.inits.length;
  }

  /** Ids of the action labels seen, in order of first sight. */
  private readonly labelIds = new Map<string, number>();

  private labelId(label: string): number {
    let id = this.labelIds.get(label);
    if (id === undefined) {
      id = this.labelsById.length;
      this.labelIds.set(label, id);
      this.labelsById.push(label);
    }
    return id;
  }

  /**
   * Follows `choices` from initial state `init` (modulo their number),
   * expanding every state on the way including the last; returns the first
   * violation, or undefined. A choice names an action by label id (see
   * `pick`); with `exact`, each choice is the step's ordinal instead, and one
   * beyond the successors is a divergence (undefined).
   */
  walk(init: number, choices: readonly number[], options: { readonly exact: boolean } = { exact: false }): Found | undefined {
    const { checks, expander } = this;
    if (options.exact && init >= this.inits.length) return undefined;
    const initOrdinal = init % this.inits.length;
    let state = this.inits[initOrdinal]!;
    let { hi, lo } = this.initFps[initOrdinal]!;
    const taken: number[] = [];
    const found = (p: { name: string; kind: PropertyKind }, extra?: number): Found => ({
      property: p.name,
      kind: p.kind,
      path: { init: initOrdinal, steps: extra === undefined ? taken : [...taken, extra] },
    });
    const bad = checks.invariant(state);
    if (bad) return found(bad);
    let n = 0;
    /** Expands `state`; a violation, or undefined to go on (`n` successors). */
    const expand = (): Found | "stop" | undefined => {
      // States outside the constraint are not expanded, as in BFS.
      if (!this.model.withinConstraint(state)) return "stop";
      n = expander.expand(state, hi, lo);
      if (expander.normal === 0) {
        const f = checks.final(state);
        if (f) return found(f);
        if (n === 0) return "stop";
      }
      // Every successor is checked, as BFS does when it expands a state; an
      // exact replay checks only the steps of the path.
      for (let k = 0; k < n && !options.exact; k++) {
        const next = expander.states[k]!;
        const violated = checks.action(state, next) ?? checks.invariant(next);
        if (violated) return found(violated, k);
      }
      return undefined;
    };
    let outcome = expand();
    for (const choice of choices) {
      if (outcome !== undefined) break;
      if (options.exact && choice >= n) return undefined;
      const k = options.exact ? choice : this.pick(choice, n);
      if (k === SKIP) continue;
      if (k < 0) return undefined;
      const next = expander.states[k]!;
      if (options.exact) {
        const violated = checks.action(state, next) ?? checks.invariant(next);
        if (violated) return found(violated, k);
      }
      taken.push(k);
      state = next;
      hi = expander.his[k]!;
      lo = expander.los[k]!;
      outcome = expand();
    }
    return outcome === "stop" ? undefined : outcome;
  }

  /** Label ids by id. */
  private readonly labelsById: string[] = [];

  /**
   * The successor a choice selects, among those inside the constraint (a walk
   * never steps outside it, where it could not go on): the one whose action
   * label has id `choice`; else one whose label is the same but for message
   * contents (`n2: receive RequestVote{…} from n3`); else none (SKIP: the
   * choice takes no step). -1 when no successor is inside the constraint.
   *
   * Choosing by label is what makes shrinking work: when fast-check drops a
   * step, the later choices still name the same actions, which usually remain
   * enabled, rather than positions that now point at unrelated successors;
   * and a choice whose action is no longer enabled is skipped, so dropping a
   * step does not derail the rest of the walk.
   */
  private pick(choice: number, n: number): number {
    const wanted = this.labelsById[choice];
    const coarse = wanted === undefined ? undefined : coarsen(wanted);
    const keys = this.successorKeys(n);
    let similar = SKIP;
    let inside = false;
    for (let k = 0; k < n; k++) {
      if (!this.model.withinConstraint(this.expander.states[k]!)) continue;
      inside = true;
      if (keys[k] === wanted) return k;
      if (similar === SKIP && coarse !== undefined && coarsen(keys[k]!) === coarse) similar = k;
    }
    return inside ? similar : -1;
  }

  /**
   * The label of each of the last `n` successors, made unique within the state
   * (`label#2` for the second successor with the same label), so a label
   * names exactly one successor.
   */
  private successorKeys(n: number): string[] {
    const keys: string[] = [];
    const count = new Map<string, number>();
    for (let k = 0; k < n; k++) {
      const label = this.expander.labels[k]!;
      const seen = count.get(label) ?? 0;
      count.set(label, seen + 1);
      keys.push(seen === 0 ? label : `${label}#${seen + 1}`);
    }
    return keys;
  }

  /**
   * The choices that make `walk` follow a path of ordinals (each step's label
   * id), or undefined when a step leaves the constraint.
   */
  encode(path: WalkPath): number[] | undefined {
    const { states, fps } = this.states(path);
    const choices: number[] = [];
    for (let i = 0; i < path.steps.length; i++) {
      const n = this.expander.expand(states[i]!, fps[i]!.hi, fps[i]!.lo);
      const ordinal = path.steps[i]!;
      if (!this.model.withinConstraint(this.expander.states[ordinal]!)) return undefined;
      choices.push(this.labelId(this.successorKeys(n)[ordinal]!));
    }
    return choices;
  }

  /** The states along a path (initial state first) with their fingerprints. */
  states(path: WalkPath): { states: S[]; fps: Fingerprint[] } {
    const states = [this.inits[path.init]!];
    const fps = [this.initFps[path.init]!];
    for (const k of path.steps) {
      const at = fps[fps.length - 1]!;
      this.expander.expand(states[states.length - 1]!, at.hi, at.lo);
      states.push(this.expander.states[k]!);
      fps.push({ hi: this.expander.his[k]!, lo: this.expander.los[k]! });
    }
    return { states, fps };
  }

  /** Successor fingerprint key -> ordinal, for one state. */
  successorOrdinals(state: S, fp: Fingerprint): Map<string, number> {
    const n = this.expander.expand(state, fp.hi, fp.lo);
    const out = new Map<string, number>();
    for (let k = n - 1; k >= 0; k--) out.set(key(this.expander.his[k]!, this.expander.los[k]!), k);
    return out;
  }

  initOrdinals(): Map<string, number> {
    const out = new Map<string, number>();
    for (let k = this.initFps.length - 1; k >= 0; k--) out.set(key(this.initFps[k]!.hi, this.initFps[k]!.lo), k);
    return out;
  }
}

/** A choice that names no enabled action: the walk takes no step for it. */
const SKIP = -2;

/** A label without its message contents: `n2: receive RequestVote{term:2} from n3` -> `n2: receive RequestVote{…} from n3`. */
function coarsen(label: string): string {
  const open = label.indexOf("{");
  const close = label.lastIndexOf("}");
  return open < 0 || close < open ? label : `${label.slice(0, open)}{…}${label.slice(close + 1)}`;
}

function key(hi: number, lo: number): string {
  return `${hi >>> 0}:${lo >>> 0}`;
}

/**
 * Shortens a violating path without fast-check: cuts cycles (a state seen
 * twice) and takes shortcuts (a later state that is a direct successor of an
 * earlier one, or an initial state). Each candidate is re-checked, so the
 * result still violates `property`.
 */
function cutCycles<S>(checker: PathChecker<S>, found: Found): Found {
  // An action property is violated by the last step itself: keep that step.
  const keepLast = found.kind === "action" && found.path.steps.length > 0;
  const prefix: WalkPath = keepLast ? { init: found.path.init, steps: found.path.steps.slice(0, -1) } : found.path;
  const { states, fps } = checker.states(prefix);
  const last = states.length - 1;
  const latest = new Map<string, number>();
  fps.forEach((fp, i) => latest.set(key(fp.hi, fp.lo), i));
  const furthest = (ordinals: Map<string, number>, from: number): { to: number; ordinal: number } | undefined => {
    let best: { to: number; ordinal: number } | undefined;
    for (const [k, ordinal] of ordinals) {
      const to = latest.get(k);
      if (to !== undefined && to > from && (best === undefined || to > best.to)) best = { to, ordinal };
    }
    return best;
  };
  const start = furthest(checker.initOrdinals(), -1) ?? { to: 0, ordinal: prefix.init };
  const steps: number[] = [];
  for (let i = start.to; i < last; ) {
    // State i+1 is a successor of state i, so there is always a jump.
    const jump = furthest(checker.successorOrdinals(states[i]!, fps[i]!), i)!;
    steps.push(jump.ordinal);
    i = jump.to;
  }
  if (keepLast) steps.push(found.path.steps[found.path.steps.length - 1]!);
  if (steps.length >= found.path.steps.length && start.ordinal === found.path.init) return found;
  const again = checker.walk(start.ordinal, steps, { exact: true });
  return again?.property === found.property && again.path.steps.length <= found.path.steps.length ? again : found;
}

/**
 * Shrinks a violating path with fast-check, then cuts cycles, and repeats
 * while that helps. Deterministic: fast-check shrinks without randomness and
 * is given `seed` only so its own report is repeatable.
 */
export function shrinkPath<S>(
  model: Model<S>,
  found: { readonly property: string; readonly kind: PropertyKind; readonly path: WalkPath },
  options: { readonly seed: number; readonly maxDepth: number },
): WalkPath {
  const checker = new PathChecker(model);
  let best: Found = found;
  for (let round = 0; round < 4; round++) {
    const before = best.path.steps.length;
    best = cutCycles(checker, fastCheckShrink(checker, best, options));
    if (best.path.steps.length >= before) break;
  }
  return best.path;
}

function fastCheckShrink<S>(checker: PathChecker<S>, found: Found, options: { seed: number; maxDepth: number }): Found {
  // The walk expands the state its last choice leads to, so a violation seen
  // among that state's successors needs no choice of its own.
  const prefix = { init: found.path.init, steps: found.path.steps.slice(0, Math.max(0, found.path.steps.length - 1)) };
  const encoded = [checker.encode(prefix), checker.encode(found.path)].filter((c) => c !== undefined);
  const choices = encoded.find((c) => checker.walk(found.path.init, c)?.property === found.property);
  if (choices === undefined) return found;
  let best = found;
  const walkArb = fc.tuple(
    fc.nat({ max: Math.max(0, checker.initCount - 1) }),
    fc.array(fc.nat({ max: 0x7fffffff }), { maxLength: Math.max(options.maxDepth, choices.length) }),
  );
  const property = fc.property(walkArb, ([init, steps]) => {
    const again = checker.walk(init, steps);
    if (again?.property !== found.property) return true;
    if (again.path.steps.length <= best.path.steps.length) best = again;
    return false;
  });
  fc.check(property, { examples: [[[found.path.init, [...choices]]]], numRuns: 1, seed: options.seed, endOnFailure: false });
  return best;
}

/** Runs a random search, or replays `options.replayPath`. */
export function randomSearch<S>(model: Model<S>, options: RandomOptions = {}): RandomOutcome<S> {
  const seed = options.seed ?? randomSeed();
  if (options.replayPath !== undefined) return replay(model, parsePath(options.replayPath), seed);
  return simulate(model, { ...options, seed });
}

/** The random strategy: `checkSpec(spec, { strategy: "random", seed: 1 })`. */
export const random: Strategy = {
  name: "random",
  search: (model, options) => randomSearch(model, options as RandomOptions),
};

function simulate<S>(model: Model<S>, options: RandomOptions & { seed: number }): RandomOutcome<S> {
  const start = performance.now();
  const seed = options.seed;
  const rng = new Xoshiro128(seed);
  const runs = options.runs ?? DEFAULT_RUNS;
  const depth = options.maxDepth ?? DEFAULT_WALK_DEPTH;
  const maxStates = options.maxStates ?? Infinity;
  const deadline = options.timeoutMs === undefined ? Infinity : start + options.timeoutMs;
  const progressEvery = options.progressIntervalMs ?? 1000;
  let nextProgress = start + progressEvery;
  const checks = new Checks(model);
  const expander = new Expander(model, { labels: false });
  const table = new FingerprintFlags();
  const inits = model.initStates();
  const initFps = inits.map((s) => {
    const fp = { hi: 0, lo: 0 };
    model.fingerprint(s, fp);
    return fp;
  });
  let generated = inits.length;
  let steps = 0;
  let walks = 0;
  let deepest = 0;
  let limit: Limit | undefined;
  let found: Found | undefined;
  const taken: number[] = [];
  const inside: number[] = [];

  for (const [ordinal, state] of inits.entries()) {
    const fp = initFps[ordinal]!;
    if (table.mark(fp.hi, fp.lo, SEEN) !== 0) continue;
    const bad = checks.invariant(state);
    if (bad) {
      found = { property: bad.name, kind: bad.kind, path: { init: ordinal, steps: [] } };
      break;
    }
  }

  while (!found && walks < runs && inits.length > 0) {
    walks++;
    const init = rng.below(inits.length);
    let state = inits[init]!;
    let hi = initFps[init]!.hi;
    let lo = initFps[init]!.lo;
    taken.length = 0;
    // States outside the constraint are not expanded; a walk only steps inside it.
    const expandable = model.withinConstraint(state);
    // Walk lengths cycle through eighths of the bound: long walks reach deep
    // states, short ones sample the states near the start far more often
    // (abd-register's volatile-replica bug: 4,201 walks of 20 steps, 99,301 of 100).
    const bound = Math.max(1, Math.round((depth * ((walks - 1) % 8 + 1)) / 8));
    for (let d = 0; d < bound && expandable; d++) {
      const n = expander.expand(state, hi, lo);
      // A state's successors are checked when it is first expanded; later visits only walk on.
      if ((table.mark(hi, lo, EXPANDED) & EXPANDED) === 0) {
        if (expander.normal === 0) {
          const f = checks.final(state);
          if (f) found = { property: f.name, kind: f.kind, path: { init, steps: [...taken] } };
        }
        for (let k = 0; k < n && !found; k++) {
          const next = expander.states[k]!;
          const violated = checks.action(state, next) ?? ((table.mark(expander.his[k]!, expander.los[k]!, SEEN) & SEEN) === 0 ? checks.invariant(next) : undefined);
          if (violated) found = { property: violated.name, kind: violated.kind, path: { init, steps: [...taken, k] } };
        }
        if (found) break;
      }
      if (n === 0) break;
      let k = rng.below(n);
      if (!model.withinConstraint(expander.states[k]!)) {
        // Walk on inside the constraint: a state outside it is not expanded (as
        // in BFS), so stepping there would end the walk. Redrawing among the
        // successors inside keeps the choice uniform among them.
        let m = 0;
        for (let j = 0; j < n; j++) if (model.withinConstraint(expander.states[j]!)) inside[m++] = j;
        if (m === 0) break;
        k = inside[rng.below(m)]!;
      }
      taken.push(k);
      state = expander.states[k]!;
      hi = expander.his[k]!;
      lo = expander.los[k]!;
      steps++;
      if (d + 1 > deepest) deepest = d + 1;
      if ((steps & 1023) === 0) {
        const now = performance.now();
        if (now > deadline) limit = "timeout";
        else if (table.size > maxStates) limit = "max-states";
        if (options.onProgress && now >= nextProgress) {
          nextProgress = now + progressEvery;
          options.onProgress(progressOf(table.size, expander.generated + generated, deepest, now - start));
        }
        if (limit) break;
      }
    }
    if (limit) break;
  }
  expander.clear();
  generated += expander.generated;
  const searchMs = performance.now() - start;

  const base = {
    mode: "search" as const,
    seed,
    walks,
    runs,
    walkDepth: depth,
    steps,
    distinctStates: Math.min(table.size, maxStates),
    generatedStates: generated,
    maxDepth: deepest,
    bytesPerState: table.size === 0 ? 0 : table.bytes / table.size,
    collisionProbability: collisionProbability(table.size),
    peakRssBytes: process.memoryUsage.rss(),
  };
  if (!found) {
    return { ...base, result: "incomplete", replayPath: null, foundSteps: null, durationMs: searchMs, ...(limit ? { limit } : {}) };
  }
  const path = options.shrink === "none" ? found.path : shrinkPath(model, found, { seed, maxDepth: depth });
  const trace = replayOrdinals(model, path.init, path.steps);
  return {
    ...base,
    result: "violation",
    violation: { property: found.property, kind: found.kind, trace },
    replayPath: formatPath(path),
    foundSteps: found.path.steps.length,
    durationMs: performance.now() - start,
  };
}

function progressOf(distinct: number, generated: number, depth: number, elapsedMs: number): Progress {
  // A random search has no frontier: the queue is empty.
  return { distinctStates: distinct, generatedStates: generated, queue: 0, depth, elapsedMs };
}

/** Replays a path exactly, checking the properties on it. */
function replay<S>(model: Model<S>, path: WalkPath, seed: number): RandomOutcome<S> {
  const start = performance.now();
  const checker = new PathChecker(model);
  if (path.init >= checker.initCount) {
    throw new ReplayPathError(`--replay-path starts at initial state #${path.init}, but the model has ${checker.initCount} initial state(s)`);
  }
  const found = checker.walk(path.init, path.steps, { exact: true });
  let trace;
  try {
    trace = replayOrdinals(model, path.init, found?.path.steps ?? path.steps);
  } catch (error) {
    throw new ReplayPathError(`--replay-path ${formatPath(path)} does not fit this model: ${(error as Error).message}`);
  }
  const base = {
    mode: "replay" as const,
    seed,
    walks: 1,
    runs: 1,
    walkDepth: path.steps.length,
    steps: trace.length - 1,
    distinctStates: trace.length,
    generatedStates: trace.length,
    maxDepth: trace.length - 1,
    bytesPerState: 0,
    collisionProbability: 0,
    peakRssBytes: process.memoryUsage.rss(),
    foundSteps: trace.length - 1,
  };
  if (!found) return { ...base, result: "incomplete", limit: "max-depth", replayPath: null, durationMs: performance.now() - start };
  return {
    ...base,
    result: "violation",
    violation: { property: found.property, kind: found.kind, trace },
    replayPath: formatPath(found.path),
    durationMs: performance.now() - start,
  };
}

/**
 * The lines that repeat a random run: the seed repeats the whole search (with
 * the same walk budget), the path replays the counterexample without searching.
 * `spec` is how the command names the spec (default: its catalogue name).
 * @example
 * replayHint(report)
 * // search: interleave check two-phase-commit --variant commit-without-all-prepared --strategy random --seed 1
 * // replay: interleave check two-phase-commit --variant commit-without-all-prepared --strategy random --seed 1 --replay-path 0:3:0:5
 */
export function replayHint(r: RandomReport, spec: string = r.spec): string {
  const params = Object.entries(r.params).map(([k, v]) => ` --param ${k}=${String(v)}`);
  const base = `interleave check ${spec}${r.variant === "default" ? "" : ` --variant ${r.variant}`}${params.join("")} --strategy random --seed ${r.seed}`;
  const budget = `${r.runs === DEFAULT_RUNS ? "" : ` --runs ${r.runs}`}${r.walkDepth === DEFAULT_WALK_DEPTH ? "" : ` --max-depth ${r.walkDepth}`}`;
  const search = `search: ${base}${budget}`;
  const replay = `replay: ${base} --replay-path ${r.replayPath}`;
  if (r.mode === "replay") return r.replayPath === null ? "replay: the path ends with no violation" : replay;
  return r.replayPath === null ? search : `${search}\n${replay}`;
}

/** The `--json` report of a random search: the common report plus what repeats it. */
export interface RandomReport extends Report {
  /** `search`: random walks; `replay`: one given path (`--replay-path`). */
  readonly mode: "search" | "replay";
  /** Repeats the whole search: `--strategy random --seed N`. */
  readonly seed: number;
  /** Replays the (shrunk) counterexample without searching: `--replay-path P`; null without a violation. */
  readonly replayPath: string | null;
  readonly walks: number;
  /** The walk budget: `--runs` and `--max-depth`. */
  readonly runs: number;
  readonly walkDepth: number;
  readonly steps: number;
  readonly stepsPerSecond: number;
  /** Steps of the counterexample as first found, before shrinking; null without a violation. */
  readonly foundSteps: number | null;
}

/** Whether a search outcome came from the random strategy. */
export function isRandomOutcome<S>(outcome: SearchOutcome<S>): outcome is RandomOutcome<S> {
  return typeof (outcome as Partial<RandomOutcome<S>>).seed === "number";
}

/** Adds the random search's seed, replay path and walk counts to its report. */
export function randomReport(report: Report, outcome: RandomOutcome<unknown>): RandomReport {
  const seconds = outcome.durationMs / 1000;
  return {
    ...report,
    mode: outcome.mode,
    seed: outcome.seed,
    replayPath: outcome.replayPath,
    walks: outcome.walks,
    runs: outcome.runs,
    walkDepth: outcome.walkDepth,
    steps: outcome.steps,
    stepsPerSecond: seconds > 0 ? Math.round(outcome.steps / seconds) : 0,
    foundSteps: outcome.foundSteps,
  };
}
