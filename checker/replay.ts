/**
 * Replaying a saved trace: re-executes it through the spec's reducers. Each
 * step must be one the spec allows (a successor of the previous state with the
 * step's action label and exactly the saved state); the properties are checked
 * along the way as the checker checks them, so a trace of a violation
 * reproduces that violation. Used by `interleave replay`.
 */
import { readFileSync } from "node:fs";
import {
  deepEqual,
  diffStates,
  findVariant,
  formatChange,
  isLiveness,
  type Fingerprint,
  type Model,
  type ParamRecord,
  type PropertyKind,
  type Spec,
  readTrace,
  TraceFormatError,
  type ReadTrace,
} from "../src/index.js";
import { deepFreeze, describeFault, isFinding, NO_REDUCER_THROWS, UserCodeError } from "../src/user-code.js";
import type { LivenessProperty } from "./edge-log.js";
import { looksLikePath, resolveSpec, UsageError } from "./load.js";
import { runName } from "./report.js";
import { catalogue } from "../specs/index.js";

/** What `replay` may override of what the trace says. */
export interface ReplayOptions {
  /** A catalogue name or a path: the spec to replay through (default: the trace's). */
  readonly spec?: string | undefined;
  readonly variant?: string | undefined;
  /** Parameter overrides on top of the trace's parameters. */
  readonly params?: ParamRecord | undefined;
}

/** How a replay ended. */
export type ReplayOutcome =
  | { readonly result: "violation"; readonly property: string; readonly kind: PropertyKind; readonly step: number }
  | {
      readonly result: "diverged";
      readonly step: number;
      readonly action: string | null;
      readonly reason: string;
      readonly diff: readonly string[];
    }
  | { readonly result: "ok"; readonly steps: number }
  /** The spec's own code failed (a throwing property, an in-place change...). */
  | { readonly result: "error"; readonly step: number; readonly message: string };

interface Successor<S> {
  readonly state: S;
  readonly fp: Fingerprint;
  readonly label: string;
  readonly fault: boolean;
}

function successorsOf<S>(model: Model<S>, state: S, fp: Fingerprint): Successor<S>[] {
  const out: Successor<S>[] = [];
  model.successors(state, fp, {
    labels: true,
    push: (next, nextFp, label, fault) =>
      void out.push({ state: next, fp: { hi: nextFp.hi, lo: nextFp.lo }, label, fault: fault === true }),
  });
  return out;
}

/** The first invariant a state breaks. */
function brokenAt<S>(model: Model<S>, state: S): { property: string; kind: PropertyKind } | undefined {
  for (const p of model.properties)
    if (p.kind === "invariant" && !p.check(state)) return { property: p.name, kind: p.kind };
  return undefined;
}

/** The first action property a step breaks, else the first invariant its new state breaks (the checker's order). */
function brokenOn<S>(model: Model<S>, prev: S, state: S): { property: string; kind: PropertyKind } | undefined {
  for (const p of model.properties)
    if (p.kind === "action" && !p.check(prev, state)) return { property: p.name, kind: p.kind };
  return brokenAt(model, state);
}

/** Final properties and deadlock, for a state within the constraint with no successor but faults. */
function brokenAtEnd<S>(
  model: Model<S>,
  state: S,
  successors: readonly Successor<S>[],
): { property: string; kind: PropertyKind } | undefined {
  if (!model.withinConstraint(state) || successors.some((s) => !s.fault)) return undefined;
  for (const p of model.properties)
    if (p.kind === "final" && !p.check(state)) return { property: p.name, kind: p.kind };
  return model.deadlock ? { property: "deadlockFree", kind: "final" } : undefined;
}

/**
 * A label with the entries of every `{...}` group sorted. A protocol's labels
 * print message fields in the key order of the objects the model holds, and
 * that order depends on which equal object the model met first (it shares
 * equal objects): a fresh replay may print `{"r1":1,"r2":1}` where the check
 * printed `{"r2":1,"r1":1}`, for the same action.
 */
export function canonicalLabel(label: string): string {
  let i = 0;
  const group = (close: string): string[] => {
    const entries: string[] = [];
    let current = "";
    while (i < label.length) {
      const c = label[i++]!;
      if (c === close) break;
      if (c === '"') {
        const start = i - 1;
        while (i < label.length && label[i] !== '"') i += label[i] === "\\" ? 2 : 1;
        current += label.slice(start, ++i);
      } else if (c === "{") current += `{${group("}").sort().join(",")}}`;
      else if (c === "[") current += `[${group("]").join(",")}]`;
      else if (c === "," && close !== "") {
        entries.push(current);
        current = "";
      } else current += c;
    }
    entries.push(current);
    return entries;
  };
  return group("").join(",");
}

