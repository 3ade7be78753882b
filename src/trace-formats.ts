/**
 * Counterexample traces in other tools' formats:
 * - ITF, the Informal Trace Format of Apalache and Quint (ADR-015), so their
 *   trace viewers and model-based-testing drivers read our traces;
 * - Mermaid: a sequence diagram for protocol traces (who sent what to whom,
 *   timers, crashes, lost and duplicated messages), a flowchart of changed
 *   fields for other specs; it renders on GitHub and in most Markdown viewers;
 * - HTML: one self-contained page (no scripts, no network), each step with the
 *   fields it changed and the full state on demand.
 */
import { diffStates, formatChange, isProtocolState, type Trace, type TraceStep } from "./trace.js";

/** What the formats say about the run the trace comes from; `replay` reads it back. */
export interface TraceSource {
  /** The spec's name (or the path it was loaded from). */
  readonly spec: string;
  readonly variant?: string | undefined;
  readonly property?: string | null | undefined;
  readonly params?: Readonly<Record<string, unknown>> | undefined;
  /** The state's set paths, as the spec declares them (see `DiffOptions`). */
  readonly sets?: readonly string[] | undefined;
  /**
   * Protocol traces: the nodes the violation is about (the checker finds them:
   * see `involvedNodes`); Mermaid's note and the HTML diagram span them.
   * Default: the nodes the last step touched.
   */
  readonly involved?: readonly string[] | undefined;
  /** A lasso (liveness): the step from which the trace repeats forever (its last state is this step's). */
  readonly loopStart?: number | undefined;
}

/**
 * An ITF value (ADR-015): integers as `{"#bigint": "..."}`, records as
 * objects, lists as arrays, sets as `{"#set": [...]}`, maps as
 * `{"#map": [[key, value], ...]}`, variants as `{"tag": ..., "value": ...}`.
 */
export type ItfValue = boolean | string | number | readonly ItfValue[] | { readonly [key: string]: ItfValue };

/** A trace as `check --trace-format json` writes it: the run's metadata and the steps. */
export interface TraceJson {
  readonly spec: string;
  readonly variant: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly property: string | null;
  readonly sets?: readonly string[];
  /** A lasso: the trace repeats forever from this step (see TraceSource). */
  readonly loopStart?: number;
  readonly steps: Trace;
}

/** The JSON trace document (see TraceJson). */
export function toTraceJson(trace: Trace, source: TraceSource): TraceJson {
  return {
    spec: source.spec,
    variant: source.variant ?? "default",
    params: source.params ?? {},
    property: source.property ?? null,
    ...(source.sets === undefined || source.sets.length === 0 ? {} : { sets: source.sets }),
    ...(source.loopStart === undefined ? {} : { loopStart: source.loopStart }),
    steps: trace,
  };
}

function describe(source: TraceSource, steps: number): string {
  const variant = source.variant === undefined || source.variant === "default" ? "" : ` --variant ${source.variant}`;
  const after = `${steps} step${steps === 1 ? "" : "s"}`;
  const loop =
    source.loopStart === undefined
      ? ""
      : source.loopStart === steps
        ? ", then stays there forever"
        : ` (a cycle from step ${source.loopStart}, repeated forever)`;
  const property = source.property
    ? `: "${source.property}" is violated ${source.loopStart === undefined ? "after" : "by a lasso of"} ${after}${loop}`
    : "";
  return `interleave check ${source.spec}${variant}${property}`;
}

// ---------------------------------------------------------------------------
// ITF. A typed reader (Quint, itf-rs, Apalache) wants one type per variable
// across all states, so the encoder first looks at every value a position
// holds in the whole trace (a position: a path with map keys and array
// indices wildcarded), then encodes each value the way its position needs.

/** What the values at one position look like across the trace. */
interface Shape {
  nullable: boolean;
  /** Some number here is not an integer (or is -0, NaN, ±Infinity): every number here is a Float. */
  float: boolean;
  /** Arrays here are declared sets. */
  set: boolean;
  elements: Shape | undefined;
  /** Objects here have the same keys everywhere: a record with these field shapes. */
  fields: Map<string, Shape> | undefined;
  /** Objects here are maps (keys vary, or a key could be read as an ITF tag): the values' shape. */
  entries: Shape | undefined;
}

