import fc from "fast-check";
import { expect } from "vitest";

/**
 * Asserts that `merge` makes a join semilattice over `states` (the CRDT merge
 * laws): idempotent, commutative and associative, for 100 random triples (seed 1).
 */
export function expectMergeLaws<S>(states: fc.Arbitrary<S>, merge: (a: S, b: S) => S): void {
  fc.assert(
    fc.property(states, states, states, (a, b, c) => {
      expect(merge(a, a)).toEqual(a);
      expect(merge(a, b)).toEqual(merge(b, a));
      expect(merge(merge(a, b), c)).toEqual(merge(a, merge(b, c)));
    }),
    { seed: 1 },
  );
}
