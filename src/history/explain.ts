import type { AnyModel } from "./model.js";
import { describeOperationDefault, type Operation } from "./operations.js";
import type { Violation } from "./result.js";

/** Describes an operation with the model's `describe`, or a generic text. */
export function describeOperation(model: AnyModel | undefined, op: Operation): string {
  return model?.describe?.(op) ?? describeOperationDefault(op);
}

/** Describes a state with the model's `describeState`, or JSON. */
export function describeState(model: AnyModel | undefined, state: unknown): string {
  return model?.describeState?.(state) ?? JSON.stringify(state) ?? String(state);
}

/**
 * The operations that had to come next after a partial linearization: the
 * definite operations left out of it that were invoked before the earliest
 * completion among them (any of them could be next; none could be placed).
 */
function stuckAfter(prefix: readonly Operation[], ops: readonly Operation[]): Operation[] {
  const placed = new Set(prefix.map((op) => op.id));
  let frontier = Infinity;
  for (const op of ops) {
    if (op.status !== "unknown" && !placed.has(op.id) && op.end! < frontier) frontier = op.end!;
  }
  return ops.filter((op) => op.status !== "unknown" && !placed.has(op.id) && op.call < frontier);
}

/** Builds the explanation of a violating partition. */
export function linearizationViolation(
  model: AnyModel,
  partition: string | null,
  prefix: readonly Operation[],
  state: unknown,
  ops: readonly Operation[],
  noun = "linearization",
): Violation {
  const stuck = stuckAfter(prefix, ops);
  const definite = ops.filter((op) => op.status !== "unknown").length;
  const placed = prefix.filter((op) => op.status !== "unknown").length;
  const where = partition === null ? "" : `key ${JSON.stringify(partition)}: `;
  const message =
    `${where}the longest partial ${noun} found places ${placed} of ${definite} completed operations ` +
    `and leaves the state ${describeState(model, state)}; none of these can come next: ` +
    stuck.map((op) => describeOperation(model, op) + ` [process ${String(op.process)}]`).join("; ");
  return { partition, message, prefix, state: describeState(model, state), stuck };
}

/**
 * Renders a report's violations as plain text, one block per partition, for
 * terminals and logs (the last `lastSteps` steps of each partial
 * linearization; default 10).
 */
export function formatViolations(
  violations: readonly Violation[],
  model?: AnyModel,
  options: { readonly lastSteps?: number } = {},
): string {
  const last = options.lastSteps ?? 10;
  const lines: string[] = [];
  for (const v of violations) {
    lines.push(v.message);
    if (v.prefix.length > 0) {
      lines.push(
        `  longest partial linearization (${v.prefix.length} operations${v.prefix.length > last ? `, last ${last} shown` : ""}):`,
      );
      for (const op of v.prefix.slice(-last))
        lines.push(`    ${describeOperation(model, op)}  [process ${String(op.process)}]`);
      lines.push(`  then the state is ${v.state}, and none of these can be placed:`);
    } else if (v.stuck.length > 0) {
      lines.push("  operations involved:");
    }
    for (const op of v.stuck) lines.push(`    ${describeOperation(model, op)}  [process ${String(op.process)}]`);
  }
  return lines.join("\n");
}
