/**
 * Conformance (trace validation of the implementation against the model):
 * replays each node's recorded inputs through the spec's reducer and compares
 * every recorded output with the model's, in order. It also checks each
 * restart: the durable fields the node restored from its file must be the
 * model's as of the node's last fsync (a `sync` line), or after its last
 * complete input when it died between the fsync and that line: what "fsync
 * before sending" guarantees.
 *
 * The first difference is reported with the node, the input-log line, the
 * input, and both outputs.
 *
 * Completeness: every session of a node (from a boot to its `end` record)
 * must end with that record, except as many as run.json's `kills` records
 * for the node (kill -9 leaves no end record, and may leave a torn last line
 * or an input without its output). A log cut short, emptied, or torn
 * elsewhere, and an input without its output in the middle of a session, are
 * exit 2 naming the node, the file and the line: the log does not show what
 * the node did, so conformance cannot be claimed. A rotated log (input-log.ts)
 * is replayed from the snapshot its oldest kept segment starts with.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { deepEqual } from "../fingerprint.js";
import { MAX_VALUE_DEPTH, nestedDeeperThan } from "../history/json.js";
import type { NodeContext, RoleDef } from "../protocol.js";
import { OptionError } from "../spec.js";
import type { AnyBinding, LocalAction } from "./binding.js";
import { bindingOf, checkVariant, recordedModelParams, type AnySpec } from "./binding.js";
import { bootState } from "./host.js";
import { listSegments } from "./input-log.js";
import { nodeFiles } from "./node-config.js";
import type { RunRecord } from "./run.js";

/** One node's replay. */
export interface NodeConformance {
  readonly node: string;
  readonly inputs: number;
  readonly boots: number;
  readonly localActions: number;
}

/** Where the implementation and the model part. */
export interface Divergence {
  readonly node: string;
  /** The 1-based line of the node's input log. */
  readonly line: number;
  /** The segment file of the input log the line is in, when not the first (the log rotates: input-log.ts). */
  readonly file?: string;
  readonly what: string;
  readonly model: unknown;
  readonly recorded: unknown;
}

/** The result of `conform`. */
export interface ConformResult {
  readonly spec: string;
  readonly variant: string | null;
  readonly nodes: readonly NodeConformance[];
  readonly divergence?: Divergence;
}

type LogLine =
  | { readonly t: "boot"; readonly restored: Record<string, unknown> | null }
  | { readonly t: "in"; readonly kind: "message" | "timer" | "choice"; readonly from?: string; readonly input: unknown }
  | { readonly t: "out"; readonly effects?: readonly unknown[] | null; readonly error?: string }
  | { readonly t: "local"; readonly action: LocalAction }
  | { readonly t: "sync" }
  | { readonly t: "snapshot"; readonly state: unknown }
  | { readonly t: "end" };

/** A file's text, or an {@link OptionError} naming it (a directory, unreadable). */
function readText(path: string): string {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new OptionError(`${path} is a directory, not a file written by interleave run`);
    // A device (/dev/full, /dev/zero) would be read forever.
    if (!stat.isFile()) throw new OptionError(`${path} is not a regular file, not a file written by interleave run`);
    return readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof OptionError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new OptionError(`${path}: cannot read the file${code === undefined ? "" : ` (${code})`}`);
  }
}

/** Node names as `interleave run` writes them; anything else would make paths outside the run directory. */
const NODE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Reads a run directory's run.json, checking the fields conform uses. */
export function readRunRecord(dir: string): RunRecord {
  const path = join(dir, "run.json");
  if (!existsSync(path))
    throw new OptionError(`${dir} is not a run directory: ${path} does not exist (interleave run writes it)`);
  const text = readText(path);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // One line: V8's message quotes the text, newlines included.
    throw new OptionError(
      `${path}: not valid JSON (${(e instanceof Error ? e.message : String(e)).replace(/\r?\n/g, "\\n")})`,
    );
  }
  const bad = (what: string): never => {
    throw new OptionError(`${path}: not a run record written by interleave run: ${what}`);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) return bad("expected a JSON object");
  const record = value as Record<string, unknown>;
  if (typeof record["spec"] !== "string") bad('"spec" must be a spec name');
  if (record["variant"] !== undefined && record["variant"] !== null && typeof record["variant"] !== "string")
    bad('"variant" must be a variant name or null');
  const nodes = record["nodes"];
  if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every((n) => typeof n === "string" && NODE_NAME.test(n)))
    bad('"nodes" must be a non-empty list of node names like "n1"');
  const kills = record["kills"];
  if (
    kills !== undefined &&
    !(
      kills !== null &&
      typeof kills === "object" &&
      !Array.isArray(kills) &&
      Object.values(kills).every((k) => Number.isSafeInteger(k) && (k as number) >= 0)
    )
  ) {
    bad('"kills" must map node names to counts of kills');
  }
  const model = record["modelParams"];
  if (
    model !== undefined &&
    !(
      model !== null &&
      typeof model === "object" &&
      !Array.isArray(model) &&
      Object.values(model).every((v) => ["number", "boolean", "string"].includes(typeof v))
    )
  )
    bad('"modelParams" must map parameter names to numbers, booleans or strings');
  return value as RunRecord;
}

