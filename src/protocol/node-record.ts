/**
 * Compiled accessors of a protocol state's nodes record. Hand-rolled for
 * speed: a read per node by a constant name, where a loop's `n[id]` is a
 * keyed (megamorphic) lookup, and a replacement as one object literal of a
 * fixed shape, where a spread with a computed key builds a slow object.
 */
import type { NodeId } from "./api.js";

type Nodes = Readonly<Record<NodeId, unknown>>;

/** Reads nodes `ids` of a nodes record into `out`, in order. */
export type NodeReader = (nodes: Nodes, out: unknown[]) => void;

export function nodeReader(ids: readonly NodeId[]): NodeReader {
  const reads = ids.map((id, i) => `o[${i}] = n[${JSON.stringify(id)}];`).join(" ");
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled once per node list (see the file comment)
  return new Function("n", "o", reads) as NodeReader;
}

/** Copies a nodes record with node `i` (by position in `ids`) replaced by `value`; -1 replaces none. */
export type NodeReplacer = (nodes: Nodes, i: number, value: unknown) => Record<NodeId, unknown>;

export function nodeReplacer(ids: readonly NodeId[]): NodeReplacer {
  const fields = ids.map((id, i) => `${JSON.stringify(id)}: i === ${i} ? v : n[${JSON.stringify(id)}]`).join(", ");
  // The inner loop's most frequent allocation: one replacer compiled per protocol.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled once per protocol (see the file comment)
  return new Function("n", "i", "v", `return { ${fields} };`) as NodeReplacer;
}

/**
 * Builds a nodes record from the node states by position in `ids` (as `nodeReplacer`: one literal of a fixed shape).
 */
export function nodeBuilder(ids: readonly NodeId[]): (states: readonly unknown[]) => Record<NodeId, unknown> {
  const fields = ids.map((id, i) => `${JSON.stringify(id)}: a[${i}]`).join(", ");
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled once per protocol (see the file comment)
  return new Function("a", `return { ${fields} };`) as (states: readonly unknown[]) => Record<NodeId, unknown>;
}
