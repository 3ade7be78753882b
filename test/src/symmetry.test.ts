import { describe, expect, it } from "vitest";
import {
  asymmetric,
  deepEqual,
  defineProtocol,
  defineRole,
  become,
  invariant,
  OptionError,
  type Model,
  type ProtocolState,
  type Trace,
} from "../../src/index.js";
import { canonicalFingerprint } from "../../src/symmetry.js";
import { checkSpec } from "../../checker/index.js";
import { fingerprintDigest } from "../support/fingerprint-digest.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";

/** Replays a trace on a model by action labels: every step must be a successor of the previous state. */
function replays(model: Model<ProtocolState>, trace: Trace): boolean {
  const init = model.initStates().find((s) => deepEqual(s, trace[0]!.state));
  if (!init) return false;
  let state = init;
  for (const step of trace.slice(1)) {
    let next: ProtocolState | undefined;
    model.successors(
      state,
      { hi: 0, lo: 0 },
      {
        labels: true,
        push(s, _fp, label) {
          if (label === step.action && deepEqual(s, step.state)) next = s;
        },
      },
    );
    if (!next) return false;
    state = next;
  }
  return true;
}

describe("symmetry reduction", () => {
  // TLC with SYMMETRY Permutations(RM) on TwoPhase (anchors/README.md).
  it.each([
    [3, 80, 318],
    [5, 314, 2048],
    [7, 920, 8410],
  ])("two-phase-commit rms=%i: %i orbits, %i generated, as TLC", (rms, orbits, generated) => {
    const r = checkSpec(twoPhaseCommit, { params: { rms }, symmetry: true });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", orbits, generated]);
  });

  it("still catches every broken variant of a safety property, with traces that replay without symmetry", () => {
    // Liveness is not checked with symmetry (see test/specs/two-phase-commit.test.ts).
    const safety = new Set(twoPhaseCommit.properties.filter((p) => p.kind === "invariant").map((p) => p.name));
    for (const variant of twoPhaseCommit.variants.filter((v) => v.violates && safety.has(v.violates))) {
      const plain = checkSpec(twoPhaseCommit, { variant: variant.name });
      const reduced = checkSpec(twoPhaseCommit, { variant: variant.name, symmetry: true });
      expect([reduced.result, reduced.property]).toEqual(["violation", variant.violates]);
      expect(reduced.trace?.length).toBe(plain.trace?.length);
      expect(replays(twoPhaseCommit.instantiate({ variant: variant.name }), reduced.trace!)).toBe(true);
    }
  });

  it("is refused for properties that name particular nodes, and for specs without symmetric roles", () => {
    const role = defineRole<{ on: boolean }, { type: "Flip" }>({
      init: () => ({ on: false }),
      choices: () => [{ type: "Flip" }],
      reduce: (s) => become({ on: !s.on }),
    });
    const spec = defineProtocol({
      name: "flips",
      description: "",
      network: "unordered",
      nodes: () => ({ n: ["n1", "n2"] }),
      roles: { n: role },
      symmetry: ["n"],
      properties: { n1StaysOff: asymmetric(invariant((s: ProtocolState<{ on: boolean }>) => !s.nodes["n1"]!.on)) },
    });
    expect(() => spec.instantiate({ symmetry: true })).toThrow(
      new OptionError(
        'spec "flips": symmetry reduction would be unsound for "n1StaysOff", which names particular nodes',
      ),
    );
    const plain = defineProtocol({
      name: "plain",
      description: "",
      network: "unordered",
      nodes: () => ({ n: ["n1", "n2"] }),
      roles: { n: role },
      properties: {},
    });
    expect(() => plain.instantiate({ symmetry: true })).toThrow(OptionError);
    const symmetric = defineProtocol({
      name: "sym",
      description: "",
      network: "unordered",
      nodes: () => ({ n: ["n1", "n2"] }),
      roles: { n: role },
      symmetry: ["n"],
      properties: {},
    });
    // Four states (off/on for each node); up to renaming: both off, one on, both on.
    expect(checkSpec(symmetric).distinctStates).toBe(4);
    expect(checkSpec(symmetric, { symmetry: true }).distinctStates).toBe(3);
  });
});

