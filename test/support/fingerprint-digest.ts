import type { Fingerprint, Model } from "../../src/index.js";

/**
 * Every state reachable in `model` (breadth first, without a checker) and
 * the sum of their fingerprints, word by word: pinned in a test, it moves
 * when any state's fingerprint does, even where the counts stay the same.
 */
export function fingerprintDigest<S>(model: Model<S>): { states: number; hi: number; lo: number } {
  let hi = 0;
  let lo = 0;
  const seen = new Set<string>();
  const queue = [...model.initStates()];
  for (let k = 0; k < queue.length; k++) {
    const out: Fingerprint = { hi: 0, lo: 0 };
    model.fingerprint(queue[k]!, out);
    const key = `${out.hi}:${out.lo}`;
    if (seen.has(key)) continue;
    seen.add(key);
    hi = (hi + out.hi) >>> 0;
    lo = (lo + out.lo) >>> 0;
    model.successors(queue[k]!, out, { labels: false, push: (next) => queue.push(next) });
  }
  return { states: seen.size, hi, lo };
}
