/**
 * replayTrace and formatReplay on small specs written for each way a replay
 * ends: every divergence reason (no steps, a foreign initial state, an action
 * not enabled, a different state, a step outside the constraint), each kind
 * of property reproduced (invariant at the initial state, action property,
 * final property and deadlock at the end, a throwing reducer), the lasso's
 * checks (where the loop starts, that it closes, that it is fair, which
 * liveness property it breaks), and the text `interleave replay` prints for
 * each. replay.test.ts replays the catalogue's traces through the CLI.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalLabel, formatReplay, replayTrace, type ReplayOutcome } from "../../checker/replay.js";
import {
  alwaysEventually,
  atTermination,
  choose,
  defineSpec,
  eventually,
  int,
  invariant,
  leadsTo,
  onEveryStep,
  type Model,
  type ReadTrace,
  type Trace,
} from "../../src/index.js";
import { cli } from "../support/cli.js";
import { tempFolder } from "../support/temp-folder.js";

type Dial = { readonly n: number; readonly tag: string };

/** Counts up to 3 (Inc), back to 0 (Reset); `Jump(k)` sets any of 12 values; nothing is enabled at n = 9. */
const dial = defineSpec({
  name: "dial",
  description: "a counter for replays",
  params: { top: int(3), step: int(1) },
  init: () => [
    { n: 0, tag: "a" },
    { n: 5, tag: "z" },
    { n: 5, tag: "x" },
  ],
  actions: {
    Inc: (s: Dial, p) => (s.n < p.top ? { ...s, n: s.n + p.step } : undefined),
    Reset: (s: Dial, p) => (s.n === p.top ? { ...s, n: 0 } : undefined),
    Jump: choose(
      (s: Dial) => (s.n === 5 ? [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 9] : []),
      (s: Dial, k: number) => ({ ...s, n: k }),
    ),
  },
  properties: {
    small: invariant((s: Dial) => s.n < 20),
    noBigJump: onEveryStep((prev: Dial, next: Dial) => next.n !== 19 || prev.n !== 5),
    endsLow: atTermination((s: Dial) => s.n !== 9),
  },
});

const at = (...steps: [string | null, Dial][]): Trace => steps.map(([action, state]) => ({ action, state }));
/** Replays `trace` through the dial (any other model: replayTrace itself). */
const replay = (trace: Trace, extra: Omit<ReadTrace, "trace"> = {}) =>
  replayTrace(dial.instantiate(), { ...extra, trace });