/** A position segment: a record field, or null for any map key or array index. */
type Position = readonly (string | null)[];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isInteger(n: number): boolean {
  return Number.isInteger(n) && !Object.is(n, -0);
}

/** Keys that would read as an ITF tag or a variant if the object were a record. */
function needsMap(keys: readonly string[]): boolean {
  return keys.some((k) => k.startsWith("#")) || (keys.length === 2 && keys.includes("tag") && keys.includes("value"));
}

function isSetPosition(sets: readonly (readonly string[])[], position: Position): boolean {
  return sets.some(
    (p) =>
      p.length === position.length && p.every((seg, i) => seg === "*" || position[i] === null || seg === position[i]),
  );
}

/** The shape of every value in `values`, which all sit at `position`. */
function shapeOf(values: readonly unknown[], position: Position, sets: readonly (readonly string[])[]): Shape {
  const present = values.filter((v) => v !== null && v !== undefined);
  const arrays = present.filter((v): v is unknown[] => Array.isArray(v));
  const objects = present.filter(isPlainObject);
  const shape: Shape = {
    nullable: present.length < values.length,
    float: present.some((v) => typeof v === "number" && !isInteger(v)),
    set: isSetPosition(sets, position),
    elements: arrays.length === 0 ? undefined : shapeOf(arrays.flat(), [...position, null], sets),
    fields: undefined,
    entries: undefined,
  };
  if (objects.length === 0) return shape;
  const keys = objects.map((o) =>
    Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort(),
  );
  const same = keys.every((k) => k.length === keys[0]!.length && k.every((x, i) => x === keys[0]![i]));
  if (same && !needsMap(keys[0]!)) {
    shape.fields = new Map(
      keys[0]!.map((k) => [
        k,
        shapeOf(
          objects.map((o) => o[k]),
          [...position, k],
          sets,
        ),
      ]),
    );
  } else {
    shape.entries = shapeOf(
      objects.flatMap((o) => Object.values(o).filter((v) => v !== undefined)),
      [...position, null],
      sets,
    );
  }
  return shape;
}

const NONE: ItfValue = { tag: "None", value: { "#tup": [] } };

/** The text a Float variant carries: the shortest decimal that reads back as the same number. */
function floatText(n: number): string {
  return Object.is(n, -0) ? "-0" : String(n);
}

function encode(v: unknown, shape: Shape): ItfValue {
  if (v === null || v === undefined) return NONE;
  const inner = encodePresent(v, shape);
  return shape.nullable ? { tag: "Some", value: inner } : inner;
}

function encodePresent(v: unknown, shape: Shape): ItfValue {
  if (typeof v === "number")
    return shape.float ? { tag: "Float", value: floatText(v) } : { "#bigint": BigInt(v).toString() };
  if (typeof v === "bigint") return { "#bigint": v.toString() };
  if (typeof v === "boolean" || typeof v === "string") return v;
  if (Array.isArray(v)) {
    const items = v.map((x) => encode(x, shape.elements!));
    return shape.set ? { "#set": items } : items;
  }
  if (isPlainObject(v)) {
    const present = Object.entries(v).filter(([, x]) => x !== undefined);
    if (shape.fields) return Object.fromEntries(present.map(([k, x]) => [k, encode(x, shape.fields!.get(k)!)]));
    return { "#map": present.map(([k, x]) => [k, encode(x, shape.entries!)]) };
  }
  return { "#unserializable": String(v) };
}

/**
 * Encodes one plain-data value as ITF on its own (a trace encodes each
 * variable across all its states instead; see toItf).
 */
export function toItfValue(v: unknown, options: { readonly sets?: readonly string[] } = {}): ItfValue {
  return encode(
    v,
    shapeOf(
      [v],
      [],
      (options.sets ?? []).map((p) => p.split(".")),
    ),
  );
}

/**
 * The state's top-level fields, when every state is a record with the same ones (else the whole state is one variable).
 */