/** A log line's entry, checked for the shape replay relies on, or why it is not one. */
function logEntry(value: unknown): LogLine | string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "not a JSON object";
  if (nestedDeeperThan(value, MAX_VALUE_DEPTH)) return `nests more than ${MAX_VALUE_DEPTH} levels deep`;
  const e = value as Record<string, unknown>;
  const isObject = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v);
  switch (e["t"]) {
    case "boot":
      return e["restored"] === undefined || e["restored"] === null || isObject(e["restored"])
        ? (value as LogLine)
        : '"restored" must be an object or null';
    case "sync":
    case "end":
      return value as LogLine;
    case "snapshot":
      return isObject(e["state"]) ? (value as LogLine) : '"state" must be an object';
    case "in":
      if (e["kind"] !== "message" && e["kind"] !== "timer" && e["kind"] !== "choice")
        return '"kind" must be "message", "timer" or "choice"';
      if (e["from"] !== undefined && typeof e["from"] !== "string") return '"from" must be a node or client name';
      return isObject(e["input"]) ? (value as LogLine) : '"input" must be an object';
    case "out":
      if (e["effects"] !== undefined && e["effects"] !== null && !Array.isArray(e["effects"]))
        return '"effects" must be a list';
      return e["error"] === undefined || typeof e["error"] === "string"
        ? (value as LogLine)
        : '"error" must be a string';
    case "local":
      return isObject(e["action"]) && typeof (e["action"] as { type?: unknown }).type === "string"
        ? (value as LogLine)
        : '"action" must be an object with a "type"';
    default:
      return `unknown entry ${JSON.stringify(e["t"] ?? null)}`;
  }
}

/**
 * Replays every node of the run in `dir` through `spec` (the one the run
 * ran; the CLI resolves it from run.json). `variant` replays against another
 * variant than the one that ran (null: the correct protocol).
 */
export function conform(
  dir: string,
  options: { readonly spec: AnySpec; readonly variant?: string | null },
): ConformResult {
  const run = readRunRecord(dir);
  // The model parameters the run chose, as it ran with them.
  const modelParams = recordedModelParams(options.spec, run.modelParams ?? {});
  const binding = bindingOf(options.spec, { nodes: run.nodes.length, modelParams });
  const variant = options.variant === undefined ? run.variant : options.variant;
  checkVariant(binding, variant ?? undefined);
  const nodes: NodeConformance[] = [];
  for (const node of run.nodes) {
    const replay = replayNode(
      binding,
      variant ?? undefined,
      node,
      run.nodes,
      nodeFiles(dir, node).inputs,
      run.kills === undefined ? undefined : (run.kills[node] ?? 0),
    );
    nodes.push(replay.summary);
    if (replay.divergence !== undefined) return { spec: run.spec, variant, nodes, divergence: replay.divergence };
  }
  return { spec: run.spec, variant, nodes };
}

/** JSON's view of a value (what the log holds): drops undefined fields. */
function asJson(v: unknown): unknown {
  return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as unknown);
}

function durableOf(role: RoleDef<unknown, unknown, unknown, unknown>, state: unknown): Record<string, unknown> {
  const s = state as Record<string, unknown>;
  return Object.fromEntries((role.durable ?? []).map((f) => [f, asJson(s[f])]));
}

/** A non-empty line of a node's input log: its segment file and 1-based line there. */
interface SourceLine {
  readonly path: string;
  readonly line: number;
  readonly text: string;
}