describe("replayTrace: divergence", () => {
  it("diverges at step 0 for an empty trace, and for a state no initial state equals, showing the closest", () => {
    expect(replay([])).toEqual({
      result: "diverged",
      step: 0,
      action: null,
      reason: "the trace has no steps",
      diff: [],
    });
    // {n: 5, tag: "y"} differs from the first initial state in both fields, from the other two in `tag` only: the first
    // of those is shown.
    expect(replay(at([null, { n: 5, tag: "y" }]))).toEqual({
      result: "diverged",
      step: 0,
      action: null,
      reason: "the saved initial state is not an initial state of the spec",
      diff: ['tag: "z" → "y"'],
    });
    const none = defineSpec({
      name: "none",
      description: "no initial state",
      init: () => [],
      actions: {},
      properties: {},
    });
    expect(replayTrace(none.instantiate(), { trace: at([null, { n: 0, tag: "a" }]) })).toMatchObject({
      step: 0,
      diff: [],
    });
  });

  it("shows at most 8 changed fields of a state that differs, and how many more", () => {
    type Wide = Record<string, number>;
    const wide = defineSpec({
      name: "wide",
      description: "ten fields",
      init: (): Wide[] => [Object.fromEntries([..."abcdefghij"].map((k) => [k, 0]))],
      actions: {},
      properties: {},
    });
    const saved = Object.fromEntries([..."abcdefghij"].map((k) => [k, 1]));
    const out = replayTrace(wide.instantiate(), { trace: [{ action: null, state: saved }] });
    expect(out.result === "diverged" && out.diff).toEqual([
      "a: 0 → 1",
      "b: 0 → 1",
      "c: 0 → 1",
      "d: 0 → 1",
      "e: 0 → 1",
      "f: 0 → 1",
      "g: 0 → 1",
      "h: 0 → 1",
      "… 2 more",
    ]);
    // Eight fit: no "more" line.
    const eight = { ...saved, i: 0, j: 0 };
    const fits = replayTrace(wide.instantiate(), { trace: [{ action: null, state: eight }] });
    expect(fits.result === "diverged" && fits.diff.length).toBe(8);
  });

  it("lists all of exactly 10 enabled actions", () => {
    const ten = defineSpec({
      name: "ten",
      description: "ten choices",
      init: () => [{ n: 0 }],
      actions: {
        Set: choose(
          () => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
          (_s: { n: number }, k: number) => ({ n: k }),
        ),
      },
      properties: {},
    });
    const out = replayTrace(ten.instantiate(), {
      trace: [
        { action: null, state: { n: 0 } },
        { action: "Set(11)", state: { n: 11 } },
      ],
    });
    expect(out.result === "diverged" && out.reason).toBe(
      "the action is not enabled; enabled: Set(1), Set(2), Set(3), Set(4), Set(5), Set(6), Set(7), Set(8), Set(9), Set(10)",
    );
  });

  it("diverges at an action that is not enabled, listing at most 10 of those that are", () => {
    expect(replay(at([null, { n: 0, tag: "a" }], ["Reset", { n: 0, tag: "a" }]))).toEqual({
      result: "diverged",
      step: 1,
      action: "Reset",
      reason: "the action is not enabled; enabled: Inc",
      diff: [],
    });
    expect(replay(at([null, { n: 5, tag: "z" }], ["Inc", { n: 6, tag: "z" }]))).toMatchObject({
      reason:
        "the action is not enabled; enabled: Jump(10), Jump(11), Jump(12), Jump(13), Jump(14), Jump(15), Jump(16), Jump(17), Jump(18), Jump(19), … 2 more",
    });
    // A step with no action after the first is not a step of the spec.
    expect(replay(at([null, { n: 0, tag: "a" }], [null, { n: 1, tag: "a" }]))).toMatchObject({
      step: 1,
      action: null,
      reason: "the action is not enabled; enabled: Inc",
    });
  });

  it("says none is enabled after a state with no successor and no end property", () => {
    const stuck = defineSpec({
      name: "stuck",
      description: "one state",
      init: () => [{ n: 0, tag: "a" }],
      actions: {},
      properties: {},
    });
    expect(
      replayTrace(stuck.instantiate(), { trace: at([null, { n: 0, tag: "a" }], ["Inc", { n: 1, tag: "a" }]) }),
    ).toMatchObject({
      reason: "the action is not enabled; enabled: (none)",
    });
  });

  it("diverges where the saved state is not the one the action leads to, and past the spec's constraint", () => {
    expect(replay(at([null, { n: 0, tag: "a" }], ["Inc", { n: 2, tag: "b" }]))).toEqual({
      result: "diverged",
      step: 1,
      action: "Inc",
      reason: "the saved state is not the one the action leads to (spec → saved)",
      diff: ["n: 1 → 2", 'tag: "a" → "b"'],
    });
    const bounded = defineSpec({
      name: "bounded",
      description: "counts, explored up to 1",
      init: () => [{ n: 0 }],
      actions: { Inc: (s: { n: number }) => ({ n: s.n + 1 }) },
      constraint: (s: { n: number }) => s.n <= 1,
      properties: {},
    });
    const steps: Trace = [0, 1, 2, 3].map((n) => ({ action: n === 0 ? null : "Inc", state: { n } }));
    expect(replayTrace(bounded.instantiate(), { trace: steps })).toEqual({
      result: "diverged",
      step: 3,
      action: "Inc",
      reason: "step 2 is outside the spec's constraint, so the checker never expands it",
      diff: [],
    });
    expect(replayTrace(bounded.instantiate(), { trace: steps.slice(0, 3) })).toEqual({ result: "ok", steps: 2 });
  });

  it("compares a saved state with the spec's declared sets as sets", () => {
    type Bag = { readonly s: readonly number[]; readonly t: number };
    const bag = defineSpec({
      name: "bag",
      description: "two initial sets",
      sets: ["s"],
      init: (): Bag[] => [
        { s: [1, 2], t: 0 },
        { s: [3], t: 1 },
      ],
      actions: {},
      properties: {},
    });
    // As sets, {2, 1} with t = 1 is closest to the first (t differs); as arrays, to the second.
    const out = replayTrace(bag.instantiate(), { trace: [{ action: null, state: { s: [2, 1], t: 1 } }], sets: ["s"] });
    expect(out.result === "diverged" && out.diff).toEqual(["t: 0 → 1"]);
  });
});

