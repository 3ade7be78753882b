/**
 * Canonical sets and maps in plain data.
 *
 * Model state must be plain data (no `Set`/`Map`), and fingerprints hash
 * arrays in order, so the documented way to hold a set is a sorted array of
 * unique elements, and a map is a plain object (key order is irrelevant to
 * fingerprints) or a sorted array of [key, value] pairs. These helpers keep
 * that form; they never mutate their input.
 *
 * @example
 * const prepared = setAdd([], "rm2");   // ["rm2"]
 * setHas(setAdd(prepared, "rm1"), "rm1") // true, stored as ["rm1", "rm2"]
 */

/** Primitive elements that sets compare and order directly. */
export type SetElement = string | number | boolean;

/** Orders numbers numerically and strings by code units; mixed types by type name. */
export function compareElements(a: SetElement, b: SetElement): number {
  if (typeof a !== typeof b) return typeof a < typeof b ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function search<T extends SetElement>(set: readonly T[], x: T): number {
  let lo = 0;
  let hi = set.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareElements(set[mid]!, x) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when the sorted set holds `x`. */
export function setHas<T extends SetElement>(set: readonly T[], x: T): boolean {
  // Past the end, set[i] is undefined, never an element.
  return set[search(set, x)] === x;
}

/** The sorted set with `x` added (the same array when already present). */
export function setAdd<T extends SetElement>(set: readonly T[], x: T): readonly T[] {
  const i = search(set, x);
  if (set[i] === x) return set;
  return [...set.slice(0, i), x, ...set.slice(i)];
}

/** The sorted set without `x` (the same array when absent). */
export function setRemove<T extends SetElement>(set: readonly T[], x: T): readonly T[] {
  const i = search(set, x);
  if (set[i] !== x) return set;
  return [...set.slice(0, i), ...set.slice(i + 1)];
}

/** A canonical sorted set from any elements. */
export function setOf<T extends SetElement>(items: Iterable<T>): readonly T[] {
  return [...new Set(items)].sort(compareElements);
}
