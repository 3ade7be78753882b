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

const GAP = 8;
const ROW = 26;
/** How many operations of the partial linearization are outlined as a stuck operation's blockers. */
const BLOCKERS = 3;

/**
 * Renders a check's result as one self-contained HTML page (one inline
 * script, no external resources): for each partition, a timeline with a row
 * per process and a box per operation spanning invocation to completion
 * (dashed to the end when the outcome is unknown), laid out in time order
 * with every box as wide as its label, and zoom buttons. The page opens with
 * the first operation that could not be placed, and the last ones placed
 * before it, in view. Boxes carry their position in the
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
  const sections: {
    key: string | null;
    ops: Operation[];
    order: readonly Operation[];
    stuck: ReadonlySet<number>;
    message?: string;
    violating: boolean;
  }[] = [];
  const groups = new Map<string, Operation[]>();
  const partitionOf = (op: Operation): string =>
    report.partitions > 1 && model?.partition !== undefined ? model.partition(op) : "";
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
    const witness =
      report.result !== "violation" && report.result !== "unknown"
        ? (report.witness.find((w) => w.length > 0 && partitionOf(w[0]!) === k) ?? [])
        : [];
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
  const verdict =
    report.result === "violation"
      ? "violation"
      : report.result === "unknown"
        ? `unknown (${report.reason})`
        : report.result;
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
.scroll{display:flex;overflow-x:auto;padding-bottom:6px;position:relative}
.rows{position:sticky;left:0;z-index:3;flex:0 0 72px;background:#fff;border-right:1px solid #eee}
.timeline{position:relative;flex:none;width:calc(var(--end) * var(--z, 1) * 1px)}
.label{position:absolute;left:0;width:64px;text-align:right;color:#666;font-size:11px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.op{position:absolute;left:calc(var(--l) * var(--z, 1) * 1px);width:calc(var(--w) * var(--z, 1) * 1px);height:${ROW - 8}px;box-sizing:border-box;border:1px solid #4a6fa5;background:#dde8f7;border-radius:3px;font-size:11px;line-height:${ROW - 10}px;padding:0 3px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.zoom{margin:4px 0}.zoom button{font:inherit;min-width:28px;margin-right:4px;cursor:pointer}
.op.blocker{outline:2px solid #e08a00;outline-offset:1px;z-index:1}
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
<p class="meta">Boxes span invocation to completion, in time order, each as wide as its label (zoom out to see more of the history); dashed boxes have an unknown outcome. Green numbers give the position in the (partial) linearization; red boxes could not be placed after it; orange outlines mark the last operations placed before them.</p>
<script>${SCRIPT}</script>
</body></html>
`;
}

/** Pixels a label needs at the report's font size (11px system-ui; a generous average per character). */
function labelWidth(text: string, numbered: boolean): number {
  return Math.ceil(text.length * 6.4) + 10 + (numbered ? 20 : 0);
}

/**
 * The x of each event: in time order, at least GAP after the previous one,
 * and far enough after each operation's invocation for its label to fit
 * (a box is as wide as its text; order is kept, durations are not).
 */
function layout(
  ops: readonly Operation[],
  labels: ReadonlyMap<number, number>,
): { x: Map<number, number>; end: number } {
  const points = new Set<number>();
  for (const op of ops) {
    points.add(op.call);
    if (op.end !== null && op.status !== "unknown") points.add(op.end);
  }
  const sorted = [...points].sort((a, b) => a - b);
  const endingAt = new Map<number, Operation[]>();
  for (const op of ops) {
    if (op.end === null || op.status === "unknown") continue;
    const list = endingAt.get(op.end) ?? [];
    endingAt.set(op.end, list);
    list.push(op);
  }
  const x = new Map<number, number>();
  let at = 0;
  for (const p of sorted) {
    at += GAP;
    for (const op of endingAt.get(p) ?? []) at = Math.max(at, x.get(op.call)! + labels.get(op.id)!);
    x.set(p, at);
  }
  // Unknown outcomes run to the end, which is far enough for their labels too.
  let end = at + GAP;
  for (const op of ops)
    if (op.end === null || op.status === "unknown") end = Math.max(end, x.get(op.call)! + labels.get(op.id)! + GAP);
  return { x, end };
}

/**
 * The operations a stuck one is measured against: the last few of the
 * partial linearization that started before the stuck one completed (its
 * real-time predecessors and its concurrent operations, latest first).
 */
function blockersOf(stuck: readonly Operation[], order: readonly Operation[]): Set<number> {
  const out = new Set<number>();
  for (const op of stuck) {
    const limit = op.end === null || op.status === "unknown" ? Infinity : op.end;
    const before = order.filter((o) => o.call < limit);
    for (const o of before.slice(-BLOCKERS)) out.add(o.id);
  }
  return out;
}

/**
 * The page's only script (inline, no network): zoom buttons per timeline, and
 * on open the first stuck operation and its blockers scrolled into view.
 */
