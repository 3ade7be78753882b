import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fromItf,
  readTrace,
  sequenceSvg,
  toHtml,
  toItf,
  toItfValue,
  toMermaid,
  toTraceJson,
  TraceFormatError,
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

/** A protocol trace (nodes n1, n2, n-3) through the given step labels; states do not change. */
function protocolTrace(actions: readonly string[]): Trace {
  const state = { nodes: { n1: { t: 0 }, n2: { t: 0 }, "n-3": { t: 0 } }, network: [] };
  return [{ action: null, state }, ...actions.map((action) => ({ action, state }))];
}

/** One step of each kind a sequence diagram draws. */
const steps = [
  "n1: timer Election",
  "n2: receive Vote<2> from n1",
  "crash n-3",
  "lose Vote n1→n2",
  "duplicate Ack;x n2→n1,n-3",
  "c1: choose put #1",
  "lose Ping n1→c9",
];

describe("protocol traces as sequence diagrams", () => {
  it("Mermaid: a line per step, each kind its arrow or note, the violation over the nodes involved", () => {
    const mermaid = toMermaid(protocolTrace(steps), {
      spec: "raft",
      property: "agreement",
      involved: ["n-3", "n2", "x"],
    });
    expect(mermaid.split("\n")).toEqual([
      '%% interleave check raft: "agreement" is violated after 7 steps',
      "sequenceDiagram",
      "  participant n1 as n1",
      "  participant n2 as n2",
      "  participant n_3 as n-3",
      "  Note over n1: timer Election",
      "  n1->>n2: Vote#lt;2#gt;",
      "  Note over n_3: crash",
      "  n1--xn2: lose Vote",
      "  n2-->>n1: duplicate Ack#59;x",
      "  Note over n1: c1: choose put #35;1",
      "  n1--xn1: lose Ping",
      "  Note over n2,n_3: agreement violated (n2, n-3)",
      "",
    ]);
  });

  it("Mermaid: without involved nodes the violation is over the nodes the last step touched, else all", () => {
    const last = (actions: string[], involved?: string[]) =>
      toMermaid(protocolTrace(actions), { spec: "raft", property: "p", involved }).split("\n").at(-2);
    expect(last(["n2: receive V from n1"])).toBe("  Note over n1,n2: p violated");
    expect(last(["restart n-3"])).toBe("  Note over n_3: p violated");
    expect(last(["n2: timer T"])).toBe("  Note over n2: p violated");
    expect(last(["tick"])).toBe("  Note over n1,n_3: p violated");
    expect(last(["tick"], ["n1", "n2", "n-3"])).toBe("  Note over n1,n_3: p violated");
    expect(last(["tick"], ["nobody"])).toBe("  Note over n1,n_3: p violated");
    expect(last(["n2: timer T"], ["n1"])).toBe("  Note over n1: p violated (n1)");
    expect(
      toMermaid(protocolTrace(["tick"]), { spec: "raft" })
        .split("\n")
        .at(-2),
    ).toBe("  Note over n1: tick");
  });

  it("Mermaid: a lasso repeats in a loop block, or stays in its last state", () => {
    const t = protocolTrace(["n1: timer A", "n2: timer B", "n1: timer C"]);
    // The title line and the steps, without the participants between them.
    const lasso = (loopStart: number) => {
      const lines = toMermaid(t, { spec: "raft", property: "live", loopStart }).split("\n");
      return [lines[0], ...lines.slice(5)];
    };
    expect(lasso(1)).toEqual([
      '%% interleave check raft: "live" is violated by a lasso of 3 steps (a cycle from step 1, repeated forever)',
      "  Note over n1: timer A",
      "  loop repeats forever",
      "    Note over n2: timer B",
      "    Note over n1: timer C",
      "  end",
      "  Note over n1: live violated",
      "",
    ]);
    expect(lasso(3)).toEqual([
      '%% interleave check raft: "live" is violated by a lasso of 3 steps, then stays there forever',
      "  Note over n1: timer A",
      "  Note over n2: timer B",
      "  Note over n1: timer C",
      "  Note over n1,n2: stays in this state forever",
      "  Note over n1: live violated",
      "",
    ]);
  });

  it("Mermaid: a lasso of a spec that is not a protocol points back to its loop state", () => {
    const lasso = (loopStart: number) => toMermaid(trace, { spec: "mutex", loopStart }).split("\n").slice(-2);
    expect(lasso(0)).toEqual(['  s2 -.->|"repeats forever"| s1', ""]);
    expect(lasso(2)).toEqual(['  s2 -.->|"repeats forever"| s2', ""]);
    expect(toMermaid(trace, { spec: "mutex", variant: "default" }).split("\n")[0]).toBe("%% interleave check mutex");
    expect(toMermaid(trace.slice(0, 2), { spec: "m", property: "p" }).split("\n")[0]).toBe(
      '%% interleave check m: "p" is violated after 1 step',
    );
  });

  it("Mermaid: a label longer than 120 characters is cut", () => {
    const long = `n1: ${"x".repeat(130)}`;
    expect(toMermaid(protocolTrace([long]), { spec: "raft" }).split("\n")[5]).toBe(
      `  Note over n1: ${"x".repeat(119)}…`,
    );
  });
});