function variablesOf(trace: Trace): string[] | undefined {
  const keys = trace.map((step) => (isPlainObject(step.state) ? Object.keys(step.state).sort() : undefined));
  const first = keys[0];
  if (first === undefined || first.some((k) => k.startsWith("#"))) return undefined;
  const same = keys.every((k) => k !== undefined && k.length === first.length && k.every((x, i) => x === first[i]));
  return same ? Object.keys(trace[0]!.state as object) : undefined;
}

/**
 * A trace in ITF (ADR-015), faithful enough to read back with `fromItf`:
 * - the variables are the state's top-level fields (or one variable `state`
 *   holding the whole state, marked `"wholeState": true` in `#meta`, when
 *   states are not records with the same fields);
 * - each position keeps one type across all states: integers are `#bigint`;
 *   declared sets are `#set`; objects are records where their keys are the
 *   same in every state and `#map` where keys vary (or a key starts with `#`,
 *   or the keys are exactly `tag` and `value`, which would read as a variant);
 * - `null` makes its position an Option, as Quint writes it: `null` is
 *   `{"tag": "None", "value": {"#tup": []}}` and every other value there is
 *   `{"tag": "Some", "value": v}`;
 * - a position holding a non-integer number writes every number there as the
 *   variant `{"tag": "Float", "value": "0.5"}` (the shortest decimal that
 *   reads back as the same double; also "-0", "NaN", "Infinity");
 * - `#meta` holds the spec, variant, params, property and sets, which
 *   `interleave replay` reads; each state's `#meta` holds its action;
 * - a lasso (liveness counterexample) gets ADR-015's `loop`: the index of
 *   the state that follows the last one. Our last state repeats the state
 *   at `loopStart` (kept in `#meta`), so `loop` is `loopStart + 1`, or the
 *   last index when the behaviour stutters there.
 */
export function toItf(trace: Trace, source: TraceSource): object {
  const sets = (source.sets ?? []).map((p) => p.split("."));
  const vars = variablesOf(trace);
  const columns = vars ?? ["state"];
  const valueOf = (step: TraceStep, v: string): unknown =>
    vars ? (step.state as Record<string, unknown>)[v] : step.state;
  const shapes = columns.map((v) =>
    shapeOf(
      trace.map((step) => valueOf(step, v)),
      vars ? [v] : [],
      sets,
    ),
  );
  return {
    "#meta": {
      format: "ITF",
      "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
      source: source.spec,
      description: describe(source, trace.length - 1),
      spec: source.spec,
      variant: source.variant ?? "default",
      params: source.params ?? {},
      property: source.property ?? null,
      ...(source.sets === undefined || source.sets.length === 0 ? {} : { sets: source.sets }),
      ...(vars ? {} : { wholeState: true }),
      ...(source.loopStart === undefined ? {} : { loopStart: source.loopStart }),
    },
    vars: columns,
    ...(source.loopStart === undefined ? {} : { loop: Math.min(source.loopStart + 1, trace.length - 1) }),
    states: trace.map((step, index) => ({
      "#meta": { index, action: step.action ?? "init" },
      ...Object.fromEntries(columns.map((v, i) => [v, encode(valueOf(step, v), shapes[i]!)])),
    })),
  };
}

/** A trace file that cannot be read (the CLI prints the message and exits 2). */
export class TraceFormatError extends Error {
  override name = "TraceFormatError";
}

/** Decodes one ITF value to plain data (the inverse of the encoding toItf documents). */
function fromItfValue(x: unknown): unknown {
  if (typeof x === "string" || typeof x === "boolean" || typeof x === "number") return x;
  if (Array.isArray(x)) return x.map(fromItfValue);
  if (!isPlainObject(x)) throw new TraceFormatError(`not an ITF value: ${JSON.stringify(x)}`);
  if ("#bigint" in x) {
    if (typeof x["#bigint"] !== "string" || !/^-?\d+$/.test(x["#bigint"]))
      throw new TraceFormatError(`bad #bigint: ${JSON.stringify(x["#bigint"])}`);
    return Number(BigInt(x["#bigint"]));
  }
  if ("#set" in x || "#tup" in x) {
    const items = x["#set"] ?? x["#tup"];
    if (!Array.isArray(items))
      throw new TraceFormatError(`a #set or #tup holds an array, got ${JSON.stringify(items)}`);
    return items.map(fromItfValue);
  }
  if ("#map" in x) return fromItfMap(x["#map"]);
  if ("#unserializable" in x)
    throw new TraceFormatError(
      `the trace holds a value its writer could not serialize: ${JSON.stringify(x["#unserializable"])}`,
    );
  const keys = Object.keys(x);
  if (keys.length === 2 && "tag" in x && "value" in x) return fromVariant(x["tag"], x["value"]);
  return Object.fromEntries(keys.map((k) => [k, fromItfValue(x[k])]));
}

