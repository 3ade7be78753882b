import fc from "fast-check";
import type { Model } from "../../src/index.js";
import type { Counterexample, Path } from "../path.js";
import { PathChecker, pathKey } from "./path-checker.js";

/**
 * Shortens a violating path without fast-check: cuts cycles (a state seen
 * twice) and takes shortcuts (a later state that is a direct successor of an
 * earlier one, or an initial state). Each candidate is re-checked, so the
 * result still violates `property`. Exported for its tests: within
 * `shrinkPath`, fast-check's shrinking usually leaves it nothing to cut.
 */
export function cutCycles<S>(checker: PathChecker<S>, found: Counterexample): Counterexample {
  // An action property is violated by the last step itself: keep that step.
  const keepLast = found.kind === "action" && found.path.steps.length > 0;
  const prefix: Path = keepLast ? { init: found.path.init, steps: found.path.steps.slice(0, -1) } : found.path;
  const { states, fps } = checker.states(prefix);
  const last = states.length - 1;
  const latest = new Map<string, number>();
  fps.forEach((fp, i) => latest.set(pathKey(fp.hi, fp.lo), i));
  const furthest = (ordinals: Map<string, number>, from: number): { to: number; ordinal: number } | undefined => {
    let best: { to: number; ordinal: number } | undefined;
    for (const [k, ordinal] of ordinals) {
      const to = latest.get(k);
      if (to !== undefined && to > from && (best === undefined || to > best.to)) best = { to, ordinal };
    }
    return best;
  };
  // The path's own initial state is among them (at 0, or later), so there is always a start.
  const start = furthest(checker.initOrdinals(), -1)!;
  const steps: number[] = [];
  for (let i = start.to; i < last;) {
    // State i+1 is a successor of state i, so there is always a jump.
    const jump = furthest(checker.successorOrdinals(states[i]!, fps[i]!), i)!;
    steps.push(jump.ordinal);
    i = jump.to;
  }
  if (keepLast) steps.push(found.path.steps[found.path.steps.length - 1]!);
  if (steps.length >= found.path.steps.length && start.ordinal === found.path.init) return found;
  const again = checker.walk(start.ordinal, steps, { exact: true });
  return again?.property === found.property && again.path.steps.length <= found.path.steps.length ? again : found;
}

/**
 * Shrinks a violating path with fast-check, then cuts cycles, and repeats
 * while that helps. Deterministic: fast-check shrinks without randomness and
 * is given `seed` only so its own report is repeatable.
 */
export function shrinkPath<S>(
  model: Model<S>,
  found: Counterexample,
  options: { readonly seed: number; readonly maxDepth: number },
): Path {
  const checker = new PathChecker(model);
  let best: Counterexample = found;
  for (let round = 0; round < 4; round++) {
    const before = best.path.steps.length;
    best = cutCycles(checker, fastCheckShrink(checker, best, options));
    if (best.path.steps.length >= before) break;
  }
  return best.path;
}

function fastCheckShrink<S>(
  checker: PathChecker<S>,
  found: Counterexample,
  options: { seed: number; maxDepth: number },
): Counterexample {
  // The walk expands the state its last choice leads to, so a violation seen
  // among that state's successors needs no choice of its own.
  const prefix = { init: found.path.init, steps: found.path.steps.slice(0, Math.max(0, found.path.steps.length - 1)) };
  const encoded = [checker.encode(prefix), checker.encode(found.path)].filter((c) => c !== undefined);
  const choices = encoded.find((c) => checker.walk(found.path.init, c)?.property === found.property);
  if (choices === undefined) return found;
  let best = found;
  const walkArb = fc.tuple(
    fc.nat({ max: Math.max(0, checker.initCount - 1) }),
    fc.array(fc.nat({ max: 0x7fffffff }), { maxLength: Math.max(options.maxDepth, choices.length) }),
  );
  const property = fc.property(walkArb, ([init, steps]) => {
    const again = checker.walk(init, steps);
    if (again?.property !== found.property) return true;
    if (again.path.steps.length <= best.path.steps.length) best = again;
    return false;
  });
  fc.check(property, {
    examples: [[[found.path.init, [...choices]]]],
    numRuns: 1,
    seed: options.seed,
    endOnFailure: false,
  });
  return best;
}
