/**
 * Counterexample traces: a path from an initial state, each step the action
 * label and the state it leads to, with the fields that changed.
 */
import { deepEqual } from "./fingerprint.js";

/** One step of a trace; the first step has no action (it is an initial state). */
export interface TraceStep<S = unknown> {
  readonly action: string | null;
  readonly state: S;
}

/** A path through the state graph, initial state first. */
export type Trace<S = unknown> = readonly TraceStep<S>[];

/** A field that differs between two states. Arrays report added and removed elements. */
export type Change =
  | { readonly kind: "set"; readonly path: string; readonly before: unknown; readonly after: unknown }
  | { readonly kind: "array"; readonly path: string; readonly added: readonly unknown[]; readonly removed: readonly unknown[] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function join(path: string, key: string): string {
  const part = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  return path === "" ? part : /^[A-Za-z_$]/.test(part) ? `${path}.${part}` : `${path}[${part}]`;
}

/**
 * The fields that changed from `before` to `after`, deepest first: objects are
 * compared field by field, arrays as multisets of elements.
 */
export function diffStates(before: unknown, after: unknown, path = ""): Change[] {
  if (deepEqual(before, after)) return [];
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => diffStates(before[k], after[k], join(path, k)));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const removed = multisetMinus(before, after);
    const added = multisetMinus(after, before);
    if (removed.length > 0 || added.length > 0) return [{ kind: "array", path, added, removed }];
    return [{ kind: "set", path, before, after }];
  }
  return [{ kind: "set", path, before, after }];
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
  if (change.kind === "set") return [`${change.path || "state"}: ${show(change.before)} → ${show(change.after)}`];
  return [
    ...change.removed.map((x) => `${change.path}: - ${show(x)}`),
    ...change.added.map((x) => `${change.path}: + ${show(x)}`),
  ];
}

/**
 * A trace as text: the initial state in full (one line per top-level field),
 * then per step its action and only the fields that changed.
 */
export function formatTraceText(trace: Trace): string {
  const lines: string[] = [];
  trace.forEach((step, i) => {
    if (i === 0) {
      lines.push("State 0 (initial):");
      const s = step.state;
      if (isPlainObject(s)) for (const [k, v] of Object.entries(s)) lines.push(`    ${k} = ${show(v)}`);
      else lines.push(`    ${show(s)}`);
      return;
    }
    lines.push(`Step ${i}: ${step.action ?? "?"}`);
    const changes = diffStates(trace[i - 1]!.state, step.state);
    if (changes.length === 0) lines.push("    (no change)");
    for (const c of changes) for (const line of formatChange(c)) lines.push(`    ${line}`);
  });
  return lines.join("\n");
}