describe("replayTrace: properties", () => {
  it("reproduces an invariant broken by the initial state, an action property, a final property and a deadlock", () => {
    expect(replay(at([null, { n: 5, tag: "z" }], ["Jump(20)", { n: 20, tag: "z" }]))).toEqual({
      result: "violation",
      property: "small",
      kind: "invariant",
      step: 1,
    });
    expect(replay(at([null, { n: 5, tag: "z" }], ["Jump(19)", { n: 19, tag: "z" }]))).toEqual({
      result: "violation",
      property: "noBigJump",
      kind: "action",
      step: 1,
    });
    // n = 9 has no successor: endsLow fails there, at the end of the trace or before a step that follows it.
    const toNine = at([null, { n: 5, tag: "z" }], ["Jump(9)", { n: 9, tag: "z" }]);
    expect(replay(toNine)).toEqual({ result: "violation", property: "endsLow", kind: "final", step: 1 });
    expect(replay([...toNine, { action: "Inc", state: { n: 10, tag: "z" } }])).toEqual({
      result: "violation",
      property: "endsLow",
      kind: "final",
      step: 1,
    });
    const halts = defineSpec({
      name: "halts",
      description: "stops at 1",
      init: () => [{ n: 0 }, { n: 7 }],
      actions: { Inc: (s: { n: number }) => (s.n === 0 ? { n: 1 } : undefined) },
      properties: { notSeven: invariant((s: { n: number }) => s.n !== 7) },
      deadlock: true,
    });
    const model = halts.instantiate();
    expect(replayTrace(model, { trace: [{ action: null, state: { n: 7 } }] })).toEqual({
      result: "violation",
      property: "notSeven",
      kind: "invariant",
      step: 0,
    });
    expect(
      replayTrace(model, {
        trace: [
          { action: null, state: { n: 0 } },
          { action: "Inc", state: { n: 1 } },
        ],
      }),
    ).toEqual({ result: "violation", property: "deadlockFree", kind: "final", step: 1 });
  });

  it("reports a reducer that throws as noReducerThrows, and other faults of the spec's code as errors, at their step", () => {
    type N = { readonly n: number };
    const faulty = defineSpec({
      name: "faulty",
      description: "throws at 2, returns null at 12",
      init: () => [{ n: 0 }, { n: 10 }],
      actions: {
        Inc: (s: N) => {
          if (s.n === 2) throw new Error("two");
          return s.n === 12 ? (null as unknown as N) : { n: s.n + 1 };
        },
      },
      properties: { checked: invariant((s: N) => (s.n === 30 ? (undefined as unknown as boolean) : true)) },
    });
    const model = faulty.instantiate();
    const counting = (from: number, to: number): Trace =>
      Array.from({ length: to - from + 1 }, (_, k) => ({ action: k === 0 ? null : "Inc", state: { n: from + k } }));
    expect(replayTrace(model, { trace: counting(0, 2) })).toEqual({
      result: "violation",
      property: "noReducerThrows",
      kind: "invariant",
      step: 2,
    });
    expect(replayTrace(model, { trace: counting(10, 13) })).toEqual({
      result: "error",
      step: 2,
      message: "action Inc returned null; return undefined when the action is not enabled",
    });
    const throwsAtInit = defineSpec({
      name: "throws-at-init",
      description: "a property that throws",
      init: () => [{ n: 0 }],
      actions: {},
      properties: {
        picky: invariant((): boolean => {
          throw new Error("no");
        }),
      },
    });
    expect(replayTrace(throwsAtInit.instantiate(), { trace: counting(0, 0) })).toMatchObject({
      result: "error",
      step: 0,
    });
  });

  it("lets an error that is not the spec's fault through", () => {
    const broken: Model<Dial> = {
      ...dial.instantiate(),
      successors: () => {
        throw new Error("internal");
      },
    };
    expect(() => replayTrace(broken, { trace: at([null, { n: 0, tag: "a" }], ["Inc", { n: 1, tag: "a" }]) })).toThrow(
      /^internal$/,
    );
  });
});

