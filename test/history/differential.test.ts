/**
 * Differential tests: on thousands of small random histories, every checker
 * agrees with a brute-force checker that tries every order (and, for the
 * read/write models, every reads-from, visibility and arbitration). Seeds are
 * fixed so runs repeat; fast-check prints seed and path on failure.
 */
import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import {
  checkCausalConsistency,
  checkLinearizability,
  checkSequentialConsistency,
  checkSessionGuarantees,
  createIncrementalChecker,
  kvModel,
  registerModel,
  SESSION_GUARANTEES,
  type HistoryEvent,
  type Model,
} from "../../src/history/index.js";
import { interleave, kvHistory, registerHistory, type Ending } from "./support/arbitrary.js";
import { bruteCausal, bruteLinearizable, bruteSequential, bruteSession } from "./support/brute.js";

/** A nondeterministic model: `flip` leaves 0 or 1, `inc` adds one modulo 3, `read` must see the state. */
const coinModel: Model<number> = {
  name: "coin",
  init: () => 0,
  step(state, op) {
    if (op.f === "flip") return [0, 1];
    if (op.f === "inc") return [(state + 1) % 3];
    return op.status !== "ok" || op.output === state ? [state] : [];
  },
  readOnly: (op) => op.f === "read",
};

const coinHistory = fc
  .tuple(
    fc.array(
      fc.record({
        process: fc.nat(2),
        f: fc.constantFrom("flip", "inc", "read", "read"),
        out: fc.constantFrom(0, 1, 2),
        ending: fc.constantFrom<Ending>("ok", "ok", "ok", "info", "none"),
      }),
      { maxLength: 6 },
    ),
    fc.array(fc.nat(5), { maxLength: 20 }),
  )
  .map(([ops, schedule]) =>
    interleave(
      ops.map((o) => ({
        process: o.process,
        f: o.f,
        input: null,
        output: o.f === "read" ? o.out : null,
        ending: o.ending,
      })),
      schedule,
    ),
  );

const verdict = (ok: boolean, name: string): string => (ok ? name : "violation");

/** [consistent, inconsistent] among 1,000 sampled histories (seeded, so exact). */
const LIN_COUNTS = [530, 470];
const SEQ_COUNTS = [593, 407];
const CAUSAL_COUNTS = [683, 317];
const SESSION_COUNTS = [663, 337];

describe("linearizability agrees with trying every order", () => {
  test.prop([registerHistory()], { numRuns: 2000, seed: 11 })(
    "register (read, write, cas; ok, fail, info, pending)",
    (h) => {
      const expected = verdict(bruteLinearizable(h, registerModel), "linearizable");
      expect(checkLinearizability(h, registerModel).result).toBe(expected);
      expect(checkLinearizability(h, registerModel, { quickChecks: false }).result).toBe(expected);
    },
  );

  test.prop([registerHistory({ maxOps: 7 }), fc.constantFrom([2], [3], [2, 4])], { numRuns: 1500, seed: 17 })(
    "the windowed check never rejects a linearizable history (windows forced on tiny histories)",
    (h, sizes) => {
      const expected = verdict(bruteLinearizable(h, registerModel), "linearizable");
      expect(checkLinearizability(h, registerModel, { windows: { minOperations: 0, sizes } }).result).toBe(expected);
    },
  );

  test.prop([registerHistory({ keys: ["a", "b"], maxOps: 7 })], { numRuns: 1000, seed: 12 })(
    "keyed registers, partitioned and not",
    (h) => {
      const expected = verdict(bruteLinearizable(h, registerModel), "linearizable");
      expect(checkLinearizability(h, registerModel).result).toBe(expected);
      expect(checkLinearizability(h, registerModel, { partition: false }).result).toBe(expected);
    },
  );

  test.prop([kvHistory()], { numRuns: 1000, seed: 13 })("kv (get, put, append)", (h) => {
    expect(checkLinearizability(h, kvModel).result).toBe(verdict(bruteLinearizable(h, kvModel), "linearizable"));
  });

  test.prop([coinHistory], { numRuns: 1000, seed: 14 })("a nondeterministic model", (h) => {
    expect(checkLinearizability(h, coinModel).result).toBe(verdict(bruteLinearizable(h, coinModel), "linearizable"));
  });

  test.prop([fc.array(registerHistory({ maxOps: 5 }), { minLength: 1, maxLength: 4 })], { numRuns: 300, seed: 15 })(
    "the incremental checker, on histories and all their prefixes, with one shared cache",
    (histories) => {
      const checker = createIncrementalChecker(registerModel);
      // A frontier limit of 2 configurations makes many prefixes fall back to the full search.
      const fallingBack = createIncrementalChecker(registerModel, { maxFrontier: 2 });
      for (const h of histories) {
        for (let i = 0; i <= h.length; i++) {
          const prefix = h.slice(0, i);
          const expected = verdict(bruteLinearizable(prefix, registerModel), "linearizable");
          expect(checker.check(prefix).result).toBe(expected);
          expect(fallingBack.isLinearizable(prefix)).toBe(expected === "linearizable");
        }
      }
    },
  );

  test.prop([coinHistory], { numRuns: 500, seed: 16 })("the incremental checker with a nondeterministic model", (h) => {
    expect(createIncrementalChecker(coinModel).check(h).result).toBe(
      verdict(bruteLinearizable(h, coinModel), "linearizable"),
    );
  });
});

