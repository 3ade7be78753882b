import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fromItf,
  readTrace,
  toHtml,
  toItf,
  toItfValue,
  toMermaid,
  toTraceJson,
  type TraceSource,
} from "../../src/trace-formats.js";
import type { Trace } from "../../src/trace.js";

const trace = [
  { action: null, state: { pc: ["idle", "idle"], lock: null } },
  { action: "Enter(0)", state: { pc: ["critical", "idle"], lock: 0 } },
  { action: "Enter(1)", state: { pc: ["critical", "critical"], lock: 1 } },
];
const source = { spec: "mutex", variant: "no-lock", property: "mutualExclusion" };

function hasNumber(x: unknown): boolean {
  return typeof x === "number" || (typeof x === "object" && x !== null && Object.values(x).some(hasNumber));
}

/** The form of an ITF value: list, a tag (`#set`, `#map`...), or a record with its keys. */
function itfKind(x: unknown): string {
  if (Array.isArray(x)) return "list";
  const keys = Object.keys(x as object).sort();
  return keys[0]?.startsWith("#") ? keys[0] : `record(${keys.join(",")})`;
}

/** Written to a file and read back, as the CLI does. */
const roundTrip = (t: Trace, s: TraceSource) => fromItf(JSON.parse(JSON.stringify(toItf(t, s))));

describe("ITF", () => {
  it("keeps one type per variable: null makes an Option everywhere, integers are #bigint", () => {
    const doc = toItf(trace, source) as {
      "#meta": Record<string, unknown>;
      vars: string[];
      states: Record<string, unknown>[];
    };
    expect(doc.vars).toEqual(["pc", "lock"]);
    expect(doc.states.map((s) => s["lock"])).toEqual([
      { tag: "None", value: { "#tup": [] } },
      { tag: "Some", value: { "#bigint": "0" } },
      { tag: "Some", value: { "#bigint": "1" } },
    ]);
    expect(doc.states[2]).toEqual({
      "#meta": { index: 2, action: "Enter(1)" },
      pc: ["critical", "critical"],
      lock: { tag: "Some", value: { "#bigint": "1" } },
    });
    expect(doc["#meta"]).toEqual({
      format: "ITF",
      "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
      source: "mutex",
      description: 'interleave check mutex --variant no-lock: "mutualExclusion" is violated after 2 steps',
      spec: "mutex",
      variant: "no-lock",
      params: {},
      property: "mutualExclusion",
    });
  });

  it("writes declared sets as #set, objects whose keys change as #map, records where keys are fixed", () => {
    const t = [
      { action: null, state: { votes: ["n1"], terms: { n1: 1 }, cfg: { size: 3 } } },
      { action: "Join(n2)", state: { votes: ["n1", "n2"], terms: { n1: 1, n2: 2 }, cfg: { size: 3 } } },
    ];
    const doc = toItf(t, { spec: "x", sets: ["votes"] }) as {
      "#meta": Record<string, unknown>;
      states: Record<string, unknown>[];
    };
    expect(doc.states[1]).toEqual({
      "#meta": { index: 1, action: "Join(n2)" },
      votes: { "#set": ["n1", "n2"] },
      terms: {
        "#map": [
          ["n1", { "#bigint": "1" }],
          ["n2", { "#bigint": "2" }],
        ],
      },
      cfg: { size: { "#bigint": "3" } },
    });
    expect(doc["#meta"]["sets"]).toEqual(["votes"]);
  });

  it("writes integers exactly, non-integers as a Float variant at every number of their position, and escapes tag-like keys", () => {
    expect(toItfValue(2 ** 60)).toEqual({ "#bigint": "1152921504606846976" });
    expect(toItfValue(1e21)).toEqual({ "#bigint": "1000000000000000000000" });
    expect(toItfValue([1, 0.5, -0])).toEqual([
      { tag: "Float", value: "1" },
      { tag: "Float", value: "0.5" },
      { tag: "Float", value: "-0" },
    ]);
    // A record may not have a field starting with "#", nor be exactly {tag, value} (a variant): such objects are maps.
    expect(toItfValue({ "#set": [1] })).toEqual({ "#map": [["#set", [{ "#bigint": "1" }]]] });
    expect(toItfValue({ tag: "Some", value: "x" })).toEqual({
      "#map": [
        ["tag", "Some"],
        ["value", "x"],
      ],
    });
  });

  it("puts a state that is not a record with fixed fields in one variable, `state`", () => {
    const doc = toItf([{ action: null, state: 3 }], { spec: "counter" }) as {
      "#meta": Record<string, unknown>;
      vars: string[];
    };
    expect([doc.vars, doc["#meta"]["wholeState"]]).toEqual([["state"], true]);
    expect(
      roundTrip(
        [
          { action: null, state: { a: 1 } },
          { action: "B", state: { b: 2 } },
        ],
        { spec: "x" },
      ).trace,
    ).toEqual([
      { action: null, state: { a: 1 } },
      { action: "B", state: { b: 2 } },
    ]);
  });

  it("round-trips arbitrary plain data through fromItf", () => {
    const key = fc.oneof(
      fc.constantFrom("#set", "#map", "#bigint", "#meta", "#", "tag", "value", "state", "a", "b"),
      fc.string({ maxLength: 4 }),
    );
    const scalar = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.string({ maxLength: 5 }),
      fc.integer(),
      fc.constantFrom(2 ** 60, -(2 ** 60), 2 ** 53 + 2, 0.5, -0, 1e-7, Number.MAX_VALUE, Infinity, -Infinity, NaN),
      fc.double(),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        scalar,
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(key, tie("value"), { maxKeys: 3 }),
      ),
    }));
    const set = fc.uniqueArray(fc.string({ maxLength: 3 }), { maxLength: 4 }).map((xs) => [...xs].sort());
    // Whole states of any shape, and records with fixed fields that hold a declared set.
    const anyStates = fc.array(value, { minLength: 1, maxLength: 4 });
    const records = fc.array(fc.record({ data: value, s: set, nodes: fc.dictionary(key, fc.record({ votes: set })) }), {
      minLength: 1,
      maxLength: 4,
    });
    const sets = ["s", "nodes.*.votes"];
    const asTrace = (states: unknown[]): Trace =>
      states.map((state, i) => ({ action: i === 0 ? null : `A${i}`, state }));
    fc.assert(
      fc.property(fc.oneof(anyStates, records), (states) => {
        const t = asTrace(states);
        const doc = toItf(t, { spec: "x", sets }) as { states: Record<string, unknown>[] };
        // No bare JSON number in the states: every integer is a #bigint.
        expect(doc.states.some(({ "#meta": _, ...vars }) => hasNumber(vars))).toBe(false);
        expect(fromItf(JSON.stringify(doc)).trace).toEqual(t);
        // A variable of a fixed type keeps its ITF form in every state.
        if (doc.states.every((st) => "nodes" in st)) {
          for (const v of ["s", "nodes"]) expect(new Set(doc.states.map((st) => itfKind(st[v]))).size, v).toBe(1);
        }
      }),
      { numRuns: 300, seed: 14 },
    );
  });

  it("reads back the metadata replay needs, from ITF and from the JSON trace", () => {
    const meta = { spec: "mutex", variant: "no-lock", params: { n: 2 }, property: "mutualExclusion", sets: ["held"] };
    expect(roundTrip(trace, meta)).toEqual({ ...meta, trace });
    expect(readTrace(JSON.stringify(toTraceJson(trace, meta)))).toEqual({ ...meta, trace });
    expect(readTrace(JSON.stringify(trace))).toEqual({ trace });
    expect(() => readTrace('{"states": []}')).toThrow(
      "not a trace: expected ITF (`vars`, `states`), a JSON trace (`steps`) or an array of steps",
    );
  });
});

