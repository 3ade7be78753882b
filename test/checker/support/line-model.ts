import type { Model } from "../../../src/index.js";

/** A state's fingerprint in these models: its number, and a second word from it. */
function fingerprintOf(s: number): { hi: number; lo: number } {
  return { hi: s, lo: s * 7 + 1 };
}

/**
 * States 0..`last` as a bare model (no spec layer around it), the successors of s its `children` up to `last`;
 * `before(s)` runs as state s is expanded, before its successors are computed.
 */
function numberModel(
  last: number,
  children: (s: number) => readonly number[],
  before?: (s: number) => void,
): Model<number> {
  return {
    spec: "line",
    variant: "default",
    params: {},
    properties: [],
    deadlock: false,
    initStates: () => [0],
    fingerprint: (s, out) => {
      const { hi, lo } = fingerprintOf(s);
      out.hi = hi;
      out.lo = lo;
    },
    successors: (s, _fp, sink) => {
      before?.(s);
      for (const child of children(s)) if (child <= last) sink.push(child, fingerprintOf(child), "Step");
    },
    withinConstraint: () => true,
  };
}

/**
 * A line of states 0 -> 1 -> ... -> `last`; `fail` makes the step at one state throw `error` as it is, an error of
 * the checker's own rather than a fault of the user's code.
 */
export function lineModel(last: number, fail?: { readonly at: number; readonly error: Error }): Model<number> {
  return numberModel(
    last,
    (s) => [s + 1],
    fail &&
      ((s) => {
        if (s === fail.at) throw fail.error;
      }),
  );
}

/**
 * States 0..`last` as a binary tree (the children of s are 2s + 1 and 2s + 2), so a breadth-first queue grows as the
 * search goes on; `at[s]` runs as state s is expanded (a test changes what the search will read there).
 */
export function treeModel(last: number, at: Readonly<Record<number, () => void>> = {}): Model<number> {
  return numberModel(
    last,
    (s) => [2 * s + 1, 2 * s + 2],
    (s) => at[s]?.(),
  );
}