type Light = { readonly on: boolean; readonly k: number };
/**
 * Toggle flips the light; Bump raises k to 1; Stay loops in place. Each liveness property fails on a different lasso.
 */
function lights(fairness?: { weak?: string[]; strong?: string[] }) {
  return defineSpec({
    name: "lights",
    description: "a light for lassos",
    init: () => [{ on: false, k: 0 }],
    actions: {
      Toggle: (s: Light) => ({ ...s, on: !s.on }),
      Bump: (s: Light) => (s.k === 0 && !s.on ? { ...s, k: 1 } : undefined),
      Stay: (s: Light) => (s.k === 1 ? s : undefined),
    },
    properties: {
      lit: eventually((s: Light) => s.on),
      bumped: alwaysEventually((s: Light) => s.k === 1),
      answered: leadsTo(
        (s: Light) => s.on,
        (s: Light) => s.k === 1,
      ),
    },
    ...(fairness === undefined ? {} : { fairness }),
  }).instantiate();
}
const OFF: Light = { on: false, k: 0 };
const ON: Light = { on: true, k: 0 };
const BUMPED: Light = { on: false, k: 1 };
const flicker = [
  { action: null, state: OFF },
  { action: "Toggle", state: ON },
  { action: "Toggle", state: OFF },
];

describe("replayTrace: lassos", () => {
  it("checks that loopStart is a step of the trace and that the loop closes", () => {
    for (const loopStart of [-1, 1.5, 3])
      expect(replayTrace(lights(), { trace: flicker, loopStart })).toEqual({
        result: "diverged",
        step: 2,
        action: null,
        reason: `loopStart ${loopStart} is not a step of the trace (0 to 2)`,
        diff: [],
      });
    expect(replayTrace(lights(), { trace: flicker, loopStart: 1 })).toEqual({
      result: "diverged",
      step: 2,
      action: "Toggle",
      reason: "the loop does not close: the last state is not the state at loopStart (step 1)",
      diff: ["on: true → false"],
    });
  });

  it("finds the liveness property the lasso breaks, the recorded one first", () => {
    // off → on → off forever: never bumped (alwaysEventually) and `on` never answered (leadsTo); lit holds.
    expect(replayTrace(lights(), { trace: flicker, loopStart: 0 })).toEqual({
      result: "violation",
      property: "bumped",
      kind: "alwaysEventually",
      step: 0,
    });
    expect(replayTrace(lights(), { trace: flicker, loopStart: 0, property: "answered" })).toEqual({
      result: "violation",
      property: "answered",
      kind: "leadsTo",
      step: 0,
    });
    // off forever: never lit.
    expect(replayTrace(lights(), { trace: [{ action: null, state: OFF }], loopStart: 0 })).toMatchObject({
      property: "lit",
      kind: "eventually",
    });
    // on, then bumped forever: every property holds on this lasso (answered: on at step 1 is followed by k = 1).
    const answered = [
      { action: null, state: OFF },
      { action: "Toggle", state: ON },
      { action: "Toggle", state: OFF },
      { action: "Bump", state: BUMPED },
      { action: "Stay", state: BUMPED },
    ];
    expect(replayTrace(lights(), { trace: answered, loopStart: 3 })).toEqual({ result: "ok", steps: 4 });
    // Lit once, then off forever, never answered: leadsTo's trigger before the loop counts.
    const unanswered = [
      { action: null, state: OFF },
      { action: "Toggle", state: ON },
      { action: "Toggle", state: OFF },
      { action: "Toggle", state: ON },
      { action: "Toggle", state: OFF },
    ];
    expect(replayTrace(lights(), { trace: unanswered, loopStart: 2, property: "answered" })).toMatchObject({
      property: "answered",
      step: 2,
    });
  });

  it("reports a safety violation on the way to the loop before judging the loop", () => {
    const dark = defineSpec({
      name: "dark",
      description: "never lit",
      init: () => [OFF],
      actions: { Toggle: (s: Light) => ({ ...s, on: !s.on }) },
      properties: { dark: invariant((s: Light) => !s.on), lit: eventually((s: Light) => s.on) },
    }).instantiate();
    expect(replayTrace(dark, { trace: flicker, loopStart: 0 })).toEqual({
      result: "violation",
      property: "dark",
      kind: "invariant",
      step: 1,
    });
  });

  it("judges alwaysEventually on the loop only, and counts a step as taken only inside the loop", () => {
    const blinks = defineSpec({
      name: "blinks",
      description: "lit before the loop only",
      init: () => [OFF],
      actions: {
        Toggle: (s: Light) => (s.k === 0 ? { ...s, on: !s.on } : undefined),
        Bump: (s: Light) => (s.k === 0 && !s.on ? { ...s, k: 1 } : undefined),
        Stay: (s: Light) => (s.k === 1 ? s : undefined),
        Wait: (s: Light) => (s.k === 1 ? s : undefined),
      },
      properties: { blinking: alwaysEventually((s: Light) => s.on) },
      fairness: { weak: ["Wait"] },
    }).instantiate();
    // off → on → off → bumped, then Stay forever: lit before the loop, never in it.
    const stays = [
      { action: null, state: OFF },
      { action: "Toggle", state: ON },
      { action: "Toggle", state: OFF },
      { action: "Bump", state: BUMPED },
      { action: "Stay", state: BUMPED },
    ];
    expect(replayTrace(blinks, { trace: stays, loopStart: 3 })).toEqual({
      result: "diverged",
      step: 3,
      action: null,
      reason:
        'the loop is not a fair behaviour: "Wait" is weakly fair, enabled throughout the loop and never taken in it',
      diff: [],
    });
    const waits = [...stays.slice(0, 4), { action: "Wait", state: BUMPED }];
    expect(replayTrace(blinks, { trace: waits, loopStart: 3 })).toEqual({
      result: "violation",
      property: "blinking",
      kind: "alwaysEventually",
      step: 3,
    });
    // Lit in the loop (off → on → off): blinking holds, and Wait is not enabled there.
    expect(replayTrace(blinks, { trace: flicker, loopStart: 0 })).toEqual({ result: "ok", steps: 2 });
    // Wait taken before the loop (at step 4), not in it (Stay from step 4 on): the loop is still unfair.
    const waitedBefore = [...waits, { action: "Stay", state: BUMPED }];
    expect(replayTrace(blinks, { trace: waitedBefore, loopStart: 4 })).toMatchObject({
      result: "diverged",
      reason:
        'the loop is not a fair behaviour: "Wait" is weakly fair, enabled throughout the loop and never taken in it',
    });
  });

  it("counts a fair step as taken when the trace prints its label with the keys in another order", () => {
    const put = defineSpec({
      name: "put",
      description: "puts the same value forever",
      init: () => [{ n: 0 }],
      actions: {
        Put: choose(
          () => [{ b: 1, a: 2 }],
          (s: { n: number }) => s,
        ),
      },
      properties: { one: eventually((s: { n: number }) => s.n === 1) },
      fairness: { weak: ["Put"] },
    }).instantiate();
    const trace = [
      { action: null, state: { n: 0 } },
      { action: 'Put({"a":2,"b":1})', state: { n: 0 } },
    ];
    expect(replayTrace(put, { trace, loopStart: 0 })).toEqual({
      result: "violation",
      property: "one",
      kind: "eventually",
      step: 0,
    });
  });

  it("refuses an unfair loop: a weakly fair step enabled throughout it, a strongly fair one enabled in it, never taken", () => {
    // Off forever by stuttering is no step of the spec; Stay loops at k = 1 with Toggle always enabled.
    const stays = [
      { action: null, state: OFF },
      { action: "Bump", state: BUMPED },
      { action: "Stay", state: BUMPED },
    ];
    expect(replayTrace(lights({ weak: ["Toggle"] }), { trace: stays, loopStart: 1 })).toEqual({
      result: "diverged",
      step: 1,
      action: null,
      reason:
        'the loop is not a fair behaviour: "Toggle" is weakly fair, enabled throughout the loop and never taken in it',
      diff: [],
    });
    expect(replayTrace(lights({ weak: ["Stay"] }), { trace: stays, loopStart: 1 })).toEqual({
      result: "violation",
      property: "lit",
      kind: "eventually",
      step: 1,
    });
    // off → on → off: Bump is enabled at off only (half the loop): weak fairness allows neglecting it, strong does not.
    expect(replayTrace(lights({ weak: ["Bump"] }), { trace: flicker, loopStart: 0 })).toMatchObject({
      result: "violation",
    });
    expect(replayTrace(lights({ strong: ["Bump"] }), { trace: flicker, loopStart: 0 })).toMatchObject({
      result: "diverged",
      step: 0,
      reason: 'the loop is not a fair behaviour: "Bump" is strongly fair, enabled in the loop and never taken in it',
    });
    expect(replayTrace(lights({ strong: ["Toggle"] }), { trace: flicker, loopStart: 0 })).toMatchObject({
      result: "violation",
    });
  });
});