/** The non-empty lines of every segment of a node's input log that exists, oldest first. */
function logLines(base: string, node: string): SourceLine[] {
  const segments = listSegments(base);
  if (segments.length === 0) throw new OptionError(`${base} does not exist: node ${node} recorded no inputs`);
  const out: SourceLine[] = [];
  for (const { path } of segments) {
    readText(path)
      .split("\n")
      .forEach((text, i) => {
        if (text !== "") out.push({ path, line: i + 1, text });
      });
  }
  return out;
}

/** Parses a line; undefined when it is not JSON. */
function parseLine(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function replayNode(
  binding: AnyBinding,
  variant: string | undefined,
  node: string,
  nodes: readonly string[],
  base: string,
  kills: number | undefined,
): { summary: NodeConformance; divergence?: Divergence } {
  const role = binding.role(variant, node);
  const setup = binding.setup(node, nodes);
  const summary = { node, inputs: 0, boots: 0, localActions: 0 };
  const lines = logLines(base, node);
  if (lines.length === 0)
    throw new OptionError(
      `${base}:1: node ${node}'s input log is empty: it was truncated (interleave run writes a boot record first)`,
    );
  let state: unknown;
  let synced: Record<string, unknown> = {};
  let pending:
    | {
        at: SourceLine;
        input: unknown;
        from: string | undefined;
        result: { state: unknown; effects: readonly unknown[] } | undefined;
        error?: string;
      }
    | undefined;
  // A session runs from a boot (or the snapshot the kept segments start with) to its end record.
  let session: "open" | "ended" | "torn" | undefined;
  /** Where each session without an end record stops: a kill, or a cut. */
  const unended: SourceLine[] = [];
  let previous: SourceLine | undefined;
  const where = (at: SourceLine) => `${at.path}:${at.line}`;
  const diverge = (at: SourceLine, what: string, model: unknown, recorded: unknown) => ({
    summary,
    divergence: { node, line: at.line, ...(at.path === base ? {} : { file: at.path }), what, model, recorded },
  });
  const noOutput = (p: NonNullable<typeof pending>, then: string): never => {
    const input = p.input as { type?: unknown };
    throw new OptionError(
      `${where(p.at)}: node ${node}'s input ${typeof input.type === "string" ? input.type : "?"} has no output: ${then} (the log is torn, or a line was lost)`,
    );
  };
  for (let i = 0; i < lines.length; i++) {
    const at = lines[i]!;
    const parsed = parseLine(at.text);
    if (parsed === undefined) {
      // A torn line: the node was killed while writing it. It ends the log or its session (a boot follows in the same
      // file).
      const next = lines[i + 1];
      const torn =
        next === undefined ||
        (next.path === at.path && (parseLine(next.text) as { t?: unknown } | undefined)?.t === "boot");
      if (!torn || session !== "open") throw new OptionError(`${where(at)}: not a JSON line`);
      session = "torn";
      unended.push(at);
      pending = undefined;
      previous = at;
      continue;
    }
    const entry = logEntry(parsed);
    if (typeof entry === "string") throw new OptionError(`${where(at)}: not an input-log entry: ${entry}`);
    if (session === "ended" && entry.t !== "boot")
      throw new OptionError(`${where(at)}: node ${node}'s log goes on after its end record without a boot`);
    switch (entry.t) {
      case "boot": {
        if (session === "open") unended.push(previous!);
        if (state !== undefined) {
          const restored = asJson(entry.restored ?? {});
          // Killed before or after its last fsync's `sync` line was written.
          const candidates = [synced, durableOf(role, state)];
          if (!candidates.some((c) => deepEqual(c, restored))) {
            return diverge(
              at,
              "restart: the durable fields restored differ from the model's at the last fsync",
              synced,
              restored,
            );
          }
        }
        summary.boots++;
        state = replayable(at, "the restored durable state", () => bootState(role, setup, entry.restored ?? undefined));
        synced = durableOf(role, state);
        pending = undefined;
        session = "open";
        break;
      }
      case "snapshot": {
        if (pending !== undefined) noOutput(pending, "a snapshot follows it");
        // The first kept segment starts here; after a kept one, the snapshot must be the state replayed so far.
        if (state !== undefined && !deepEqual(asJson(state), entry.state))
          return diverge(
            at,
            "the snapshot differs from the model's state replayed up to it",
            asJson(state),
            entry.state,
          );
        state = entry.state;
        synced = durableOf(role, state);
        session = "open";
        break;
      }
      case "end":
        if (state === undefined) throw new OptionError(`${where(at)}: an end record before the node booted`);
        if (pending !== undefined) noOutput(pending, "the end record follows it");
        session = "ended";
        break;
      case "sync":
        if (state === undefined) throw new OptionError(`${where(at)}: a sync before the node booted`);
        synced = durableOf(role, state);
        break;
      case "in": {
        if (state === undefined) throw new OptionError(`${where(at)}: an input before the node booted`);
        if (pending !== undefined) noOutput(pending, `the next input follows it at line ${at.line}`);
        summary.inputs++;
        const ctx: NodeContext<unknown> = { ...setup, from: entry.from, kind: entry.kind };
        try {
          const result = role.reduce(state, entry.input, ctx) as
            { state: unknown; effects: readonly unknown[] } | undefined;
          pending = { at, input: entry.input, from: entry.from, result };
        } catch (e) {
          pending = {
            at,
            input: entry.input,
            from: entry.from,
            result: undefined,
            error: e instanceof Error ? e.message : String(e),
          };
        }
        break;
      }
      case "out": {
        if (pending === undefined) throw new OptionError(`${where(at)}: an output without an input`);
        const model =
          pending.error !== undefined
            ? { error: pending.error }
            : pending.result === undefined
              ? null
              : asJson(pending.result.effects);
        const recorded = entry.error !== undefined ? { error: entry.error } : (entry.effects ?? null);
        if (!deepEqual(model, recorded)) {
          const input = pending.input as { type?: unknown };
          const from = pending.from === undefined ? "" : ` from ${pending.from}`;
          return diverge(
            pending.at,
            `input ${typeof input.type === "string" ? input.type : "?"}${from}: the model's output differs from the recorded one`,
            model,
            recorded,
          );
        }
        if (pending.result !== undefined) state = pending.result.state;
        pending = undefined;
        break;
      }
      case "local": {
        if (state === undefined || binding.local === undefined)
          throw new OptionError(`${where(at)}: a local action the binding cannot replay`);
        summary.localActions++;
        const local = binding.local;
        const before = state;
        state = replayable(at, `the local action ${JSON.stringify(entry.action.type)}`, () =>
          local(before, entry.action),
        );
        break;
      }
    }
    previous = at;
  }
  if (session === "open") unended.push(previous!);
  // Each session without an end record must be a SIGKILL the run recorded; the last one unaccounted for is the cut.
  const allowed = kills ?? 0;
  if (unended.length > allowed) {
    const cut = unended[unended.length - 1]!;
    const record =
      kills === undefined
        ? "run.json records no kills (the run did not finish)"
        : `run.json records ${kills} ${kills === 1 ? "kill" : "kills"} of ${node}`;
    throw new OptionError(
      `${where(cut)}: node ${node}'s input log stops here without an end record (truncated or torn): ${unended.length} ${unended.length === 1 ? "session" : "sessions"} without one, and ${record}`,
    );
  }
  return { summary };
}

/** Runs a replay step the log dictates; a log the reducer cannot take is damaged input, not a divergence. */
function replayable<T>(at: SourceLine, what: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    throw new OptionError(
      `${at.path}:${at.line}: ${what} cannot be replayed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`,
    );
  }
}

/** The result as text. */
export function formatConform(r: ConformResult): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const lines = r.nodes.map(
    (x) => `${x.node}: ${n(x.inputs)} inputs replayed, ${x.boots} boots, ${n(x.localActions)} local actions`,
  );
  const against = `${r.spec}${r.variant === null ? "" : ` (variant ${r.variant})`}`;
  if (r.divergence === undefined)
    return [...lines, `conforms: every recorded output is the model's (${against})`].join("\n");
  const d = r.divergence;
  const show = (v: unknown) => {
    const s = JSON.stringify(v);
    return s.length > 600 ? `${s.slice(0, 600)}...` : s;
  };
  return [
    ...lines,
    `DIVERGES from ${against} at ${d.node}, input log ${d.file === undefined ? "" : `${d.file} `}line ${d.line}: ${d.what}`,
    `  model:    ${show(d.model)}`,
    `  recorded: ${show(d.recorded)}`,
  ].join("\n");
}
