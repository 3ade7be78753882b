/**
 * A counter for the random strategy's unit tests: Inc (below 5), Dec (above
 * 0) and Reset (to 0, above 0), in that order, so at 1 or 2 the successors'
 * ordinals are Inc 0, Dec 1, Reset 2. `below3` fails at 3; `noResetFrom2`
 * fails on the step Reset from 2, which leads back to the initial state.
 * With `starts`, the initial states are those values.
 */
import type { Counterexample } from "../../../checker/path.js";
import { defineSpec, invariant, onEveryStep, selectProperties } from "../../../src/index.js";

export const INC = 0;
export const DEC = 1;
export const RESET = 2;

function counter(starts: readonly number[] = [0]) {
  return defineSpec({
    name: "counter",
    description: "a counter from 0 to 5",
    init: () => starts.map((x) => ({ x })),
    actions: {
      Inc: (s: { x: number }) => (s.x < 5 ? { x: s.x + 1 } : undefined),
      Dec: (s: { x: number }) => (s.x > 0 ? { x: s.x - 1 } : undefined),
      Reset: (s: { x: number }) => (s.x > 0 ? { x: 0 } : undefined),
    },
    properties: {
      below3: invariant((s: { x: number }) => s.x < 3),
      noResetFrom2: onEveryStep((a: { x: number }, b: { x: number }) => !(a.x === 2 && b.x === 0)),
    },
  });
}

/** The counter's model with only `property` checked. */
export function counterModel(property: "below3" | "noResetFrom2", starts?: readonly number[]) {
  return selectProperties(counter(starts).instantiate(), [property]);
}

/** A counterexample to `property` of the counter: its kind follows from the property. */
export function counterexample(property: "below3" | "noResetFrom2", steps: number[], init = 0): Counterexample {
  return { property, kind: property === "below3" ? "invariant" : "action", path: { init, steps } };
}