describe("Mermaid and HTML", () => {
  it("Mermaid: a flowchart of changed fields (arrays by index) for a spec that is not a protocol, escaping Mermaid syntax", () => {
    expect(toMermaid(trace, source).split("\n")).toEqual([
      '%% interleave check mutex --variant no-lock: "mutualExclusion" is violated after 2 steps',
      "flowchart TD",
      '  s0["initial state"]',
      '  s1["pc[0]: #quot;idle#quot; → #quot;critical#quot;<br/>lock: null → 0"]',
      '  s0 -->|"Enter(0)"| s1',
      '  s2["pc[1]: #quot;idle#quot; → #quot;critical#quot;<br/>lock: 0 → 1"]',
      '  s1 -->|"Enter(1)"| s2',
      "  s2:::violated",
      "  classDef violated stroke:#c00,stroke-width:3px",
      "",
    ]);
  });

  it("Mermaid: declared sets by membership", () => {
    const t = [
      { action: null, state: { held: ["a"] } },
      { action: "Swap", state: { held: ["b"] } },
    ];
    expect(toMermaid(t, { spec: "x", sets: ["held"] }).split("\n")[3]).toBe(
      '  s1["held: - #quot;a#quot;<br/>held: + #quot;b#quot;"]',
    );
  });

  it("HTML: each step lists its changes (maps by key, sets by membership), escaping what the states hold", () => {
    const t = [
      { action: null, state: { nodes: { n1: { term: 1 } }, held: [] as string[], note: "" } },
      { action: "Elect<n1>", state: { nodes: { n1: { term: 2 } }, held: ["n1"], note: "<script>alert(1)</script>" } },
    ];
    const html = toHtml(t, { spec: "x", sets: ["held"] });
    expect(html).not.toContain("<script>");
    const row = html.split("\n").find((l) => l.startsWith("<tr><td>1</td>"));
    expect(row).toBe(
      "<tr><td>1</td><td>Elect&lt;n1&gt;</td><td><ul>" +
        "<li><code>nodes.n1.term: 1 → 2</code></li>" +
        "<li><code>held: + &quot;n1&quot;</code></li>" +
        "<li><code>note: &quot;&quot; → &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;</code></li></ul>" +
        "<details><summary>state</summary><pre>{",
    );
  });
});