const MAX_DIFF_LINES = 8;

function shortDiff(expected: unknown, saved: unknown, sets: readonly string[] | undefined): string[] {
  const lines = diffStates(expected, saved, { sets }).flatMap(formatChange);
  return lines.length > MAX_DIFF_LINES
    ? [...lines.slice(0, MAX_DIFF_LINES), `… ${lines.length - MAX_DIFF_LINES} more`]
    : lines;
}

/** The candidate closest to the saved state (fewest changed fields), to show how they differ. */
function closest<S>(candidates: readonly S[], saved: unknown, sets: readonly string[] | undefined): S {
  let best: S = candidates[0] as S;
  let fewest = Infinity;
  for (const c of candidates) {
    const n = diffStates(c, saved, { sets }).length;
    if (n < fewest) {
      best = c;
      fewest = n;
    }
  }
  return best;
}

/**
 * Replays `trace` through `model`: exits at the first violated property, or
 * the first step the spec does not allow.
 * @example replayTrace(twoPhaseCommit.instantiate({ variant: "commit-without-all-prepared" }), read.trace)
 */
export function replayTrace<S>(
  model: Model<S>,
  read: {
    readonly trace: ReadTrace["trace"];
    readonly sets?: readonly string[] | undefined;
    readonly loopStart?: number | undefined;
    readonly property?: string | null | undefined;
  },
): ReplayOutcome {
  const at = { step: 0 };
  try {
    const outcome = replaySteps(model, read, at);
    if (outcome.result !== "ok" || read.loopStart === undefined) return outcome;
    return replayLoop(
      model,
      read.trace as unknown as readonly { readonly action: string | null; readonly state: S }[],
      read.loopStart,
      read.property ?? undefined,
    );
  } catch (error) {
    if (!(error instanceof UserCodeError)) throw error;
    // A reducer that throws on the last state reproduces the checker's noReducerThrows; any other fault is the spec's
    // error.
    return isFinding(error.fault)
      ? { result: "violation", property: NO_REDUCER_THROWS, kind: "invariant", step: at.step }
      : { result: "error", step: at.step, message: describeFault(error.fault) };
  }
}

function replaySteps<S>(
  model: Model<S>,
  read: { readonly trace: ReadTrace["trace"]; readonly sets?: readonly string[] | undefined },
  at: { step: number },
): ReplayOutcome {
  const { trace, sets } = read;
  const first = trace[0];
  if (first === undefined)
    return { result: "diverged", step: 0, action: null, reason: "the trace has no steps", diff: [] };
  const inits = model.initStates();
  const init = inits.find((s) => deepEqual(s, first.state));
  if (init === undefined) {
    const diff = inits.length === 0 ? [] : shortDiff(closest(inits, first.state, sets), first.state, sets);
    return {
      result: "diverged",
      step: 0,
      action: null,
      reason: "the saved initial state is not an initial state of the spec",
      diff,
    };
  }
  let state: S = init;
  // Frozen as in the search, so an in-place change shows up here too.
  deepFreeze(state);
  let fp: Fingerprint = { hi: 0, lo: 0 };
  model.fingerprint(state, fp);
  const atInit = brokenAt(model, state);
  if (atInit) return { result: "violation", ...atInit, step: 0 };
  for (let i = 1; i < trace.length; i++) {
    at.step = i - 1;
    const step = trace[i]!;
    const successors: Successor<S>[] = successorsOf(model, state, fp);
    const atEnd = brokenAtEnd(model, state, successors);
    if (atEnd) return { result: "violation", ...atEnd, step: i - 1 };
    if (!model.withinConstraint(state)) {
      return {
        result: "diverged",
        step: i,
        action: step.action,
        reason: `step ${i - 1} is outside the spec's constraint, so the checker never expands it`,
        diff: [],
      };
    }
    const wanted = step.action === null ? null : canonicalLabel(step.action);
    const labelled = successors.filter((s) => s.label === step.action || canonicalLabel(s.label) === wanted);
    const next =
      labelled.find((s) => s.label === step.action && deepEqual(s.state, step.state)) ??
      labelled.find((s) => deepEqual(s.state, step.state));
    if (next === undefined) {
      if (labelled.length === 0) {
        const enabled = [...new Set(successors.map((s) => s.label))];
        const shown = enabled.length > 10 ? [...enabled.slice(0, 10), `… ${enabled.length - 10} more`] : enabled;
        return {
          result: "diverged",
          step: i,
          action: step.action,
          reason: `the action is not enabled; enabled: ${shown.join(", ") || "(none)"}`,
          diff: [],
        };
      }
      const expected = closest(
        labelled.map((s) => s.state),
        step.state,
        sets,
      );
      return {
        result: "diverged",
        step: i,
        action: step.action,
        reason: "the saved state is not the one the action leads to (spec → saved)",
        diff: shortDiff(expected, step.state, sets),
      };
    }
    at.step = i;
    deepFreeze(next.state);
    const broken = brokenOn(model, state, next.state);
    state = next.state;
    fp = next.fp;
    if (broken) return { result: "violation", ...broken, step: i };
  }
  const atEnd = brokenAtEnd(model, state, successorsOf(model, state, fp));
  if (atEnd) return { result: "violation", ...atEnd, step: trace.length - 1 };
  return { result: "ok", steps: trace.length - 1 };
}

