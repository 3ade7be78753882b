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
import { diffStates, formatChange, type Trace } from "./trace.js";

/** What the formats say about the run the trace comes from. */
export interface TraceSource {
  readonly spec: string;
  readonly variant?: string | undefined;
  readonly property?: string | null | undefined;
  readonly params?: Readonly<Record<string, unknown>> | undefined;
}

/** An ITF value (ADR-015): integers as `#bigint`, records as objects, sequences as arrays. */
export type ItfValue = boolean | string | readonly ItfValue[] | { readonly [key: string]: ItfValue };

/** Encodes plain data as ITF: null becomes Quint's `None` variant; a non-integer number cannot be encoded and says so. */
export function toItfValue(v: unknown): ItfValue {
  if (v === null || v === undefined) return { tag: "None", value: { "#tup": [] } };
  if (typeof v === "number") return Number.isInteger(v) ? { "#bigint": String(v) } : { "#unserializable": String(v) };
  if (typeof v === "bigint") return { "#bigint": v.toString() };
  if (typeof v === "boolean" || typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(toItfValue);
  if (typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toItfValue(x)]));
  return { "#unserializable": String(v) };
}

function describe(source: TraceSource, steps: number): string {
  const variant = source.variant === undefined || source.variant === "default" ? "" : ` --variant ${source.variant}`;
  const property = source.property ? `: "${source.property}" is violated after ${steps} steps` : "";
  return `interleave check ${source.spec}${variant}${property}`;
}

/**
 * A trace in ITF. The variables are the state's top-level fields (or `state`
 * when the state is not an object); each state's `#meta` holds its index and
 * the action that led to it.
 */
export function toItf(trace: Trace, source: TraceSource): object {
  const first = trace[0]?.state;
  const isRecord = typeof first === "object" && first !== null && !Array.isArray(first);
  const vars = isRecord ? Object.keys(first as object) : ["state"];
  return {
    "#meta": {
      format: "ITF",
      "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
      source: source.spec,
      description: describe(source, trace.length - 1),
      ...(source.params === undefined ? {} : { params: source.params }),
    },
    vars,
    states: trace.map((step, index) => {
      const values = isRecord ? (step.state as Record<string, unknown>) : { state: step.state };
      return {
        "#meta": { index, action: step.action ?? "init" },
        ...Object.fromEntries(vars.map((v) => [v, toItfValue(values[v])])),
      };
    }),
  };
}

/** Text inside a Mermaid label: characters Mermaid reads as syntax become its entity codes. */
function mermaidText(text: string, max = 120): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return cut.replace(/#/g, "#35;").replace(/;/g, "#59;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

/** A Mermaid participant id (letters, digits, underscores). */
function participant(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, "_");
}

function isProtocolState(s: unknown): s is { nodes: Record<string, unknown>; network: unknown[] } {
  return typeof s === "object" && s !== null && "nodes" in s && "network" in s && typeof (s as { nodes: unknown }).nodes === "object";
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

/** A trace as a Mermaid diagram (see the module comment). */
export function toMermaid(trace: Trace, source: TraceSource): string {
  const title = `%% ${describe(source, trace.length - 1)}`;
  const first = trace[0]?.state;
  if (isProtocolState(first)) {
    const nodes = Object.keys(first.nodes);
    const lines = [title, "sequenceDiagram", ...nodes.map((n) => `  participant ${participant(n)} as ${mermaidText(n)}`)];
    for (const step of trace.slice(1)) lines.push(sequenceLine(step.action ?? "", nodes));
    if (source.property) lines.push(`  Note over ${nodes.map(participant).slice(0, 2).join(",")}: ${mermaidText(`${source.property} violated`)}`);
    return `${lines.join("\n")}\n`;
  }
  const lines = [title, "flowchart TD", `  s0["initial state"]`];
  trace.forEach((step, i) => {
    if (i === 0) return;
    const changes = diffStates(trace[i - 1]!.state, step.state).flatMap(formatChange);
    const shown = changes.slice(0, 4).map((c) => mermaidText(c, 80));
    if (changes.length > 4) shown.push(`… ${changes.length - 4} more`);
    lines.push(`  s${i}["${shown.join("<br/>") || "no change"}"]`);
    lines.push(`  s${i - 1} -->|"${mermaidText(step.action ?? "")}"| s${i}`);
  });
  if (source.property) lines.push(`  s${trace.length - 1}:::violated`, "  classDef violated stroke:#c00,stroke-width:3px");
  return `${lines.join("\n")}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A trace as one self-contained HTML page. */
export function toHtml(trace: Trace, source: TraceSource): string {
  const heading = escapeHtml(describe(source, trace.length - 1));
  const rows = trace.map((step, i) => {
    const changes = i === 0 ? [] : diffStates(trace[i - 1]!.state, step.state).flatMap(formatChange);
    const last = i === trace.length - 1 && source.property ? ' class="violated"' : "";
    return [
      `<tr${last}><td>${i}</td><td>${escapeHtml(step.action ?? "initial state")}</td>`,
      `<td>${changes.length === 0 ? (i === 0 ? "" : "<em>no change</em>") : `<ul>${changes.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join("")}</ul>`}`,
      `<details><summary>state</summary><pre>${escapeHtml(JSON.stringify(step.state, null, 2))}</pre></details></td></tr>`,
    ].join("");
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${heading}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }
tr.violated td { background: #fee; }
ul { margin: 0; padding-left: 1.2em; }
pre { margin: 0; font-size: 12px; }
</style></head>
<body><h1>${heading}</h1>
<p>${trace.length - 1} steps${source.property ? `; the last state violates <code>${escapeHtml(source.property)}</code>` : ""}. Each step lists only the fields it changed.</p>
<table><thead><tr><th>#</th><th>action</th><th>changed fields</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></body></html>
`;
}
