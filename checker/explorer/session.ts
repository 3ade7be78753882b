/**
 * Walking a model by hand: the state a path leads to, the actions enabled
 * there, what the last step changed and every property evaluated in it. The
 * explorer's web server (server.ts) answers with these views; they know
 * nothing of HTTP, so tests drive them directly.
 */
import {
  deepEqual,
  diffStates,
  formatChange,
  isProtocolState,
  type Fingerprint,
  type Model,
  type ModelProperty,
  type PropertyKind,
  type Trace,
  type TraceStep,
  sequenceSvg,
  type ReadTrace,
} from "../../src/index.js";
import { deepFreeze, describeFault, UserCodeError } from "../../src/user-code.js";
import { canonicalLabel, formatReplay, replayTrace } from "../replay.js";
import { involvedNodes } from "./involved.js";

/** A path the model does not have (bad ordinal, action not enabled): the API answers 400 with the message. */
export class PathError extends Error {
  override name = "PathError";
}

/** One step of a path: the index of an initial state first, then of a successor, or a successor's label. */
export type PathSegment = number | string;

/** An enabled action in the current state. */
export interface EnabledAction {
  /** Its position among the successors: what a path records. */
  readonly ordinal: number;
  readonly label: string;
  /** Reached by a fault (loss, duplication, crash, restart). */
  readonly fault: boolean;
}

/** A property evaluated in the current state. */
export interface PropertyStatus {
  readonly name: string;
  readonly kind: PropertyKind | "deadlock";
  /**
   * `holds`/`violated`; for `sometimes`, `reached` or `not-here`; `n/a` where
   * the property does not apply (an action property at an initial state, a
   * final property in a state that has successors).
   */
  readonly status: "holds" | "violated" | "reached" | "not-here" | "n/a";
}

/** Everything the page shows for one path. */
export interface ExplorerView {
  /** The path as ordinals (labels in the request are resolved). */
  readonly path: readonly number[];
  /** The steps so far, initial state first. */
  readonly steps: Trace;
  /** The last step's changes, as text (`nodes.tm.tmState: "init" → "committed"`). */
  readonly changes: readonly string[];
  /** The paths the last step changed (`nodes.tm.tmState`), to highlight in the state tree. */
  readonly changed: readonly string[];
  readonly enabled: readonly EnabledAction[];
  readonly properties: readonly PropertyStatus[];
  /** The state has no successor but faults. */
  readonly final: boolean;
  /** Inline SVG of the messages so far (protocol specs only). */
  readonly sequence: string | null;
}

interface Successor<S> {
  readonly state: S;
  readonly label: string;
  readonly fault: boolean;
}

/**
 * One model being explored. States are computed again along the path for
 * every request: a path is short and a model's step is cheap, and the server
 * keeps no per-tab state, so a reload or a shared URL shows the same thing.
 */
export class ExplorerSession<S> {
  private readonly inits: readonly S[];

  constructor(
    readonly model: Model<S>,
    private readonly options: { readonly sets?: readonly string[] | undefined } = {},
  ) {
    this.inits = guarded(() => model.initStates());
    for (const s of this.inits) deepFreeze(s);
  }

  /** Describes the model: what the page's header shows. */
  info(): {
    spec: string;
    variant: string;
    params: Model<S>["params"];
    properties: { name: string; kind: PropertyKind }[];
    initStates: number;
    protocol: boolean;
  } {
    return {
      spec: this.model.spec,
      variant: this.model.variant,
      params: this.model.params,
      properties: this.model.properties.map((p) => ({ name: p.name, kind: p.kind })),
      initStates: this.inits.length,
      protocol: isProtocolState(this.inits[0]),
    };
  }

  /** The view at the end of `path`; throws PathError for a path the model does not have. */
  view(path: readonly PathSegment[]): ExplorerView {
    const walked = this.walk(path);
    const { states, ordinals, labels } = walked;
    const state = states[states.length - 1]!;
    const prev = states.length > 1 ? states[states.length - 2] : undefined;
    const successors = guarded(() => this.successorsOf(state));
    const final = this.model.withinConstraint(state) && successors.every((s) => s.fault);
    const changes = prev === undefined ? [] : diffStates(prev, state, { sets: this.options.sets });
    const steps: TraceStep[] = states.map((s, i) => ({ action: i === 0 ? null : labels[i - 1]!, state: s }));
    const properties = guarded(() => this.evaluate(prev, state, final, successors.length === 0));
    const violated = properties.find((p) => p.status === "violated");
    return {
      path: ordinals,
      steps,
      changes: changes.flatMap(formatChange),
      changed: changes.map((c) => c.path),
      enabled: successors.map((s, ordinal) => ({ ordinal, label: s.label, fault: s.fault })),
      properties,
      final,
      sequence: isProtocolState(state)
        ? sequenceSvg(steps, {
            ...(violated === undefined ? {} : { violated: violated.name }),
            ...(violated === undefined || violated.kind === "deadlock"
              ? {}
              : { involved: involvedNodes(this.model as Model<unknown>, steps, violated.name) }),
          })
        : null,
    };
  }