/**
 * A lasso whose steps replayed: the last state must be the loop's first,
 * some liveness property must fail along it (as the checker judges it) and
 * its cycle must be fair (every weakly fair step enabled throughout the
 * cycle is taken in it; every strongly fair step enabled in it is taken).
 */
function replayLoop<S>(
  model: Model<S>,
  trace: readonly { readonly action: string | null; readonly state: S }[],
  loopStart: number,
  recorded: string | undefined,
): ReplayOutcome {
  const last = trace.length - 1;
  if (!Number.isInteger(loopStart) || loopStart < 0 || loopStart > last) {
    return {
      result: "diverged",
      step: last,
      action: null,
      reason: `loopStart ${loopStart} is not a step of the trace (0 to ${last})`,
      diff: [],
    };
  }
  if (!deepEqual(trace[last]!.state, trace[loopStart]!.state)) {
    return {
      result: "diverged",
      step: last,
      action: trace[last]!.action,
      reason: `the loop does not close: the last state is not the state at loopStart (step ${loopStart})`,
      diff: shortDiff(trace[loopStart]!.state, trace[last]!.state, undefined),
    };
  }
  const unfair = unfairness(model, trace, loopStart);
  if (unfair)
    return {
      result: "diverged",
      step: loopStart,
      action: null,
      reason: `the loop is not a fair behaviour: ${unfair}`,
      diff: [],
    };
  const live = model.properties.filter((p) => isLiveness(p.kind));
  const ordered = [...live.filter((p) => p.name === recorded), ...live.filter((p) => p.name !== recorded)];
  const states = trace.map((t) => t.state);
  for (const p of ordered) {
    if (lassoViolates(p as LivenessProperty<S>, states, loopStart))
      return { result: "violation", property: p.name, kind: p.kind, step: loopStart };
  }
  return { result: "ok", steps: last };
}

/** Whether the lasso (states, looping back from the last to `loopStart`) violates the property. */
function lassoViolates<S>(p: LivenessProperty<S>, states: readonly S[], loopStart: number): boolean {
  const cycle = states.slice(loopStart);
  switch (p.kind) {
    case "eventually":
      return states.every((s) => !p.check(s));
    case "alwaysEventually":
      return cycle.every((s) => !p.check(s));
    case "leadsTo": {
      // Some p state followed by ¬q forever: from a trigger at i, every later state (and the cycle) fails q.
      for (let i = 0; i < states.length; i++) {
        if (p.check(states[i]!) && states.slice(Math.min(i, loopStart)).every((s) => !p.then(s))) return true;
      }
      return false;
    }
  }
}

/** Why the lasso's cycle is not fair, or undefined when it is. */
function unfairness<S>(
  model: Model<S>,
  trace: readonly { readonly action: string | null; readonly state: S }[],
  loopStart: number,
): string | undefined {
  const fairness = model.fairness;
  if (!fairness) return undefined;
  const last = trace.length - 1;
  const cycle = trace.slice(loopStart, Math.max(loopStart + 1, last));
  const taken = new Set(trace.slice(loopStart + 1).map((t) => t.action));
  const enabledIn = new Map<string, number>();
  const fp: Fingerprint = { hi: 0, lo: 0 };
  for (const saved of cycle) {
    // A state read from a file: a protocol's model interns its parts first.
    const state = model.adopt ? model.adopt(saved.state) : saved.state;
    model.fingerprint(state, fp);
    const here = new Set(
      successorsOf(model, state, fp)
        .filter((x) => !x.fault && fairness(x.label) > 0)
        .map((x) => x.label),
    );
    for (const label of here) enabledIn.set(label, (enabledIn.get(label) ?? 0) + 1);
  }
  for (const [label, n] of enabledIn) {
    if (taken.has(label) || [...taken].some((t) => t !== null && canonicalLabel(t) === canonicalLabel(label))) continue;
    if (fairness(label) === 2) return `"${label}" is strongly fair, enabled in the loop and never taken in it`;
    if (n === cycle.length) return `"${label}" is weakly fair, enabled throughout the loop and never taken in it`;
  }
  return undefined;
}