describe("canonicalFingerprint", () => {
  const ids = ["n1", "n2", "n3"] as const;
  /** A state where each node points at another: nodes tie by signature, yet renaming changes the state. */
  function pointing(next: Readonly<Record<string, string>>, extra: Partial<ProtocolState> = {}): ProtocolState {
    return {
      nodes: Object.fromEntries(ids.map((id) => [id, { next: next[id]!, seen: [id, next[id]!].sort() }])),
      network: [],
      timers: [],
      down: [],
      faults: { lost: 0, duplicated: 0, crashed: 0 },
      history: [],
      ...extra,
    };
  }
  const canonical = (s: ProtocolState, symmetric: readonly (readonly string[])[] = [ids]) => {
    const out = { hi: 0, lo: 0 };
    canonicalFingerprint(s, symmetric, out);
    return out;
  };
  const cycle = pointing({ n1: "n2", n2: "n3", n3: "n1" });
  const reversed = pointing({ n1: "n3", n3: "n2", n2: "n1" });
  const pairAndLoop = pointing({ n1: "n2", n2: "n1", n3: "n3" });

  it("is the same for every renaming of the symmetric ids, and tells non-isomorphic states apart", () => {
    expect(canonical(reversed)).toEqual(canonical(cycle));
    expect(canonical(pairAndLoop)).not.toEqual(canonical(cycle));
    expect(canonical(pointing({ n3: "n1", n1: "n3", n2: "n2" }))).toEqual(canonical(pairAndLoop));
    expect(canonical(pointing({ n1: "n1", n2: "n2", n3: "n3" }))).toEqual(
      canonical(pointing({ n1: "n1", n2: "n2", n3: "n3" }), [["n1", "n2", "n3"]]),
    );
    // Without symmetry the two cycles differ.
    expect(canonical(reversed, [])).not.toEqual(canonical(cycle, []));
    expect(canonical(reversed, [["n1"], ["n2"], ["n3"]])).not.toEqual(canonical(cycle, [["n1"], ["n2"], ["n3"]]));
  });

  it("renames ids in the network, timers and crashed nodes too, as multisets", () => {
    const send = (from: string, to: string) => ({ from, to, msg: { type: "Ping", to } });
    const a = pointing(
      { n1: "n2", n2: "n3", n3: "n1" },
      { network: [send("n1", "n2"), send("n2", "n3")], down: ["n3"] },
    );
    const b = pointing(
      { n1: "n3", n3: "n2", n2: "n1" },
      { network: [send("n3", "n1"), send("n1", "n2")], down: ["n2"] },
    );
    const c = pointing(
      { n1: "n3", n3: "n2", n2: "n1" },
      { network: [send("n1", "n3"), send("n3", "n2")], down: ["n2"] },
    );
    // c is a with n2 and n3 swapped; b sends against its cycle.
    expect(canonical(c)).toEqual(canonical(a));
    expect(canonical(b)).not.toEqual(canonical(a));
    const t1 = pointing({ n1: "n2", n2: "n1", n3: "n3" }, { timers: [{ node: "n3", timer: { type: "T" } }] });
    const t2 = pointing({ n1: "n2", n2: "n1", n3: "n3" }, { timers: [{ node: "n1", timer: { type: "T" } }] });
    expect(canonical(t1)).not.toEqual(canonical(t2));
    expect(canonical({ ...t1, faults: { lost: 1, duplicated: 0, crashed: 0 } })).not.toEqual(canonical(t1));
    expect(canonical({ ...t1, history: [{ type: "invoke", process: "n1", f: "read", value: null }] })).not.toEqual(
      canonical(t1),
    );
  });

  // Pinned: a change to the canonical hashing shows here even where orbit counts do not move.
  it("gives each state the fingerprint it had", () => {
    const states = [
      cycle,
      pairAndLoop,
      pointing({ n1: "n1", n2: "n2", n3: "n3" }),
      pointing({ n1: "n2", n2: "n3", n3: "n1" }, { down: ["n2"], timers: [{ node: "n1", timer: { type: "T" } }] }),
      { ...cycle, nodes: { ...cycle.nodes, n1: { next: "n2", seen: ["n2", "n1"], log: [3, 1, 2], skip: undefined } } },
    ];
    expect(states.map((s) => canonical(s)).map((f) => [f.hi >>> 0, f.lo >>> 0])).toEqual([
      [308925991, 2578986111],
      [1527665909, 2247054608],
      [4017793571, 4184485112],
      [3459748739, 2156304580],
      [3113808408, 1907595153],
    ]);
    expect(fingerprintDigest(twoPhaseCommit.instantiate({ params: { rms: 4 }, symmetry: true }))).toEqual({
      states: 166,
      hi: 130341985,
      lo: 1294829498,
    });
  });
});
