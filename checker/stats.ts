/**
 * `check --stats`: what a user needs to shrink a model that explodes. Per
 * action, the successors it generated and the new states it found; how many
 * states sit at each depth; and which fields make the largest states large.
 *
 * Collected by a model wrapper, so the search's hot loop is untouched: a
 * distinct state is counted and measured the first time its successors are
 * asked for (a search asks again for a few: guard re-runs, trace labels). The wrapper keeps every state's depth
 * by fingerprint and serializes every state to measure it, so it costs
 * memory and time: use it on a model that is too big, with --max-states.
 */
import { deriveModel, type Fingerprint, type Model } from "../src/index.js";

/** The `stats` field of the JSON report. */
export interface Stats {
  /** Per action (coverage group: `role: receive Type` for protocols), in order of first appearance. */
  readonly actions: readonly { readonly action: string; readonly generated: number; readonly newStates: number }[];
  /** States expanded at each depth (index = depth; BFS depths are shortest). */
  readonly depths: readonly number[];
  /** The largest states expanded (JSON size), largest first, each with its largest fields. */
  readonly largestStates: readonly LargeState[];
}

/** One of the largest states, and where its bytes are. */
export interface LargeState {
  readonly bytes: number;
  readonly depth: number;
  /** Fields two levels deep (`network`, `nodes.n1`), largest first; `items` for arrays and objects. */
  readonly fields: readonly { readonly path: string; readonly bytes: number; readonly items?: number }[];
}

const KEEP_STATES = 3;
const KEEP_FIELDS = 8;

function key(fp: Fingerprint): string {
  return `${fp.hi}:${fp.lo}`;
}

/** Collects {@link Stats} while a search runs the model `wrap` returns. */
export class StatsCollector {
  private readonly depthOf = new Map<string, number>();
  /** States already counted: a search asks again for some successors (guard re-runs, the trace's labels). */
  private readonly expanded = new Set<string>();
  private readonly depths: number[] = [];
  private readonly actions = new Map<string, { generated: number; newStates: number }>();
  private largest: { bytes: number; depth: number; state: unknown }[] = [];

  /** The same model, counted. */
  wrap<S>(model: Model<S>): Model<S> {
    const groupOf = (label: string) =>
      model.coverageKey ? model.coverageKey(label) : (label.split(/[ (]/)[0] ?? label);
    return deriveModel(model, {
      initStates: () => {
        const states = model.initStates();
        const fp: Fingerprint = { hi: 0, lo: 0 };
        for (const s of states) {
          model.fingerprint(s, fp);
          if (!this.depthOf.has(key(fp))) this.depthOf.set(key(fp), 0);
        }
        return states;
      },
      successors: (state, fp, sink) => {
        const at = key(fp);
        if (this.expanded.has(at)) return model.successors(state, fp, sink);
        this.expanded.add(at);
        const depth = this.depthOf.get(at) ?? 0;
        this.depths[depth] = (this.depths[depth] ?? 0) + 1;
        this.measure(state, depth);
        model.successors(state, fp, {
          labels: true,
          push: (next, nextFp, label, fault) => {
            const row = this.row(groupOf(label));
            row.generated++;
            const k = key(nextFp);
            if (!this.depthOf.has(k)) {
              this.depthOf.set(k, depth + 1);
              row.newStates++;
            }
            sink.push(next, nextFp, label, fault);
          },
        });
      },
    });
  }

  /** What was collected. */
  result(): Stats {
    return {
      actions: [...this.actions].map(([action, r]) => ({ action, generated: r.generated, newStates: r.newStates })),
      depths: Array.from(this.depths, (n) => n ?? 0),
      largestStates: this.largest.map((l) => ({ bytes: l.bytes, depth: l.depth, fields: largestFields(l.state) })),
    };
  }

  private row(action: string): { generated: number; newStates: number } {
    let row = this.actions.get(action);
    if (row === undefined) {
      row = { generated: 0, newStates: 0 };
      this.actions.set(action, row);
    }
    return row;
  }

  private measure(state: unknown, depth: number): void {
    const bytes = jsonBytes(state);
    const last = this.largest[this.largest.length - 1];
    if (this.largest.length >= KEEP_STATES && last !== undefined && bytes <= last.bytes) return;
    this.largest = [...this.largest, { bytes, depth, state }].sort((a, b) => b.bytes - a.bytes).slice(0, KEEP_STATES);
  }
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "undefined");
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === "object" && v !== null;
}

/** The fields of `state` one and two levels deep, largest first. */
export function largestFields(state: unknown): LargeState["fields"] {
  if (!isContainer(state)) return [];
  const out: { path: string; bytes: number; items?: number }[] = [];
  const add = (path: string, v: unknown) =>
    out.push({ path, bytes: jsonBytes(v), ...(isContainer(v) ? { items: Object.keys(v).length } : {}) });
  for (const [k, v] of Object.entries(state)) {
    const path = Array.isArray(state) ? `[${k}]` : k;
    add(path, v);
    if (isContainer(v) && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v)) add(`${path}.${k2}`, v2);
  }
  return out.sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path)).slice(0, KEEP_FIELDS);
}

/** The stats as the text report prints them. */
export function formatStats(stats: Stats): string {
  const n = (x: number, w = 12) => x.toLocaleString("en-US").padStart(w);
  const width = Math.max(6, ...stats.actions.map((a) => a.action.length));
  const lines = ["Stats:", `  ${"action".padEnd(width)} ${"generated".padStart(12)} ${"new states".padStart(12)}`];
  for (const a of stats.actions) lines.push(`  ${a.action.padEnd(width)} ${n(a.generated)} ${n(a.newStates)}`);
  const most = Math.max(1, ...stats.depths);
  lines.push("", `  ${"depth".padStart(5)} ${"states".padStart(12)}`);
  stats.depths.forEach((count, depth) =>
    lines.push(`  ${String(depth).padStart(5)} ${n(count)} ${"#".repeat(Math.ceil((count / most) * 40))}`),
  );
  stats.largestStates.forEach((s, i) => {
    lines.push(
      "",
      `  largest state ${i + 1}: ${n(s.bytes, 0)} bytes of JSON, at depth ${s.depth}; its largest fields:`,
    );
    for (const f of s.fields)
      lines.push(
        `    ${f.path}: ${n(f.bytes, 0)} bytes${f.items === undefined ? "" : `, ${n(f.items, 0)} item${f.items === 1 ? "" : "s"}`}`,
      );
  });
  return lines.join("\n");
}