describe("canonicalLabel", () => {
  it("sorts the entries of each object, keeping strings whole, escaped quotes and braces included", () => {
    expect(canonicalLabel('Put{b:"x\\"},a",a:1}')).toBe('Put{a:1,b:"x\\"},a"}');
    expect(canonicalLabel('Send{to:[{"y":1,"x":2}],from:"n1"} n1→n2')).toBe('Send{from:"n1",to:[{"x":2,"y":1}]} n1→n2');
    // A quote left open runs to the end of the label.
    expect(canonicalLabel('Put{a:"x')).toBe('Put{a:"x}');
  });
});

describe("formatReplay", () => {
  const model = dial.instantiate({ params: { top: 4 } });
  const read = (extra: Omit<ReadTrace, "trace"> = {}, steps = 2): ReadTrace => ({
    ...extra,
    trace: Array.from({ length: steps + 1 }, () => ({ action: null, state: {} })),
  });
  const text = (r: ReadTrace, outcome: ReplayOutcome) => formatReplay(model, r, outcome);

  it("words a violation, naming the property the trace recorded when another one is reproduced", () => {
    const v = { result: "violation", property: "small", kind: "invariant", step: 2 } as const;
    expect(text(read(), v)).toBe(
      'VIOLATION: dial (top=4, step=1): replaying 2 steps reproduces invariant "small", violated at step 2',
    );
    expect(text(read({ property: "small" }, 1), v)).toBe(
      'VIOLATION: dial (top=4, step=1): replaying 1 step reproduces invariant "small", violated at step 2',
    );
    expect(text(read({ property: "endsLow" }), v)).toBe(
      'VIOLATION: dial (top=4, step=1): replaying 2 steps reproduces invariant "small", violated at step 2 (the trace recorded "endsLow")',
    );
  });

  it("words a lasso by where it loops back, and a safety violation found on a lasso as a safety one", () => {
    const lit = { result: "violation", property: "lit", kind: "eventually", step: 0 } as const;
    expect(text(read({ loopStart: 0 }), lit)).toBe(
      'VIOLATION: dial (top=4, step=1): replaying the lasso (2 steps; it loops back from step 2 to step 0, fairly) reproduces eventually "lit"',
    );
    expect(text(read({ loopStart: 1 }, 1), lit)).toBe(
      'VIOLATION: dial (top=4, step=1): replaying the lasso (1 step; it stays at step 1 forever, fairly) reproduces eventually "lit"',
    );
    expect(text(read(), lit)).toBe(
      'VIOLATION: dial (top=4, step=1): replaying 2 steps reproduces eventually "lit", violated at step 0',
    );
    expect(text(read({ loopStart: 0 }), { ...lit, property: "small", kind: "invariant" })).toBe(
      'VIOLATION: dial (top=4, step=1): replaying 2 steps reproduces invariant "small", violated at step 0',
    );
  });

  it("words a divergence with its action and diff, an error, and a replay that breaks nothing", () => {
    expect(
      text(read(), { result: "diverged", step: 1, action: "Inc", reason: "because", diff: ["n: 1 → 2", "m: 0 → 1"] }),
    ).toBe(
      "DIVERGED: dial (top=4, step=1): step 1 (Inc) of the trace is not a step of the spec: because\n    n: 1 → 2\n    m: 0 → 1",
    );
    expect(text(read(), { result: "diverged", step: 0, action: null, reason: "because", diff: [] })).toBe(
      "DIVERGED: dial (top=4, step=1): step 0 of the trace is not a step of the spec: because",
    );
    expect(text(read(), { result: "error", step: 3, message: "action Inc threw: x" })).toBe(
      "ERROR: dial (top=4, step=1): at step 3: action Inc threw: x",
    );
    expect(text(read({}, 1), { result: "ok", steps: 1 })).toBe(
      "OK: dial (top=4, step=1): replayed 1 step, no property is violated",
    );
    expect(text(read({ property: "small" }), { result: "ok", steps: 2 })).toBe(
      'OK: dial (top=4, step=1): replayed 2 steps, no property is violated; the trace recorded "small", which the spec does not violate',
    );
    const variant = defineSpec({
      name: "plain",
      description: "no params",
      init: () => [{}],
      actions: {},
      properties: {},
      variants: { other: { description: "the same" } },
    }).instantiate({ variant: "other" });
    expect(formatReplay(variant, read(), { result: "ok", steps: 2 })).toBe(
      "OK: plain --variant other: replayed 2 steps, no property is violated",
    );
  });
});

