import { describeOperation, describeState } from "./explain.js";
import type { AnyModel } from "./model.js";
import { operationsOf, type Operation } from "./operations.js";
import type { CheckReport } from "./result.js";
import type { History } from "./types.js";

/** What {@link renderHtmlReport} draws. */
export interface HtmlReportInput {
  /** Shown in the title (a file name). */
  readonly title: string;
  readonly history: History;
  readonly report: CheckReport;
  /** Describes operations and states; also replays partial linearizations to show the state after each step. */
  readonly model?: AnyModel;
}

const UNIT = 16;
const ROW = 26;

/**
 * Renders a check's result as one self-contained HTML page (no scripts or
 * external resources): for each partition, a timeline with a row per process
 * and a box per operation spanning invocation to completion (dashed to the
 * end when the outcome is unknown). Boxes carry their position in the
 * linearization found (the witness, or the longest partial linearization of a
 * violation, with the state after each step); the operations that could not be
 * placed after it are red. Violating partitions come first and open.
 *
 * @example
 * writeFileSync("report.html", renderHtmlReport({ title: file, history, report, model: registerModel }));
 */
export function renderHtmlReport(input: HtmlReportInput): string {
  const { report, model } = input;
  const ops = operationsOf(input.history);
  const sections: { key: string | null; ops: Operation[]; order: readonly Operation[]; stuck: ReadonlySet<number>; message?: string; violating: boolean }[] = [];
  const groups = new Map<string, Operation[]>();
  const partitionOf = (op: Operation): string => (report.partitions > 1 && model?.partition !== undefined ? model.partition(op) : "");
  for (const op of ops) {
    const k = partitionOf(op);
    const list = groups.get(k) ?? [];
    groups.set(k, list);
    list.push(op);
  }
  const violations = report.result === "violation" ? report.violations : [];
  for (const [k, list] of groups) {
    const key = report.partitions > 1 ? k : null;
    const violation = violations.find((v) => (v.partition ?? "") === k || report.partitions <= 1);
    const witness = report.result !== "violation" && report.result !== "unknown" ? (report.witness.find((w) => w.length > 0 && partitionOf(w[0]!) === k) ?? []) : [];
    sections.push({
      key,
      ops: list,
      order: violation?.prefix ?? witness,
      stuck: new Set((violation?.stuck ?? []).map((op) => op.id)),
      ...(violation === undefined ? {} : { message: violation.message }),
      violating: violation !== undefined,
    });
  }
  sections.sort((a, b) => Number(b.violating) - Number(a.violating));
  const verdict = report.result === "violation" ? "violation" : report.result === "unknown" ? `unknown (${report.reason})` : report.result;
  const body = sections.map((s) => section(s, model, input.history.length)).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}: ${esc(verdict)}</title>
