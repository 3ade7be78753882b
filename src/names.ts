/**
 * Node ids for parameterized models: the same array object for the same
 * count, so properties and `nodes()` can ask for them in every state without
 * allocating.
 */

const cache = new Map<string, readonly string[]>();

/**
 * `prefix` + 1..count, cached.
 * @example numberedIds("rm", 3) // ["rm1", "rm2", "rm3"]
 */
export function numberedIds(prefix: string, count: number): readonly string[] {
  const key = `${prefix}\u0000${count}`;
  let ids = cache.get(key);
  if (!ids) {
    // Frozen: one list is shared by every caller (and nodesOf compiles a reader for a frozen list).
    ids = Object.freeze(Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`));
    cache.set(key, ids);
  }
  return ids;
}