describe("interleave replay on a user's spec file", () => {
  const folder = tempFolder("interleave-replay-trace-");
  const spec = folder.file(
    "tally.ts",
    `import { defineSpec, int, invariant } from ${JSON.stringify(join(import.meta.dirname, "../../src/index.ts"))};
type S = { readonly items: readonly number[] };
export default defineSpec({
  name: "tally", description: "adds items", sets: ["items"],
  params: { most: int(2), unused: int(0) },
  init: () => [{ items: [] } as S],
  actions: { Add: (s: S) => ({ items: [s.items.length, ...s.items] }) },
  properties: { few: invariant((s: S, p) => s.items.length <= p.most) },
  variants: { roomy: { description: "the same reducers" } },
});
`,
  );
  const steps = [
    { action: null, state: { items: [] } },
    { action: "Add", state: { items: [0] } },
    { action: "Add", state: { items: [1, 0] } },
  ];
  /** A trace file of the tests' folder, from its JSON document. */
  const write = (name: string, doc: unknown) => folder.file(name, JSON.stringify(doc));

  it("asks for --spec when the trace names none, and takes the trace's params over the spec's, the options' over both", async () => {
    const bare = write("bare.json", { steps });
    expect(await cli("replay", bare)).toEqual({
      code: 2,
      stdout: "",
      stderr: "interleave: the trace does not say which spec it comes from; pass --spec <name | ./spec.ts>\n",
    });
    expect(await cli("replay", bare, "--spec", spec)).toEqual({
      code: 0,
      stdout: "OK: tally (most=2, unused=0): replayed 2 steps, no property is violated\n",
      stderr: "",
    });
    const tight = write("tight.json", { spec, variant: "roomy", params: { most: 1 }, property: "few", steps });
    expect((await cli("replay", tight)).stdout).toBe(
      'VIOLATION: tally --variant roomy (most=1, unused=0): replaying 2 steps reproduces invariant "few", violated at step 2\n',
    );
    expect((await cli("replay", tight, "--param", "most=2", "--param", "unused=4")).stdout).toBe(
      'OK: tally --variant roomy (most=2, unused=4): replayed 2 steps, no property is violated; the trace recorded "few", which the spec does not violate\n',
    );
  });

  it("diffs with the spec's sets when the trace declares none", async () => {
    const edited = write("edited.json", {
      spec,
      steps: [...steps.slice(0, 2), { action: "Add", state: { items: [2, 0] } }],
    });
    expect((await cli("replay", edited)).stdout).toBe(
      "DIVERGED: tally (most=2, unused=0): step 2 (Add) of the trace is not a step of the spec: the saved state is not the one the action leads to (spec → saved)\n    items: - 1\n    items: + 2\n",
    );
    writeFileSync(
      edited,
      JSON.stringify({ spec, sets: [], steps: [...steps.slice(0, 2), { action: "Add", state: { items: [2, 0] } }] }),
    );
    expect((await cli("replay", edited)).stdout.split("\n")[1]).toBe("    items[0]: 1 → 2");
  });
});