function fromItfMap(pairs: unknown): Record<string, unknown> {
  if (!Array.isArray(pairs))
    throw new TraceFormatError(`a #map holds an array of [key, value] pairs, got ${JSON.stringify(pairs)}`);
  return Object.fromEntries(
    pairs.map((pair) => {
      const key = Array.isArray(pair) && pair.length === 2 ? fromItfValue(pair[0]) : undefined;
      if (typeof key !== "string" && typeof key !== "number")
        throw new TraceFormatError(`a #map key must be a string or an integer here, got ${JSON.stringify(pair)}`);
      return [String(key), fromItfValue((pair as unknown[])[1])];
    }),
  );
}

function fromVariant(tag: unknown, value: unknown): unknown {
  if (tag === "None") return null;
  if (tag === "Some") return fromItfValue(value);
  if (
    tag === "Float" &&
    typeof value === "string" &&
    value.trim() !== "" &&
    (value === "NaN" || !Number.isNaN(Number(value)))
  )
    return Number(value);
  return { tag: fromItfValue(tag), value: fromItfValue(value) };
}

/** A trace read back from a file, with what its writer said about the run. */
export interface ReadTrace {
  readonly spec?: string;
  readonly variant?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly property?: string | null;
  readonly sets?: readonly string[];
  /** A lasso: the step from which the trace repeats forever. */
  readonly loopStart?: number;
  readonly trace: Trace;
}

function metaOf(meta: Record<string, unknown>): Omit<ReadTrace, "trace"> {
  const out: { -readonly [K in keyof Omit<ReadTrace, "trace">]: Omit<ReadTrace, "trace">[K] } = {};
  if (typeof meta["spec"] === "string") out.spec = meta["spec"];
  if (typeof meta["variant"] === "string") out.variant = meta["variant"];
  if (isPlainObject(meta["params"])) out.params = meta["params"];
  if (typeof meta["property"] === "string" || meta["property"] === null) out.property = meta["property"];
  if (Array.isArray(meta["sets"]) && meta["sets"].every((s) => typeof s === "string")) out.sets = meta["sets"];
  if (typeof meta["loopStart"] === "number" && Number.isInteger(meta["loopStart"]) && meta["loopStart"] >= 0)
    out.loopStart = meta["loopStart"];
  return out;
}

/**
 * Reads an ITF trace (a parsed object or its JSON text) back to plain-data
 * states: `fromItf(toItf(trace, source)).trace` deep-equals `trace`.
 */