describe("protocol traces in SVG and HTML", () => {
  it("sequenceSvg is empty for a spec that is not a protocol", () => {
    expect(sequenceSvg(trace)).toBe("");
    expect(sequenceSvg([])).toBe("");
  });

  it("sequenceSvg: lifelines, an arrow per message (dashed for faults, no head for a loss), notes, the violation", () => {
    expect(sequenceSvg(protocolTrace([...steps, `n2: ${"y".repeat(40)}`]), { violated: "agreement", involved: ["n2"] }))
      .toMatchInlineSnapshot(`
      "<svg class="sequence" width="486" height="330" viewBox="0 0 486 330" font-family="system-ui, sans-serif" font-size="11">
      <defs><marker id="seq-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#345"/></marker></defs>
      <g class="participant"><rect x="46" y="6" width="130" height="24" rx="4" fill="#e8eef7" stroke="#4a6fa5"/>
      <text x="111" y="22" text-anchor="middle" font-weight="600">n1</text>
      <line x1="111" y1="30" x2="111" y2="324" stroke="#9ab" stroke-dasharray="4 3"/></g>
      <g class="participant"><rect x="196" y="6" width="130" height="24" rx="4" fill="#e8eef7" stroke="#4a6fa5"/>
      <text x="261" y="22" text-anchor="middle" font-weight="600">n2</text>
      <line x1="261" y1="30" x2="261" y2="324" stroke="#9ab" stroke-dasharray="4 3"/></g>
      <g class="participant"><rect x="346" y="6" width="130" height="24" rx="4" fill="#e8eef7" stroke="#4a6fa5"/>
      <text x="411" y="22" text-anchor="middle" font-weight="600">n-3</text>
      <line x1="411" y1="30" x2="411" y2="324" stroke="#9ab" stroke-dasharray="4 3"/></g>
      <g data-step="1"><title>1. n1: timer Election</title>
      <text x="4" y="63" fill="#889">1</text>
      <rect x="48" y="50" width="126" height="20" rx="3" fill="#fff8d6" stroke="#c9b458"/>
      <text x="111" y="64" text-anchor="middle">timer Election</text>
      </g>
      <g data-step="2"><title>2. n2: receive Vote&lt;2&gt; from n1</title>
      <text x="4" y="93" fill="#889">2</text>
      <line x1="111" y1="95" x2="261" y2="95" stroke="#345" stroke-width="1.4" marker-end="url(#seq-arrow)"/>
      <text x="186" y="90" text-anchor="middle">Vote&lt;2&gt;</text>
      </g>
      <g data-step="3"><title>3. crash n-3</title>
      <text x="4" y="123" fill="#889">3</text>
      <rect x="348" y="110" width="126" height="20" rx="3" fill="#fde2c4" stroke="#a66a00"/>
      <text x="411" y="124" text-anchor="middle">crash</text>
      </g>
      <g data-step="4"><title>4. lose Vote n1→n2</title>
      <text x="4" y="153" fill="#889">4</text>
      <line x1="111" y1="155" x2="261" y2="155" stroke="#a66a00" stroke-width="1.4" stroke-dasharray="5 3"/>
      <text x="261" y="159" text-anchor="middle" fill="#b00020" font-weight="700">×</text>
      <text x="186" y="150" text-anchor="middle">lose Vote</text>
      </g>
      <g data-step="5"><title>5. duplicate Ack;x n2→n1,n-3</title>
      <text x="4" y="183" fill="#889">5</text>
      <line x1="261" y1="185" x2="111" y2="185" stroke="#a66a00" stroke-width="1.4" stroke-dasharray="5 3" marker-end="url(#seq-arrow)"/>
      <text x="186" y="180" text-anchor="middle">duplicate Ack;x</text>
      </g>
      <g data-step="6"><title>6. c1: choose put #1</title>
      <text x="4" y="213" fill="#889">6</text>
      <rect x="48" y="200" width="426" height="20" rx="3" fill="#fff8d6" stroke="#c9b458"/>
      <text x="261" y="214" text-anchor="middle">c1: choose put #1</text>
      </g>
      <g data-step="7"><title>7. lose Ping n1→c9</title>
      <text x="4" y="243" fill="#889">7</text>
      <rect x="48" y="230" width="126" height="20" rx="3" fill="#fff8d6" stroke="#c9b458"/>
      <text x="111" y="244" text-anchor="middle">lose Ping</text>
      </g>
      <g data-step="8"><title>8. n2: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy</title>
      <text x="4" y="273" fill="#889">8</text>
      <rect x="198" y="260" width="126" height="20" rx="3" fill="#fff8d6" stroke="#c9b458"/>
      <text x="261" y="274" text-anchor="middle">yyyyyyyyyyyyyyyyyy…</text>
      </g>
      <g class="violation"><rect x="198" y="290" width="126" height="20" rx="3" fill="#ffd6d9" stroke="#b00020" stroke-width="1.5"/>
      <text x="261" y="304" text-anchor="middle" fill="#b00020" font-weight="600">agreement violated…</text></g>
      </svg>"
    `);
  });

  it("sequenceSvg: a violation over every node says no names", () => {
    const svg = sequenceSvg(protocolTrace(["tick"]), { violated: "p" }).split("\n");
    expect(svg.slice(-3, -1)).toEqual([
      '<g class="violation"><rect x="48" y="80" width="426" height="20" rx="3" fill="#ffd6d9" stroke="#b00020" stroke-width="1.5"/>',
      '<text x="261" y="94" text-anchor="middle" fill="#b00020" font-weight="600">p violated</text></g>',
    ]);
  });

  it("HTML: a protocol trace gets its diagram beside the table, and a lasso's loop rows are shaded", () => {
    const t = protocolTrace(["n1: timer A", "n2: timer B", "n1: timer C"]);
    const html = toHtml(t, { spec: "raft", property: "live", loopStart: 1 }).split("\n");
    expect(html.find((l) => l.startsWith("<p>"))).toBe(
      "<p>3 steps; a lasso violating <code>live</code>: from state 1 (shaded) the steps repeat forever, the last state being state 1 again. Each step lists only the fields it changed.</p>",
    );
    expect(html.filter((l) => l.startsWith("<tr")).map((l) => l.slice(0, l.indexOf("</td>") + 5))).toEqual([
      "<tr><td>0</td>",
      '<tr class="loop"><td>1</td>',
      '<tr class="loop"><td>2</td>',
      '<tr class="violated"><td>3</td>',
    ]);
    expect(
      html.filter((l) => l.startsWith('<div class="layout"><div class="diagram"><svg class="sequence"')),
    ).toHaveLength(1);
    const stays = toHtml(t, { spec: "raft", property: "live", loopStart: 3 }).split("\n");
    expect(stays.find((l) => l.startsWith("<p>"))).toBe(
      "<p>3 steps; a lasso violating <code>live</code>: the system stays in state 3 forever. Each step lists only the fields it changed.</p>",
    );
    const plain = toHtml(t, { spec: "raft" }).split("\n");
    expect(plain.find((l) => l.startsWith("<p>"))).toBe("<p>3 steps. Each step lists only the fields it changed.</p>");
    expect(plain.find((l) => l.startsWith("<tr><td>1</td>"))).toContain("<td><em>no change</em><details>");
    expect(
      toHtml(trace, { spec: "mutex", property: "p" })
        .split("\n")
        .find((l) => l.startsWith("<p>")),
    ).toBe("<p>2 steps; the last state violates <code>p</code>. Each step lists only the fields it changed.</p>");
    expect(toHtml(trace, { spec: "mutex" })).not.toContain('class="layout"');
  });
});