<style>
body{font:13px system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:18px;margin:0 0 4px}
.meta{color:#555;margin-bottom:12px}
.verdict-violation{color:#b00020}.verdict-ok{color:#0a7a2f}.verdict-unknown{color:#a66a00}
details{margin:8px 0;border:1px solid #ddd;border-radius:6px;padding:6px 10px}
summary{cursor:pointer;font-weight:600}
.msg{background:#fff4f4;border-left:3px solid #b00020;padding:6px 8px;margin:6px 0;white-space:pre-wrap}
.scroll{overflow-x:auto;padding-bottom:6px}
.timeline{position:relative}
.label{position:absolute;left:0;width:70px;text-align:right;color:#666;font-size:11px}
.op{position:absolute;height:${ROW - 8}px;box-sizing:border-box;border:1px solid #4a6fa5;background:#dde8f7;border-radius:3px;font-size:10px;line-height:${ROW - 10}px;padding:0 3px;white-space:nowrap;overflow:hidden}
.op.fail{background:#eee;border-color:#999;color:#666}
.op.unknown{background:#fff3df;border:1px dashed #c98a1b}
.op.placed{background:#d9f2df;border-color:#2f8a4a}
.op.stuck{background:#ffd6d9;border:2px solid #b00020;font-weight:600}
.n{display:inline-block;min-width:14px;margin-right:3px;border-radius:7px;background:#2f8a4a;color:#fff;text-align:center;font-size:9px;line-height:14px}
ol{margin:4px 0;padding-left:28px;max-height:320px;overflow:auto}
li.stuck{color:#b00020}
.state{color:#666}
</style></head><body>
<h1>${esc(input.title)}</h1>
<div class="meta"><b class="verdict-${report.result === "violation" ? "violation" : report.result === "unknown" ? "unknown" : "ok"}">${esc(verdict)}</b>
 — ${esc(report.consistency)} · model ${esc(report.model)} · ${report.operations} operations · ${report.partitions} partition${report.partitions === 1 ? "" : "s"} · ${report.configurations} configurations · ${report.durationMs.toFixed(1)} ms
${report.result === "unknown" ? `<br>${esc(report.message)}` : ""}</div>
${body}
<p class="meta">Boxes span invocation to completion; dashed boxes have an unknown outcome. Green numbers give the position in the (partial) linearization; red boxes could not be placed after it.</p>
</body></html>
`;
}

function section(
  s: { key: string | null; ops: Operation[]; order: readonly Operation[]; stuck: ReadonlySet<number>; message?: string; violating: boolean },
  model: AnyModel | undefined,
  events: number,
): string {
  // Compress the time axis to the events of this partition.
  const points = new Set<number>();
  for (const op of s.ops) {
    points.add(op.call);
    if (op.end !== null) points.add(op.end);
  }
  const sorted = [...points].sort((a, b) => a - b);
  const x = new Map(sorted.map((p, i) => [p, i]));
  const width = (sorted.length + 2) * UNIT + 80;
  const processes = [...new Set(s.ops.map((op) => op.process))].sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b))));
  const row = new Map(processes.map((p, i) => [p, i]));
  const position = new Map(s.order.map((op, i) => [op.id, i + 1]));
  const boxes: string[] = processes.map((p, i) => `<div class="label" style="top:${i * ROW + 5}px">${esc(String(p))}</div>`);
  for (const op of s.ops) {
    const left = 80 + x.get(op.call)! * UNIT;
    const right = op.end === null || op.status === "unknown" ? 80 + (sorted.length + 1) * UNIT : 80 + x.get(op.end)! * UNIT + UNIT;
    const cls = ["op", op.status === "unknown" ? "unknown" : op.status === "fail" ? "fail" : "", position.has(op.id) ? "placed" : "", s.stuck.has(op.id) ? "stuck" : ""].filter(Boolean).join(" ");
    const text = describeOperation(model, op);
    const n = position.get(op.id);
    const title = `${text}\nprocess ${String(op.process)}, operation ${op.id + 1}, events ${op.call + 1}..${op.end === null ? "end" : op.end + 1}${n === undefined ? "" : `\nlinearized #${n}`}`;
    boxes.push(
      `<div class="${cls}" style="left:${left}px;top:${row.get(op.process)! * ROW + 4}px;width:${Math.max(UNIT, right - left - 2)}px" title="${esc(title)}">${n === undefined ? "" : `<span class="n">${n}</span>`}${esc(text)}</div>`,
    );
  }
  const steps = replay(s.order, model);
  const list =
    s.order.length === 0 && s.stuck.size === 0
      ? ""
      : `<div>${s.violating ? "Longest partial linearization found" : "Linearization"} (${s.order.length} operations):</div><ol>${s.order
          .map((op, i) => `<li>${esc(describeOperation(model, op))} <span class="state">[process ${esc(String(op.process))}] → ${esc(steps[i] ?? "")}</span></li>`)
          .join("")}${s.ops
          .filter((op) => s.stuck.has(op.id))
          .map((op) => `<li class="stuck" value="${s.order.length + 1}">cannot be placed: ${esc(describeOperation(model, op))} [process ${esc(String(op.process))}]</li>`)
          .join("")}</ol>`;
  const name = s.key === null ? "history" : `key ${JSON.stringify(s.key)}`;
  return `<details${s.violating ? " open" : ""}><summary>${esc(name)}: ${s.ops.length} operations${s.violating ? " — violation" : ""}</summary>
${s.message === undefined ? "" : `<div class="msg">${esc(s.message)}</div>`}
<div class="scroll"><div class="timeline" style="width:${width}px;height:${processes.length * ROW + 6}px">${boxes.join("")}</div></div>
${list}
<!-- ${events} events in the history -->
</details>`;
}

/** The state after each step of a (partial) linearization, replayed with the model. */
function replay(order: readonly Operation[], model: AnyModel | undefined): string[] {
  if (model === undefined) return [];
  const out: string[] = [];
  const walk = (i: number, state: unknown): boolean => {
    if (i === order.length) return true;
    for (const next of model.step(state, order[i]!)) {
      out[i] = describeState(model, next);
      if (walk(i + 1, next)) return true;
    }
    return false;
  };
  try {
    walk(0, model.init());
  } catch {
    // A model that cannot replay these operations: show no states.
  }
  return out;
}

function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"));
}