const SCRIPT = `
for (const d of document.querySelectorAll("details")) {
  const sc = d.querySelector(".scroll"), tl = d.querySelector(".timeline");
  if (!sc || !tl) continue;
  for (const b of d.querySelectorAll("[data-zoom]")) b.addEventListener("click", () => {
    const z = Number(tl.style.getPropertyValue("--z") || 1), view = sc.clientWidth - 72;
    const want = b.dataset.zoom === "fit" ? view / Number(tl.style.getPropertyValue("--end")) : b.dataset.zoom === "1" ? 1 : z * Number(b.dataset.zoom);
    const next = Math.min(4, Math.max(0.005, want)), middle = (sc.scrollLeft + view / 2) / z;
    tl.style.setProperty("--z", String(next));
    sc.scrollLeft = middle * next - view / 2;
  });
}
const stuck = document.querySelector("details[open] .op.stuck");
if (stuck) {
  const sc = stuck.closest(".scroll"), view = sc.clientWidth - 72;
  const group = [...sc.querySelectorAll(".op.stuck, .op.blocker")];
  const left = Math.min(...group.map((e) => e.offsetLeft)), right = Math.max(...group.map((e) => e.offsetLeft + e.offsetWidth));
  const own = [stuck.offsetLeft, stuck.offsetLeft + stuck.offsetWidth];
  sc.scrollLeft = right - left <= view - 20 ? left - (view - (right - left)) / 2 : Math.min(own[0] - 10, Math.max(own[1] - view + 10, left - 10));
  const box = stuck.getBoundingClientRect();
  window.scrollTo(0, window.scrollY + box.top - window.innerHeight / 2);
}
`;

function section(
  s: {
    key: string | null;
    ops: Operation[];
    order: readonly Operation[];
    stuck: ReadonlySet<number>;
    message?: string;
    violating: boolean;
  },
  model: AnyModel | undefined,
  events: number,
): string {
  const position = new Map(s.order.map((op, i) => [op.id, i + 1]));
  const texts = new Map(s.ops.map((op) => [op.id, describeOperation(model, op)]));
  const widths = new Map(s.ops.map((op) => [op.id, labelWidth(texts.get(op.id)!, position.has(op.id))]));
  const { x, end } = layout(s.ops, widths);
  const processes = [...new Set(s.ops.map((op) => op.process))].sort((a, b) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b)),
  );
  const row = new Map(processes.map((p, i) => [p, i]));
  const blockers = blockersOf(
    s.ops.filter((op) => s.stuck.has(op.id)),
    s.order,
  );
  const rows: string[] = processes.map(
    (p, i) => `<div class="label" style="top:${i * ROW + 5}px">${esc(String(p))}</div>`,
  );
  const boxes: string[] = [];
  for (const op of s.ops) {
    const left = x.get(op.call)!;
    const right = op.end === null || op.status === "unknown" ? end : x.get(op.end)!;
    const cls = [
      "op",
      op.status === "unknown" ? "unknown" : op.status === "fail" ? "fail" : "",
      position.has(op.id) ? "placed" : "",
      blockers.has(op.id) ? "blocker" : "",
      s.stuck.has(op.id) ? "stuck" : "",
    ]
      .filter(Boolean)
      .join(" ");
    const text = texts.get(op.id)!;
    const n = position.get(op.id);
    const title = `${text}\nprocess ${String(op.process)}, operation ${op.id + 1}, events ${op.call + 1}..${op.end === null ? "end" : op.end + 1}${n === undefined ? "" : `\nlinearized #${n}`}`;
    // Positions are multiplied by the zoom (a CSS variable the buttons change).
    boxes.push(
      `<div class="${cls}" style="--l:${left};--w:${Math.max(GAP, right - left - 2)};top:${row.get(op.process)! * ROW + 4}px" title="${esc(title)}">${n === undefined ? "" : `<span class="n">${n}</span>`}${esc(text)}</div>`,
    );
  }
  const steps = replay(s.order, model);
  const list =
    s.order.length === 0 && s.stuck.size === 0
      ? ""
      : `<div>${s.violating ? "Longest partial linearization found" : "Linearization"} (${s.order.length} operations):</div><ol>${s.order
          .map(
            (op, i) =>
              `<li>${esc(describeOperation(model, op))} <span class="state">[process ${esc(String(op.process))}] → ${esc(steps[i] ?? "")}</span></li>`,
          )
          .join("")}${s.ops
          .filter((op) => s.stuck.has(op.id))
          .map(
            (op) =>
              `<li class="stuck" value="${s.order.length + 1}">cannot be placed: ${esc(describeOperation(model, op))} [process ${esc(String(op.process))}]</li>`,
          )
          .join("")}</ol>`;
  const name = s.key === null ? "history" : `key ${JSON.stringify(s.key)}`;
  const zoom = `<div class="zoom" role="group" aria-label="zoom the time axis"><button type="button" data-zoom="0.5" title="zoom out">−</button><button type="button" data-zoom="2" title="zoom in">+</button><button type="button" data-zoom="fit" title="the whole history in view">fit</button><button type="button" data-zoom="1" title="every label in full">1:1</button></div>`;
  return `<details${s.violating ? " open" : ""}><summary>${esc(name)}: ${s.ops.length} operations${s.violating ? " — violation" : ""}</summary>
${s.message === undefined ? "" : `<div class="msg">${esc(s.message)}</div>`}
${zoom}<div class="scroll"><div class="rows" style="height:${processes.length * ROW + 6}px">${rows.join("")}</div><div class="timeline" style="--end:${end + GAP};height:${processes.length * ROW + 6}px">${boxes.join("")}</div></div>
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