describe("reading traces back", () => {
  const itf = (states: unknown[], meta: Record<string, unknown> = {}, vars: unknown[] = ["x"]) =>
    JSON.stringify({ "#meta": meta, vars, states });

  it("toTraceJson fills defaults and writes sets and loopStart only when there are any", () => {
    expect(toTraceJson(trace, { spec: "mutex" })).toEqual({
      spec: "mutex",
      variant: "default",
      params: {},
      property: null,
      steps: trace,
    });
    expect(Object.keys(toTraceJson(trace, { spec: "m", sets: [] }))).toEqual([
      "spec",
      "variant",
      "params",
      "property",
      "steps",
    ]);
    expect(
      toTraceJson(trace, { spec: "m", variant: "v", params: { n: 1 }, property: "p", sets: ["held"], loopStart: 0 }),
    ).toEqual({
      spec: "m",
      variant: "v",
      params: { n: 1 },
      property: "p",
      sets: ["held"],
      loopStart: 0,
      steps: trace,
    });
  });

  it("reads each ITF value form, and variants other than None, Some and a Float number as tagged values", () => {
    const read = (x: unknown) => fromItf(itf([{ x }])).trace[0]!.state;
    expect(read({ "#bigint": "-12" })).toEqual({ x: -12 });
    expect(read({ "#tup": [1, "a"] })).toEqual({ x: [1, "a"] });
    expect(read({ "#set": [{ "#bigint": "2" }] })).toEqual({ x: [2] });
    expect(
      read({
        "#map": [
          ["k", 1],
          [{ "#bigint": "3" }, true],
        ],
      }),
    ).toEqual({ x: { k: 1, "3": true } });
    expect(read({ tag: "None", value: { "#tup": [] } })).toEqual({ x: null });
    expect(read({ tag: "Some", value: "s" })).toEqual({ x: "s" });
    expect(read({ tag: "Float", value: "0.5" })).toEqual({ x: 0.5 });
    expect(read({ tag: "Float", value: "NaN" })).toEqual({ x: Number.NaN });
    expect(read({ tag: "Float", value: " " })).toEqual({ x: { tag: "Float", value: " " } });
    expect(read({ tag: "Float", value: "abc" })).toEqual({ x: { tag: "Float", value: "abc" } });
    expect(read({ tag: "Float", value: 1 })).toEqual({ x: { tag: "Float", value: 1 } });
    expect(read({ tag: "Other", value: 1 })).toEqual({ x: { tag: "Other", value: 1 } });
    expect(read({ tag: "T", value: 1, more: 2 })).toEqual({ x: { tag: "T", value: 1, more: 2 } });
    expect(read({ tag: "T" })).toEqual({ x: { tag: "T" } });
    expect(read({ value: 1, other: 2 })).toEqual({ x: { value: 1, other: 2 } });
  });

  it("says what is wrong with a value it cannot read", () => {
    const error = (x: unknown) => () => fromItf(itf([{ x }]));
    expect(error(null)).toThrow(new TraceFormatError("not an ITF value: null"));
    expect(error({ "#bigint": 12 })).toThrow(new TraceFormatError("bad #bigint: 12"));
    expect(error({ "#bigint": "1.5" })).toThrow(new TraceFormatError('bad #bigint: "1.5"'));
    expect(error({ "#bigint": "x12" })).toThrow(new TraceFormatError('bad #bigint: "x12"'));
    expect(error({ "#bigint": "12x" })).toThrow(new TraceFormatError('bad #bigint: "12x"'));
    expect(error({ "#set": 1 })).toThrow(new TraceFormatError("a #set or #tup holds an array, got 1"));
    expect(error({ "#tup": {} })).toThrow(new TraceFormatError("a #set or #tup holds an array, got {}"));
    expect(error({ "#map": {} })).toThrow(new TraceFormatError("a #map holds an array of [key, value] pairs, got {}"));
    expect(error({ "#map": [["k"]] })).toThrow(
      new TraceFormatError('a #map key must be a string or an integer here, got ["k"]'),
    );
    expect(error({ "#map": ["ab"] })).toThrow(
      new TraceFormatError('a #map key must be a string or an integer here, got "ab"'),
    );
    expect(error({ "#map": [[true, 1]] })).toThrow(
      new TraceFormatError("a #map key must be a string or an integer here, got [true,1]"),
    );
    expect(error({ "#unserializable": "f" })).toThrow(
      new TraceFormatError('the trace holds a value its writer could not serialize: "f"'),
    );
  });

  it("says what is wrong with a document", () => {
    expect(() => fromItf("{")).toThrow(/^not JSON: /);
    for (const doc of [[], { vars: [] }, { states: [] }, { vars: {}, states: [] }, { vars: [], states: {} }])
      expect(() => fromItf(doc)).toThrow(
        new TraceFormatError("not an ITF trace: expected an object with `vars` and `states`"),
      );
    expect(() => fromItf(itf([1]))).toThrow(new TraceFormatError("ITF state 0 is not an object"));
    expect(() => fromItf(itf([{ x: 1 }, { y: 1 }]))).toThrow(new TraceFormatError('ITF state 1 has no variable "x"'));
    expect(() => fromItf(itf([{ x: 1 }], {}, [1]))).toThrow(new TraceFormatError("ITF state 0 has no variable 1"));
    expect(() => readTrace("3")).toThrow(
      new TraceFormatError("not a trace: expected ITF (`vars`, `states`), a JSON trace (`steps`) or an array of steps"),
    );
    expect(() => readTrace('{"steps": {}}')).toThrow(TraceFormatError);
    expect(() => readTrace("[1]")).toThrow(new TraceFormatError("step 0 has no `state`"));
    expect(() => readTrace('[{"state": 1}, {"action": "A"}]')).toThrow(new TraceFormatError("step 1 has no `state`"));
    expect(new TraceFormatError("m").name).toBe("TraceFormatError");
  });

  it("keeps only the metadata of the right types, and the first state's action is always null", () => {
    const read = fromItf(
      itf(
        [
          { "#meta": { action: "A" }, x: 1 },
          { "#meta": { action: 3 }, x: 2 },
          { x: 3 },
          { "#meta": { action: "B" }, x: 4 },
        ],
        { spec: 1, variant: "v", params: [], property: 2, sets: ["a", 1], loopStart: 1.5 },
      ),
    );
    expect(read).toEqual({
      variant: "v",
      trace: [
        { action: null, state: { x: 1 } },
        { action: null, state: { x: 2 } },
        { action: null, state: { x: 3 } },
        { action: "B", state: { x: 4 } },
      ],
    });
    const meta = (m: Record<string, unknown>) => {
      const { trace: _t, ...rest } = fromItf(itf([{ x: 1 }], m));
      return rest;
    };
    expect(meta({ spec: "s", params: { n: 1 }, property: null, sets: ["a"], loopStart: 0 })).toEqual({
      spec: "s",
      params: { n: 1 },
      property: null,
      sets: ["a"],
      loopStart: 0,
    });
    expect(meta({ property: "p", loopStart: -1 })).toEqual({ property: "p" });
    expect(meta({ loopStart: "1" })).toEqual({});
    expect(fromItf({ vars: ["x"], states: [{ x: 1 }], "#meta": 5 })).toEqual({
      trace: [{ action: null, state: { x: 1 } }],
    });
    expect(readTrace('[{"state": 1, "action": 5}, {"state": 2, "action": "A"}]')).toEqual({
      trace: [
        { action: null, state: 1 },
        { action: "A", state: 2 },
      ],
    });
  });

  it("describes the run in ITF's metadata: variant, lasso, steps", () => {
    const description = (s: TraceSource, t: Trace = trace) =>
      (toItf(t, s) as { "#meta": { description: string } })["#meta"].description;
    expect(description({ spec: "m" })).toBe("interleave check m");
    expect(description({ spec: "m", variant: "default", property: "p" })).toBe(
      'interleave check m: "p" is violated after 2 steps',
    );
    expect(description({ spec: "m", variant: "v", property: "p", loopStart: 2 })).toBe(
      'interleave check m --variant v: "p" is violated by a lasso of 2 steps, then stays there forever',
    );
    expect(description({ spec: "m", property: "p", loopStart: 0 }, trace.slice(0, 2))).toBe(
      'interleave check m: "p" is violated by a lasso of 1 step (a cycle from step 0, repeated forever)',
    );
    const doc = toItf(trace, { spec: "m", loopStart: 2, sets: [] }) as Record<string, unknown>;
    expect([doc["loop"], Object.keys(doc["#meta"] as object)]).toEqual([
      2,
      ["format", "format-description", "source", "description", "spec", "variant", "params", "property", "loopStart"],
    ]);
    expect((toItf(trace, { spec: "m", loopStart: 0 }) as Record<string, unknown>)["loop"]).toBe(1);
    expect(Object.keys(toItf(trace, { spec: "m" }))).toEqual(["#meta", "vars", "states"]);
  });
});