describe("the random histories exercise both verdicts (else the properties above could not fail)", () => {
  const count = <T>(arb: fc.Arbitrary<T>, seed: number, ok: (t: T) => boolean): [number, number] => {
    const sample = fc.sample(arb, { seed, numRuns: 1000 });
    const yes = sample.filter(ok).length;
    return [yes, sample.length - yes];
  };
  test("linearizable and not, sequential and not, causal and not, session and not", () => {
    expect(count(registerHistory(), 11, (h) => bruteLinearizable(h, registerModel))).toEqual(LIN_COUNTS);
    expect(count(registerHistory(), 21, (h) => bruteSequential(h, registerModel))).toEqual(SEQ_COUNTS);
    expect(count(readWriteHistory(), 31, (h) => bruteCausal(h))).toEqual(CAUSAL_COUNTS);
    expect(count(readWriteHistory(), 41, (h) => bruteSession(h, SESSION_GUARANTEES))).toEqual(SESSION_COUNTS);
  });
});

describe("sequential consistency agrees with trying every order", () => {
  test.prop([registerHistory()], { numRuns: 1500, seed: 21 })(
    "register, with and without the linearizability shortcut",
    (h) => {
      const expected = verdict(bruteSequential(h, registerModel), "sequential");
      expect(checkSequentialConsistency(h, registerModel).result).toBe(expected);
      expect(checkSequentialConsistency(h, registerModel, { quickChecks: false }).result).toBe(expected);
    },
  );

  test.prop([kvHistory()], { numRuns: 700, seed: 22 })("kv, across keys", (h) => {
    expect(checkSequentialConsistency(h, kvModel, { quickChecks: false }).result).toBe(
      verdict(bruteSequential(h, kvModel), "sequential"),
    );
  });

  test.prop([coinHistory], { numRuns: 700, seed: 23 })("a nondeterministic model", (h) => {
    expect(checkSequentialConsistency(h, coinModel, { quickChecks: false }).result).toBe(
      verdict(bruteSequential(h, coinModel), "sequential"),
    );
  });
});

const readWriteHistory = (keys?: readonly string[]): fc.Arbitrary<HistoryEvent[]> =>
  registerHistory({ cas: false, maxOps: 6, ...(keys === undefined ? {} : { keys }) });

describe("causal consistency agrees with the definition", () => {
  test.prop([readWriteHistory()], { numRuns: 1500, seed: 31 })("one register", (h) => {
    expect(checkCausalConsistency(h).result).toBe(verdict(bruteCausal(h), "causal"));
  });

  test.prop([readWriteHistory(["x", "y"])], { numRuns: 1000, seed: 32 })("two registers", (h) => {
    expect(checkCausalConsistency(h).result).toBe(verdict(bruteCausal(h), "causal"));
  });
});

describe("session guarantees agree with the definition", () => {
  test.prop([readWriteHistory(), fc.subarray([...SESSION_GUARANTEES], { minLength: 1 })], { numRuns: 1500, seed: 41 })(
    "one register, any combination of guarantees",
    (h, guarantees) => {
      expect(checkSessionGuarantees(h, { guarantees }).result).toBe(verdict(bruteSession(h, guarantees), "session"));
    },
  );

  test.prop(
    [readWriteHistory(["x", "y"]), fc.constantFrom(...SESSION_GUARANTEES.map((g) => [g]), [...SESSION_GUARANTEES])],
    { numRuns: 800, seed: 42 },
  )("two registers, each guarantee alone and all four", (h, guarantees) => {
    expect(checkSessionGuarantees(h, { guarantees }).result).toBe(verdict(bruteSession(h, guarantees), "session"));
  });
});
