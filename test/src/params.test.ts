import { describe, expect, it } from "vitest";
import { bool, int, oneOf, parseParamValue, ParamError, resolveParams } from "../../src/index.js";

describe("params", () => {
  const schema = { rms: int(3, { min: 1, max: 12 }), fast: bool(false), mode: oneOf(["a", "b"], "a") };

  it("layers defaults, a variant's bounds and the user's overrides", () => {
    expect(resolveParams(schema, {}, {})).toEqual({ rms: 3, fast: false, mode: "a" });
    expect(resolveParams(schema, { rms: 4 }, { mode: "b", fast: "true" })).toEqual({ rms: 4, fast: true, mode: "b" });
    expect(resolveParams(schema, { rms: 4 }, { rms: "7" })).toEqual({ rms: 7, fast: false, mode: "a" });
  });

  it("rejects unknown names and bad values with the valid choices", () => {
    expect(() => resolveParams(schema, {}, { rm: 1 })).toThrow(
      new ParamError('unknown param "rm"; params: rms, fast, mode'),
    );
    expect(() => parseParamValue("rms", schema.rms, "x")).toThrow('param "rms" must be an integer, got "x"');
    expect(() => parseParamValue("rms", schema.rms, "13")).toThrow('param "rms" must be at most 12, got 13');
    expect(() => parseParamValue("rms", schema.rms, "0")).toThrow('param "rms" must be at least 1, got 0');
    expect(() => parseParamValue("fast", schema.fast, "yes")).toThrow('param "fast" must be true or false, got "yes"');
    expect(() => parseParamValue("mode", schema.mode, "c")).toThrow('param "mode" must be one of a, b; got "c"');
  });
});