describe("ITF encoding of one value", () => {
  it("records where keys are fixed, maps where they vary or read as tags", () => {
    expect(toItfValue({ a: 1, b: undefined })).toEqual({ a: { "#bigint": "1" } });
    expect(toItfValue([{ a: 1 }, { a: 2 }])).toEqual([{ a: { "#bigint": "1" } }, { a: { "#bigint": "2" } }]);
    expect(toItfValue([{ a: 1 }, { b: 2 }])).toEqual([
      { "#map": [["a", { "#bigint": "1" }]] },
      { "#map": [["b", { "#bigint": "2" }]] },
    ]);
    expect(toItfValue([{ a: 1 }, { a: 1, b: 2 }])).toEqual([
      { "#map": [["a", { "#bigint": "1" }]] },
      {
        "#map": [
          ["a", { "#bigint": "1" }],
          ["b", { "#bigint": "2" }],
        ],
      },
    ]);
    expect(toItfValue([{ a: 1, b: undefined }, { a: 2 }])).toEqual([
      { a: { "#bigint": "1" } },
      { a: { "#bigint": "2" } },
    ]);
    expect(toItfValue({ tag: "x", value: 1 })).toEqual({
      "#map": [
        ["tag", "x"],
        ["value", { "#bigint": "1" }],
      ],
    });
    expect(toItfValue({ tag: "x", other: 1 })).toEqual({ tag: "x", other: { "#bigint": "1" } });
    expect(toItfValue({ value: "x", other: 1 })).toEqual({ value: "x", other: { "#bigint": "1" } });
    expect(toItfValue({ tag: "x" })).toEqual({ tag: "x" });
    expect(toItfValue({ "#k": 1 })).toEqual({ "#map": [["#k", { "#bigint": "1" }]] });
    expect(toItfValue({ k: [{ a: 1 }, { b: [0.5] }] })).toEqual({
      k: [{ "#map": [["a", { "#bigint": "1" }]] }, { "#map": [["b", [{ tag: "Float", value: "0.5" }]]] }],
    });
  });

  it("a declared set is matched by path, with * for any field", () => {
    expect(toItfValue({ s: [1] }, { sets: ["s"] })).toEqual({ s: { "#set": [{ "#bigint": "1" }] } });
    expect(toItfValue({ s: [1] }, { sets: ["t"] })).toEqual({ s: [{ "#bigint": "1" }] });
    expect(toItfValue({ s: [1] }, { sets: ["s.x"] })).toEqual({ s: [{ "#bigint": "1" }] });
    expect(toItfValue({ n: { a: { s: [1] } } }, { sets: ["n.*.s"] })).toEqual({
      n: { a: { s: { "#set": [{ "#bigint": "1" }] } } },
    });
    expect(toItfValue({ n: { a: { s: [1] } } }, { sets: ["n.b.s"] })).toEqual({
      n: { a: { s: [{ "#bigint": "1" }] } },
    });
    expect(toItfValue({ n: [{ s: [1] }, { t: 1 }] }, { sets: ["n.anything.s"] })).toEqual({
      n: [{ "#map": [["s", { "#set": [{ "#bigint": "1" }] }]] }, { "#map": [["t", { "#bigint": "1" }]] }],
    });
  });

  it("numbers: integers as #bigint, a position with any non-integer (or -0) as Float, null as an Option", () => {
    expect(toItfValue([1, -0])).toEqual([
      { tag: "Float", value: "1" },
      { tag: "Float", value: "-0" },
    ]);
    expect(toItfValue([1, null])).toEqual([
      { tag: "Some", value: { "#bigint": "1" } },
      { tag: "None", value: { "#tup": [] } },
    ]);
    expect(toItfValue(null)).toEqual({ tag: "None", value: { "#tup": [] } });
    expect(toItfValue(2n)).toEqual({ "#bigint": "2" });
    expect(toItfValue([true, "s"])).toEqual([true, "s"]);
    expect(toItfValue(Symbol.for("q") as unknown)).toEqual({ "#unserializable": "Symbol(q)" });
  });

  it("a trace whose states are not records with the same fields is one variable, state", () => {
    const vars = (t: Trace) => (toItf(t, { spec: "m" }) as { vars: string[] }).vars;
    expect(
      vars([
        { action: null, state: { b: 1, a: 2 } },
        { action: "A", state: { a: 3, b: 4 } },
      ]),
    ).toEqual(["b", "a"]);
    expect(
      vars([
        { action: null, state: { a: 1 } },
        { action: "A", state: { b: 1 } },
      ]),
    ).toEqual(["state"]);
    expect(
      vars([
        { action: null, state: { a: 1 } },
        { action: "A", state: { a: 1, b: 1 } },
      ]),
    ).toEqual(["state"]);
    expect(
      vars([
        { action: null, state: { a: 1 } },
        { action: "A", state: 3 },
      ]),
    ).toEqual(["state"]);
    expect(vars([{ action: null, state: { "#a": 1 } }])).toEqual(["state"]);
    expect(vars([{ action: null, state: [1] }])).toEqual(["state"]);
  });
});

