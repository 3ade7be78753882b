import type { Model } from "../../../src/index.js";

/**
 * A line of states 0 -> 1 -> ... -> `last`, as a bare model (no spec layer around it); `fail` makes the step at one
 * state throw `error` as it is, an error of the checker's own rather than a fault of the user's code.
 */
export function lineModel(last: number, fail?: { readonly at: number; readonly error: Error }): Model<number> {
  return {
    spec: "line",
    variant: "default",
    params: {},
    properties: [],
    deadlock: false,
    initStates: () => [0],
    fingerprint: (s, out) => {
      out.hi = s;
      out.lo = s * 7 + 1;
    },
    successors: (s, _fp, sink) => {
      if (fail && s === fail.at) throw fail.error;
      if (s < last) sink.push(s + 1, { hi: s + 1, lo: (s + 1) * 7 + 1 }, "Step");
    },
    withinConstraint: () => true,
  };
}
