import { describe, expect, it } from "vitest";
import { toHtml, toItf, toItfValue, toMermaid } from "../../src/trace-formats.js";

const trace = [
  { action: null, state: { pc: ["idle", "idle"], lock: null } },
  { action: "Enter(0)", state: { pc: ["critical", "idle"], lock: 0 } },
  { action: "Enter(1)", state: { pc: ["critical", "critical"], lock: 1 } },
];
const source = { spec: "mutex", variant: "no-lock", property: "mutualExclusion" };

describe("trace formats", () => {
  it("ITF: integers as #bigint, null as Quint's None, floats marked unserializable", () => {
    expect(toItfValue({ a: 1, b: null, c: [true, "x"], d: 1.5 })).toEqual({
      a: { "#bigint": "1" },
      b: { tag: "None", value: { "#tup": [] } },
      c: [true, "x"],
      d: { "#unserializable": "1.5" },
    });
    const doc = toItf(trace, source) as { vars: string[]; states: Record<string, unknown>[] };
    expect(doc.vars).toEqual(["pc", "lock"]);
    expect(doc.states[2]).toEqual({ "#meta": { index: 2, action: "Enter(1)" }, pc: ["critical", "critical"], lock: { "#bigint": "1" } });
    // A state that is not a record is one variable, `state`.
    expect((toItf([{ action: null, state: 3 }], { spec: "counter" }) as { vars: string[] }).vars).toEqual(["state"]);
  });

  it("Mermaid: a flowchart of changed fields for a spec that is not a protocol, escaping Mermaid syntax", () => {
    expect(toMermaid(trace, source).split("\n")).toEqual([
      '%% interleave check mutex --variant no-lock: "mutualExclusion" is violated after 2 steps',
      "flowchart TD",
      '  s0["initial state"]',
      '  s1["pc: - #quot;idle#quot;<br/>pc: + #quot;critical#quot;<br/>lock: null → 0"]',
      '  s0 -->|"Enter(0)"| s1',
      '  s2["pc: - #quot;idle#quot;<br/>pc: + #quot;critical#quot;<br/>lock: 0 → 1"]',
      '  s1 -->|"Enter(1)"| s2',
      "  s2:::violated",
      "  classDef violated stroke:#c00,stroke-width:3px",
      "",
    ]);
  });

  it("HTML: escapes what the states hold", () => {
    const html = toHtml([{ action: null, state: { note: "<script>alert(1)</script>" } }], { spec: "x" });
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});