/** Reads a trace file (ITF or JSON) or says what is wrong with it. */
export function readTraceFile(file: string): ReadTrace {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`trace file not found: ${file}`);
  }
  try {
    return readTrace(text);
  } catch (error) {
    if (error instanceof TraceFormatError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

async function specFor(read: ReadTrace, options: ReplayOptions): Promise<Spec<unknown>> {
  if (options.spec !== undefined) return resolveSpec(options.spec);
  if (read.spec === undefined)
    throw new UsageError("the trace does not say which spec it comes from; pass --spec <name | ./spec.ts>");
  if (looksLikePath(read.spec) || catalogue.some((s) => s.name === read.spec)) return resolveSpec(read.spec);
  throw new UsageError(
    `the trace comes from spec "${read.spec}", which is not in the catalogue; pass its file: --spec ./path/to/spec.ts`,
  );
}

/** What names a model in the text: its spec, variant and parameters. */
type Named = Pick<Model<unknown>, "spec" | "variant" | "params">;

/** The text `interleave replay` prints for an outcome. */
export function formatReplay(model: Named, read: ReadTrace, outcome: ReplayOutcome): string {
  const steps = read.trace.length - 1;
  switch (outcome.result) {
    case "violation": {
      const recorded =
        read.property && read.property !== outcome.property ? ` (the trace recorded "${read.property}")` : "";
      if (read.loopStart !== undefined && isLiveness(outcome.kind)) {
        const loop =
          read.loopStart === steps
            ? `stays at step ${steps} forever`
            : `loops back from step ${steps} to step ${read.loopStart}`;
        return `VIOLATION: ${runName(model)}: replaying the lasso (${steps} step${steps === 1 ? "" : "s"}; it ${loop}, fairly) reproduces ${outcome.kind} "${outcome.property}"${recorded}`;
      }
      return `VIOLATION: ${runName(model)}: replaying ${steps} step${steps === 1 ? "" : "s"} reproduces ${outcome.kind} "${outcome.property}", violated at step ${outcome.step}${recorded}`;
    }
    case "diverged": {
      const action = outcome.action === null ? "" : ` (${outcome.action})`;
      return [
        `DIVERGED: ${runName(model)}: step ${outcome.step}${action} of the trace is not a step of the spec: ${outcome.reason}`,
        ...outcome.diff.map((l) => `    ${l}`),
      ].join("\n");
    }
    case "error":
      return `ERROR: ${runName(model)}: at step ${outcome.step}: ${outcome.message}`;
    case "ok": {
      const recorded = read.property ? `; the trace recorded "${read.property}", which the spec does not violate` : "";
      return `OK: ${runName(model)}: replayed ${steps} step${steps === 1 ? "" : "s"}, no property is violated${recorded}`;
    }
  }
}

/**
 * Exit codes of `interleave replay`: 1 a property is violated, 2 the trace diverges, 0 it replays with none violated.
 */
const REPLAY_EXIT: Readonly<Record<ReplayOutcome["result"], 0 | 1 | 2>> = {
  violation: 1,
  diverged: 2,
  error: 2,
  ok: 0,
};

/**
 * `interleave replay FILE`: reads the trace, picks the spec, variant and
 * params (the trace's, overridden by the options), replays it and prints the
 * outcome. Returns the exit code.
 */
export async function replayCommand(
  file: string,
  options: ReplayOptions,
  io: { stdout(text: string): void },
): Promise<number> {
  const read = readTraceFile(file);
  const spec = await specFor(read, options);
  const variant = options.variant ?? read.variant ?? "default";
  findVariant(spec.name, spec.variants, variant);
  const params = { ...(read.params as ParamRecord | undefined), ...options.params };
  const model = spec.instantiate({ variant, params });
  const outcome = replayTrace(model, {
    trace: read.trace,
    sets: read.sets ?? spec.sets,
    loopStart: read.loopStart,
    property: read.property,
  });
  io.stdout(`${formatReplay(model, read, outcome)}\n`);
  return REPLAY_EXIT[outcome.result];
}