describe("step labels a sequence diagram reads whole", () => {
  // Each label has text before or after the part a looser pattern would read as a message, fault or local step.
  const odd = [
    "x n1: receive M from n2",
    "n1: receive M from n2 later",
    "did crash n2",
    "crash n2 twice",
    "x lose M n1→n2",
    "x n2: tick",
  ];

  it("Mermaid: a label that only contains a step's pattern is a note, not that step", () => {
    expect(toMermaid(protocolTrace(odd), { spec: "raft" }).split("\n").slice(5, -1)).toEqual([
      "  Note over n1: x n1: receive M from n2",
      "  Note over n1: receive M from n2 later",
      "  Note over n1: did crash n2",
      "  Note over n1: crash n2 twice",
      "  Note over n1: x lose M n1→n2",
      "  Note over n1: x n2: tick",
    ]);
  });

  it("SVG: the same labels are notes, spanning every node unless they name one", () => {
    const texts = sequenceSvg(protocolTrace(odd))
      .split("\n")
      .filter((l) => l.startsWith('<rect x="48"') || (l.startsWith("<line") && l.includes("stroke-width")));
    expect(texts).toEqual([
      '<rect x="48" y="50" width="426" height="20" rx="3" fill="#fff8d6" stroke="#c9b458"/>',
      '<rect x="48" y="80" width="126" height="20" rx="3" fill="#fff8d6" stroke="#c9b458"/>',
      '<rect x="48" y="110" width="426" height="20" rx="3" fill="#fff8d6" stroke="#c9b458"/>',
      '<rect x="48" y="140" width="426" height="20" rx="3" fill="#fff8d6" stroke="#c9b458"/>',
      '<rect x="48" y="170" width="426" height="20" rx="3" fill="#fff8d6" stroke="#c9b458"/>',
      '<rect x="48" y="200" width="426" height="20" rx="3" fill="#fff8d6" stroke="#c9b458"/>',
    ]);
  });
});
