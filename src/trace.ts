/**
 * Counterexample traces: a path from an initial state, each step the action
 * label and the state it leads to, with the fields that changed.
 *
 * Diffs follow what the data means: records and maps (plain objects) by key
 * (`nodes.n1.term: 1 → 2`), arrays by index (`pc[1]: "idle" → "checked"`),
 * and the arrays a spec declares as sets (`sets: ["tmPrepared"]`) by
 * membership (`tmPrepared: + "rm1"`). A protocol's `network`, `timers` and
 * `down` are multisets, so they are always diffed by membership.
 */
import { deepEqual } from "./fingerprint.js";

/** One step of a trace; the first step has no action (it is an initial state). */
export interface TraceStep<S = unknown> {
  readonly action: string | null;
  readonly state: S;
}

/** A path through the state graph, initial state first. */
export type Trace<S = unknown> = readonly TraceStep<S>[];

/**
 * A field that differs between two states: a value that changed (`before` or
 * `after` is `undefined` when the key or index is absent), or the elements a
 * set gained and lost.
 */
export type Change =
  | { readonly kind: "value"; readonly path: string; readonly before: unknown; readonly after: unknown }
  | {
      readonly kind: "membership";
      readonly path: string;
      readonly added: readonly unknown[];
      readonly removed: readonly unknown[];
    };

/**
 * Which arrays of a state are sets. Each path names fields from the state's
 * root, separated by dots; `*` stands for any key or index.
 * @example { sets: ["tmPrepared", "nodes.*.votes"] }
 */
export interface DiffOptions {
  readonly sets?: readonly string[] | undefined;
}

/** The fields of a protocol state that are multisets whatever the spec declares. */
const PROTOCOL_MULTISETS = ["network", "timers", "down"];

type Segment = string | number;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True for a protocol's state (see protocol.ts): nodes by id and a network. */
export function isProtocolState(s: unknown): s is { nodes: Record<string, unknown>; network: unknown[] } {
  return isPlainObject(s) && isPlainObject(s["nodes"]) && Array.isArray(s["network"]);
}

/** A path as a reader writes it: `nodes.n1.log[2]`, `nodes["a-b"]`; the root is `state`. */
export function formatPath(path: readonly Segment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === "" ? "state" : out;
}

/** Whether the concrete `path` is one of the declared set paths. */
function matchesSetPath(patterns: readonly (readonly string[])[], path: readonly Segment[]): boolean {
  return patterns.some((p) => p.length === path.length && p.every((seg, i) => seg === "*" || seg === String(path[i])));
}

/** The declared set paths split into segments, with a protocol's multisets added. */
function setPatterns(root: unknown, options: DiffOptions): string[][] {
  const declared = [...(options.sets ?? []), ...(isProtocolState(root) ? PROTOCOL_MULTISETS : [])];
  return declared.map((p) => p.split("."));
}

/**
 * The fields that changed from `before` to `after`, in key and index order:
 * objects key by key, arrays index by index, declared sets by membership.
 */
export function diffStates(before: unknown, after: unknown, options: DiffOptions = {}): Change[] {
  const out: Change[] = [];
  diffInto(before, after, [], setPatterns(after ?? before, options), out);
  return out;
}

function diffInto(
  before: unknown,
  after: unknown,
  path: Segment[],
  sets: readonly (readonly string[])[],
  out: Change[],
): void {
  if (deepEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const k of keys) diffInto(own(before, k), own(after, k), [...path, k], sets, out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (matchesSetPath(sets, path)) {
      const added = multisetMinus(after, before);
      const removed = multisetMinus(before, after);
      // The same members in another order: no change to a set.
      if (added.length > 0 || removed.length > 0)
        out.push({ kind: "membership", path: formatPath(path), added, removed });
      return;
    }
    for (let i = 0; i < Math.max(before.length, after.length); i++)
      diffInto(before[i], after[i], [...path, i], sets, out);
    return;
  }
  out.push({ kind: "value", path: formatPath(path), before, after });
}

/** An own property (a key such as `constructor` must not reach the prototype). */
function own(o: Record<string, unknown>, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

function multisetMinus(a: readonly unknown[], b: readonly unknown[]): unknown[] {
  const rest = [...b];
  const out: unknown[] = [];
  for (const x of a) {
    const i = rest.findIndex((y) => deepEqual(x, y));
    if (i >= 0) rest.splice(i, 1);
    else out.push(x);
  }
  return out;
}

/** Compact JSON for one value in a trace line. */
export function show(value: unknown): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}

/** The lines that describe one change. */
export function formatChange(change: Change): string[] {
  if (change.kind === "value") return [`${change.path}: ${show(change.before)} → ${show(change.after)}`];
  return [
    ...change.removed.map((x) => `${change.path}: - ${show(x)}`),
    ...change.added.map((x) => `${change.path}: + ${show(x)}`),
  ];
}

/**
 * A trace as text: the initial state in full (one line per top-level field),
 * then per step its action and only the fields that changed.
 */
export function formatTraceText(trace: Trace, options: DiffOptions & LoopOptions = {}): string {
  const lines: string[] = [];
  const loopStart = options.loopStart;
  const last = trace.length - 1;
  trace.forEach((step, i) => {
    if (i === 0) {
      lines.push("State 0 (initial):");
      const s = step.state;
      if (isPlainObject(s)) for (const [k, v] of Object.entries(s)) lines.push(`    ${k} = ${show(v)}`);
      else lines.push(`    ${show(s)}`);
      if (loopStart === 0 && last > 0) lines.push("-- Loop starts here (state 0) --");
      return;
    }
    lines.push(`Step ${i}: ${step.action ?? "?"}`);
    const changes = diffStates(trace[i - 1]!.state, step.state, options);
    if (changes.length === 0) lines.push("    (no change)");
    for (const c of changes) for (const line of formatChange(c)) lines.push(`    ${line}`);
    if (i === loopStart && i < last) lines.push(`-- Loop starts here (state ${i}) --`);
    if (loopStart !== undefined && i === last && loopStart < last)
      lines.push(`-- Back to state ${loopStart}: the loop repeats forever --`);
  });
  if (loopStart === last) lines.push(`-- The system stays in state ${last} forever (nothing fair is enabled there) --`);
  return lines.join("\n");
}

/** For lassos (liveness counterexamples): the step from which the trace repeats forever. */
export interface LoopOptions {
  readonly loopStart?: number | undefined;
}