  /**
   * The path (as ordinals) that a saved trace takes through this model, or a
   * PathError saying where the trace leaves it (the text `interleave replay`
   * prints).
   */
  pathOfTrace(read: ReadTrace): number[] {
    const outcome = replayTrace(this.model, { trace: read.trace, sets: read.sets ?? this.options.sets });
    if (outcome.result === "diverged" || outcome.result === "error")
      throw new PathError(formatReplay(this.model, read, outcome));
    const first = read.trace[0]!;
    const init = this.inits.findIndex((s) => deepEqual(s, first.state));
    const path = [init];
    let state: S = this.inits[init] as S;
    for (const step of read.trace.slice(1)) {
      const successors = this.successorsOf(state);
      const wanted = step.action === null ? null : canonicalLabel(step.action);
      const matches = (s: Successor<S>) =>
        (s.label === step.action || canonicalLabel(s.label) === wanted) && deepEqual(s.state, step.state);
      const ordinal = successors.findIndex(matches);
      // replayTrace accepted every step, so each has a successor that matches.
      path.push(ordinal);
      state = (successors[ordinal] as Successor<S>).state;
    }
    return path;
  }

  private walk(path: readonly PathSegment[]): { states: S[]; ordinals: number[]; labels: string[] } {
    const [first = 0, ...rest] = path;
    const init = typeof first === "number" ? first : Number.NaN;
    if (!Number.isInteger(init) || init < 0 || init >= this.inits.length) {
      throw new PathError(
        `there is no initial state ${JSON.stringify(first)}; the spec has ${this.inits.length} (0..${this.inits.length - 1})`,
      );
    }
    const states: S[] = [this.inits[init]!];
    const ordinals = [init];
    const labels: string[] = [];
    rest.forEach((segment, i) => {
      const successors = guarded(() => this.successorsOf(states[states.length - 1]!));
      const ordinal = typeof segment === "number" ? segment : findLabel(successors, segment);
      const next = successors[ordinal];
      if (next === undefined) {
        const what = typeof segment === "number" ? `action #${segment}` : `action ${JSON.stringify(segment)}`;
        throw new PathError(
          `step ${i + 1}: ${what} is not enabled; ${successors.length} action${successors.length === 1 ? " is" : "s are"} enabled there`,
        );
      }
      states.push(next.state);
      ordinals.push(ordinal);
      labels.push(next.label);
    });
    return { states, ordinals, labels };
  }

  private successorsOf(state: S): Successor<S>[] {
    const fp: Fingerprint = { hi: 0, lo: 0 };
    this.model.fingerprint(state, fp);
    const out: Successor<S>[] = [];
    this.model.successors(state, fp, {
      labels: true,
      push: (next, _fp, label, fault) => {
        deepFreeze(next);
        out.push({ state: next, label, fault: fault === true });
      },
    });
    return out;
  }

  private evaluate(prev: S | undefined, state: S, final: boolean, noSuccessor: boolean): PropertyStatus[] {
    const out = this.model.properties.map((p): PropertyStatus => ({
      name: p.name,
      kind: p.kind,
      status: statusOf(p, prev, state, final),
    }));
    if (this.model.deadlock)
      out.push({
        name: "deadlockFree",
        kind: "deadlock",
        status: noSuccessor && this.model.withinConstraint(state) ? "violated" : "holds",
      });
    return out;
  }
}

function statusOf<S>(p: ModelProperty<S>, prev: S | undefined, state: S, final: boolean): PropertyStatus["status"] {
  switch (p.kind) {
    case "invariant":
      return p.check(state) ? "holds" : "violated";
    case "action":
      return prev === undefined ? "n/a" : p.check(prev, state) ? "holds" : "violated";
    case "final":
      return !final ? "n/a" : p.check(state) ? "holds" : "violated";
    case "sometimes":
    case "eventually":
    case "alwaysEventually":
      // Liveness is a claim about whole behaviours: one state only shows whether its goal holds here.
      return p.check(state) ? "reached" : "not-here";
    case "leadsTo":
      return p.then(state) ? "reached" : p.check(state) ? "not-here" : "n/a";
  }
}

/** A label's ordinal: the exact label, else the same label with message fields in another order. */
function findLabel<S>(successors: readonly Successor<S>[], label: string): number {
  const exact = successors.findIndex((s) => s.label === label);
  if (exact >= 0) return exact;
  const wanted = canonicalLabel(label);
  return successors.findIndex((s) => canonicalLabel(s.label) === wanted);
}

/** Runs the spec's code; a fault in it becomes a PathError the page shows. */
function guarded<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof UserCodeError) throw new PathError(`the spec's code failed: ${describeFault(error.fault)}`);
    throw error;
  }
}