export function fromItf(itf: unknown): ReadTrace {
  const doc = typeof itf === "string" ? parseJson(itf) : itf;
  if (!isPlainObject(doc) || !Array.isArray(doc["vars"]) || !Array.isArray(doc["states"])) {
    throw new TraceFormatError("not an ITF trace: expected an object with `vars` and `states`");
  }
  const meta = isPlainObject(doc["#meta"]) ? doc["#meta"] : {};
  const vars = doc["vars"] as unknown[];
  const whole = meta["wholeState"] === true;
  const trace = (doc["states"] as unknown[]).map((s, i): TraceStep => {
    if (!isPlainObject(s)) throw new TraceFormatError(`ITF state ${i} is not an object`);
    const stateMeta = isPlainObject(s["#meta"]) ? s["#meta"] : {};
    const action = i === 0 ? null : typeof stateMeta["action"] === "string" ? stateMeta["action"] : null;
    for (const v of vars)
      if (typeof v !== "string" || !(v in s))
        throw new TraceFormatError(`ITF state ${i} has no variable ${JSON.stringify(v)}`);
    const state = whole
      ? fromItfValue(s[vars[0] as string])
      : Object.fromEntries((vars as string[]).map((v) => [v, fromItfValue(s[v])]));
    return { action, state };
  });
  return { ...metaOf(meta), trace };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new TraceFormatError(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Reads a trace file's text, whatever `check --trace-format` wrote: ITF,
 * the JSON document (`{ spec, variant, params, property, steps }`), or a bare
 * array of steps (the JSON report's `trace` field).
 */
export function readTrace(text: string): ReadTrace {
  const doc = parseJson(text);
  if (Array.isArray(doc)) return { trace: stepsOf(doc) };
  if (isPlainObject(doc) && Array.isArray(doc["steps"])) return { ...metaOf(doc), trace: stepsOf(doc["steps"]) };
  if (isPlainObject(doc) && Array.isArray(doc["vars"])) return fromItf(doc);
  throw new TraceFormatError(
    "not a trace: expected ITF (`vars`, `states`), a JSON trace (`steps`) or an array of steps",
  );
}

function stepsOf(steps: unknown[]): Trace {
  return steps.map((s, i) => {
    if (!isPlainObject(s) || !("state" in s)) throw new TraceFormatError(`step ${i} has no \`state\``);
    return { action: typeof s["action"] === "string" ? s["action"] : null, state: s["state"] };
  });
}

const MERMAID_ENTITIES: Readonly<Record<string, string>> = {
  "#": "#35;",
  ";": "#59;",
  '"': "#quot;",
  "<": "#lt;",
  ">": "#gt;",
};

/**
 * Text inside a Mermaid label: characters Mermaid reads as syntax become its
 * entity codes, in one pass (replacing `#` and then `;` one after the other
 * turned `#` into `#35#59;`, which Mermaid shows as `#35;`).
 */
function mermaidText(text: string, max = 120): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return cut.replace(/[#;"<>]/g, (c) => MERMAID_ENTITIES[c]!);
}

/** A Mermaid participant id (letters, digits, underscores). */
function participant(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, "_");
}

/** One protocol step as a Mermaid sequence-diagram line. */
function sequenceLine(action: string, nodes: readonly string[]): string {
  const receive = /^(\S+): receive (.+) from (\S+)$/.exec(action);
  if (receive) return `  ${participant(receive[3]!)}->>${participant(receive[1]!)}: ${mermaidText(receive[2]!)}`;
  const fault = /^(crash|restart) (\S+)$/.exec(action);
  if (fault) return `  Note over ${participant(fault[2]!)}: ${fault[1]}`;
  const network = /^(lose|duplicate) (.+) (\S+)→(.+)$/.exec(action);
  if (network) {
    const to = network[4]!.split(",")[0]!;
    const arrow = network[1] === "lose" ? "--x" : "-->>";
    return `  ${participant(network[3]!)}${arrow}${participant(nodes.includes(to) ? to : network[3]!)}: ${network[1]} ${mermaidText(network[2]!)}`;
  }
  const local = /^(\S+): (.+)$/.exec(action);
  if (local && nodes.includes(local[1]!)) return `  Note over ${participant(local[1]!)}: ${mermaidText(local[2]!)}`;
  return `  Note over ${participant(nodes[0] ?? "system")}: ${mermaidText(action)}`;
}

/**
 * The nodes a violation is about: `source.involved`, else the nodes the last step touched, else all; in participant
 * order.
 */
function violationNodes(trace: Trace, source: Pick<TraceSource, "involved">, nodes: readonly string[]): string[] {
  const given = (source.involved ?? []).filter((n) => nodes.includes(n));
  if (given.length > 0) return nodes.filter((n) => given.includes(n));
  const last = trace[trace.length - 1]?.action;
  const event = last == null ? undefined : sequenceEvent(last, nodes);
  const touched =
    event === undefined
      ? []
      : event.kind === "message"
        ? [event.from, event.to]
        : event.node === null
          ? []
          : [event.node];
  const found = nodes.filter((n) => touched.includes(n));
  return found.length > 0 ? found : [...nodes];
}

/** `Note over n1,n3: vote violated`: Mermaid spans a note from its first to its last participant. */
function violationNote(trace: Trace, source: TraceSource, nodes: readonly string[]): string {
  const over = violationNodes(trace, source, nodes);
  const span =
    over.length === 1
      ? participant(over[0]!)
      : `${participant(over[0] ?? "system")},${participant(over[over.length - 1] ?? "system")}`;
  const who = source.involved !== undefined && over.length < nodes.length ? ` (${over.join(", ")})` : "";
  return `  Note over ${span}: ${mermaidText(`${source.property} violated${who}`)}`;
}

/** A trace as a Mermaid diagram (see the module comment). */
export function toMermaid(trace: Trace, source: TraceSource): string {
  const title = `%% ${describe(source, trace.length - 1)}`;
  const first = trace[0]?.state;
  if (isProtocolState(first)) {
    const nodes = Object.keys(first.nodes);
    const lines = [
      title,
      "sequenceDiagram",
      ...nodes.map((n) => `  participant ${participant(n)} as ${mermaidText(n)}`),
    ];
    const loopStart = source.loopStart;
    trace.slice(1).forEach((step, k) => {
      if (loopStart !== undefined && k === loopStart && loopStart < trace.length - 1)
        lines.push("  loop repeats forever");
      lines.push(`${loopStart !== undefined && k >= loopStart ? "  " : ""}${sequenceLine(step.action ?? "", nodes)}`);
    });
    if (loopStart !== undefined && loopStart < trace.length - 1) lines.push("  end");
    if (loopStart === trace.length - 1)
      lines.push(`  Note over ${nodes.map(participant).slice(0, 2).join(",")}: stays in this state forever`);
    if (source.property) lines.push(violationNote(trace, source, nodes));
    return `${lines.join("\n")}\n`;
  }
  const lines = [title, "flowchart TD", `  s0["initial state"]`];
  trace.forEach((step, i) => {
    if (i === 0) return;
    // Every changed field: a box that cut some off would hide the one the reader looks for.
    const shown = diffStates(trace[i - 1]!.state, step.state, { sets: source.sets })
      .flatMap(formatChange)
      .map((c) => mermaidText(c, 80));
    lines.push(`  s${i}["${shown.join("<br/>") || "no change"}"]`);
    lines.push(`  s${i - 1} -->|"${mermaidText(step.action ?? "")}"| s${i}`);
  });
  if (source.loopStart !== undefined)
    lines.push(
      `  s${trace.length - 1} -.->|"repeats forever"| s${source.loopStart === trace.length - 1 ? trace.length - 1 : source.loopStart + 1}`,
    );
  if (source.property)
    lines.push(`  s${trace.length - 1}:::violated`, "  classDef violated stroke:#c00,stroke-width:3px");
  return `${lines.join("\n")}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A trace as one self-contained HTML page. */
export function toHtml(trace: Trace, source: TraceSource): string {
  const heading = escapeHtml(describe(source, trace.length - 1));
  const rows = trace.map((step, i) => {
    const changes =
      i === 0 ? [] : diffStates(trace[i - 1]!.state, step.state, { sets: source.sets }).flatMap(formatChange);
    const inLoop = source.loopStart !== undefined && i >= source.loopStart;
    const last = i === trace.length - 1 && source.property ? ' class="violated"' : inLoop ? ' class="loop"' : "";
    return [
      `<tr${last}><td>${i}</td><td>${escapeHtml(step.action ?? "initial state")}</td>`,
      `<td>${changes.length === 0 ? (i === 0 ? "" : "<em>no change</em>") : `<ul>${changes.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join("")}</ul>`}`,
      `<details><summary>state</summary><pre>${escapeHtml(JSON.stringify(step.state, null, 2))}</pre></details></td></tr>`,
    ].join("");
  });
  const svg = sequenceSvg(trace, { violated: source.property ?? undefined, involved: source.involved });
  const table = `<table><thead><tr><th>#</th><th>action</th><th>changed fields</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${heading}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; }
.layout { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.layout > .diagram { position: sticky; top: 8px; flex: 0 0 auto; max-width: 100%; overflow-x: auto; border: 1px solid #ccc; border-radius: 4px; background: #fff; }
.layout > table { flex: 1 1 480px; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }
tr.violated td { background: #fee; }
tr.loop td { background: #fff6e0; }
ul { margin: 0; padding-left: 1.2em; }
pre { margin: 0; font-size: 12px; }
</style></head>
<body><h1>${heading}</h1>
<p>${trace.length - 1} steps${source.property ? (source.loopStart === undefined ? `; the last state violates <code>${escapeHtml(source.property)}</code>` : `; a lasso violating <code>${escapeHtml(source.property)}</code>: ${source.loopStart === trace.length - 1 ? `the system stays in state ${source.loopStart} forever` : `from state ${source.loopStart} (shaded) the steps repeat forever, the last state being state ${source.loopStart} again`}`) : ""}. Each step lists only the fields it changed.</p>
${svg === "" ? table : `<div class="layout"><div class="diagram">${svg}</div>\n${table}</div>`}
</body></html>
`;
}

// ---------------------------------------------------------------------------
// Sequence diagrams drawn as inline SVG (the HTML trace report, the explorer):
// no script and no network, so the page stays self-contained.

/** One protocol step as a diagram draws it. */
export type SequenceEvent =
  | {
      readonly kind: "message";
      readonly from: string;
      readonly to: string;
      readonly text: string;
      readonly fault?: "lose" | "duplicate";
    }
  | { readonly kind: "note"; readonly node: string | null; readonly text: string; readonly fault?: boolean };

/** Reads a protocol step's label (`n1: receive Vote{term:2} from n2`, `crash n3`, `lose M a→b`, `n1: timer T`). */
function sequenceEvent(action: string, nodes: readonly string[]): SequenceEvent {
  const receive = /^(\S+): receive (.+) from (\S+)$/.exec(action);
  if (receive) return { kind: "message", from: receive[3]!, to: receive[1]!, text: receive[2]! };
  const fault = /^(crash|restart) (\S+)$/.exec(action);
  if (fault) return { kind: "note", node: fault[2]!, text: fault[1]!, fault: true };
  const network = /^(lose|duplicate) (.+) (\S+)→(.+)$/.exec(action);
  if (network) {
    const to = network[4]!.split(",")[0]!;
    return {
      kind: "message",
      from: network[3]!,
      to: nodes.includes(to) ? to : network[3]!,
      text: `${network[1]} ${network[2]}`,
      fault: network[1] as "lose" | "duplicate",
    };
  }
  const local = /^(\S+): (.+)$/.exec(action);
  if (local && nodes.includes(local[1]!)) return { kind: "note", node: local[1]!, text: local[2]! };
  return { kind: "note", node: null, text: action };
}

/** What a sequence diagram marks besides the steps. */
export interface SequenceOptions {
  /** The violated property: a red note at the end. */
  readonly violated?: string | undefined;
  /** The nodes the violation is about: the note spans them (default: every node). */
  readonly involved?: readonly string[] | undefined;
}

const SEQ = { col: 150, row: 30, head: 44, left: 36, char: 6.2 } as const;

function svgText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** `text` cut to what fits `width` pixels at the diagram's font size. */
function fitText(text: string, width: number): string {
  const max = Math.max(4, Math.floor(width / SEQ.char));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A protocol trace as an SVG sequence diagram: a lifeline per node, an arrow
 * per delivered message (from sender to receiver, at the step it is
 * received), notes for timers, choices and crashes, dashed arrows for lost
 * and duplicated messages, and the violated property as a red note over the
 * nodes involved. Each step is a `<g data-step="i">` with its full label as a
 * tooltip. Empty for a trace whose states are not protocol states.
 */
export function sequenceSvg(trace: Trace, options: SequenceOptions = {}): string {
  const first = trace[0]?.state;
  if (!isProtocolState(first)) return "";
  const nodes = Object.keys(first.nodes);
  const x = (node: string | null): number => SEQ.left + SEQ.col / 2 + Math.max(0, nodes.indexOf(node ?? "")) * SEQ.col;
  const rows = trace.length - 1 + (options.violated ? 1 : 0);
  const width = SEQ.left + nodes.length * SEQ.col;
  const height = SEQ.head + rows * SEQ.row + 16;
  const out: string[] = [
    `<svg class="sequence" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<defs><marker id="seq-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#345"/></marker></defs>`,
  ];
  for (const n of nodes) {
    out.push(
      `<g class="participant"><rect x="${x(n) - SEQ.col / 2 + 10}" y="6" width="${SEQ.col - 20}" height="24" rx="4" fill="#e8eef7" stroke="#4a6fa5"/>`,
      `<text x="${x(n)}" y="22" text-anchor="middle" font-weight="600">${svgText(fitText(n, SEQ.col - 24))}</text>`,
      `<line x1="${x(n)}" y1="30" x2="${x(n)}" y2="${height - 6}" stroke="#9ab" stroke-dasharray="4 3"/></g>`,
    );
  }
  trace.slice(1).forEach((step, i) => {
    const y = SEQ.head + i * SEQ.row + SEQ.row / 2;
    const action = step.action ?? "";
    const event = sequenceEvent(action, nodes);
    out.push(`<g data-step="${i + 1}"><title>${svgText(`${i + 1}. ${action}`)}</title>`);
    out.push(`<text x="4" y="${y + 4}" fill="#889">${i + 1}</text>`);
    if (event.kind === "message" && event.from !== event.to) {
      const [x1, x2] = [x(event.from), x(event.to)];
      const dash = event.fault ? ` stroke-dasharray="5 3"` : "";
      const end = event.fault === "lose" ? "" : ` marker-end="url(#seq-arrow)"`;
      out.push(
        `<line x1="${x1}" y1="${y + 6}" x2="${x2}" y2="${y + 6}" stroke="${event.fault ? "#a66a00" : "#345"}" stroke-width="1.4"${dash}${end}/>`,
      );
      if (event.fault === "lose")
        out.push(`<text x="${x2}" y="${y + 10}" text-anchor="middle" fill="#b00020" font-weight="700">×</text>`);
      out.push(
        `<text x="${(x1 + x2) / 2}" y="${y + 1}" text-anchor="middle">${svgText(fitText(event.text, Math.abs(x2 - x1) - 8))}</text>`,
      );
    } else {
      const node = event.kind === "note" ? event.node : event.from;
      const span =
        node === null || !nodes.includes(node)
          ? { left: x(nodes[0] ?? null), right: x(nodes[nodes.length - 1] ?? null) }
          : { left: x(node), right: x(node) };
      const w = span.right - span.left + SEQ.col - 24;
      const fault = event.kind === "note" && event.fault;
      out.push(
        `<rect x="${span.left - SEQ.col / 2 + 12}" y="${y - 9}" width="${w}" height="20" rx="3" fill="${fault ? "#fde2c4" : "#fff8d6"}" stroke="${fault ? "#a66a00" : "#c9b458"}"/>`,
        `<text x="${(span.left + span.right) / 2}" y="${y + 5}" text-anchor="middle">${svgText(fitText(event.text, w - 8))}</text>`,
      );
    }
    out.push(`</g>`);
  });
  if (options.violated) {
    const y = SEQ.head + (trace.length - 1) * SEQ.row + SEQ.row / 2;
    const over = violationNodes(trace, options, nodes);
    const xs = over.map((n) => x(n));
    const [left, right] = [Math.min(...xs), Math.max(...xs)];
    const w = right - left + SEQ.col - 24;
    const text = `${options.violated} violated${over.length === nodes.length ? "" : ` (${over.join(", ")})`}`;
    out.push(
      `<g class="violation"><rect x="${left - SEQ.col / 2 + 12}" y="${y - 9}" width="${w}" height="20" rx="3" fill="#ffd6d9" stroke="#b00020" stroke-width="1.5"/>`,
      `<text x="${(left + right) / 2}" y="${y + 5}" text-anchor="middle" fill="#b00020" font-weight="600">${svgText(fitText(text, w - 8))}</text></g>`,
    );
  }
  out.push(`</svg>`);
  return out.join("\n");
}
