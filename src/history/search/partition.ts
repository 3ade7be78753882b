import { canonicalJson } from "../json.js";
import { ignoreFailed, type AnyModel } from "../model.js";
import type { Operation } from "../operations.js";

/**
 * The operations of one partition, ready for a search: ignored operations
 * left out, definite operations (ok, or kept failures) and unknown-outcome
 * operations numbered separately for the two bitsets.
 */
export interface PreparedPartition {
  readonly key: string | null;
  /** Kept operations in invocation order; the search uses their local index. */
  readonly ops: readonly Operation[];
  /** 1 when the operation's outcome is unknown. */
  readonly unknown: Uint8Array;
  /** 1 when the operation is definite and the model says it never changes the state. */
  readonly readOnly: Uint8Array;
  /** Index of the operation in the definite or the unknown bitset. */
  readonly bit: Int32Array;
  readonly definiteCount: number;
  readonly unknownCount: number;
  /**
   * For an unknown operation, the previous unknown operation with the same
   * name, key and input (or -1). Such twins are interchangeable, so the
   * search applies them in order only.
   */
  readonly previousTwin: Int32Array;
  /**
   * The model's guess of when each operation takes effect at the latest ({@link AnyModel.deadlines}), if it has one.
   */
  readonly deadlines?: ArrayLike<number>;
  /**
   * 1 for unknown-outcome operations that may be applied any number of times
   * (a relaxation, sound only for proving violations: the windowed check).
   */
  readonly reusable?: Uint8Array;
}

/** Options for splitting a history into partitions. */
export interface PartitionOptions {
  /** When false, check the history as one partition even if the model partitions. Default true. */
  readonly partition?: boolean;
}

/** Splits operations by the model's partition key and prepares each part. */
export function preparePartitions(
  ops: readonly Operation[],
  model: AnyModel,
  options: PartitionOptions = {},
): PreparedPartition[] {
  const ignore = model.ignore ?? ignoreFailed;
  const partitionOf =
    options.partition === false || model.partition === undefined ? undefined : model.partition.bind(model);
  const groups = new Map<string, Operation[]>();
  for (const op of ops) {
    if (ignore(op)) continue;
    const key = partitionOf === undefined ? "" : partitionOf(op);
    let group = groups.get(key);
    if (group === undefined) {
      group = [];
      groups.set(key, group);
    }
    group.push(op);
  }
  const out: PreparedPartition[] = [];
  // One unnamed partition (a register without keys) is the whole history.
  const whole = partitionOf === undefined || (groups.size === 1 && groups.has(""));
  for (const [key, group] of groups) out.push(prepare(whole ? null : key, group, model));
  return out;
}

/** Prepares one group of operations (already filtered). */
export function prepare(key: string | null, ops: readonly Operation[], model: AnyModel): PreparedPartition {
  const n = ops.length;
  const unknown = new Uint8Array(n);
  const readOnly = new Uint8Array(n);
  const bit = new Int32Array(n);
  const previousTwin = new Int32Array(n).fill(-1);
  const lastTwin = new Map<string, number>();
  let d = 0;
  let u = 0;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    if (op.status === "unknown") {
      unknown[i] = 1;
      bit[i] = u++;
      const twinKey = `${op.f}\u0000${op.key ?? ""}\u0000${canonicalJson(op.input)}`;
      const prev = lastTwin.get(twinKey);
      if (prev !== undefined) previousTwin[i] = prev;
      lastTwin.set(twinKey, i);
    } else {
      bit[i] = d++;
      if (model.readOnly?.(op) === true) readOnly[i] = 1;
    }
  }
  const prepared = { key, ops, unknown, readOnly, bit, definiteCount: d, unknownCount: u, previousTwin };
  return model.deadlines === undefined ? prepared : { ...prepared, deadlines: model.deadlines(ops) };
}
