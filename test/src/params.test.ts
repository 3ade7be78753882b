import { describe, expect, it } from "vitest";
import { paramDefProblem } from "../../src/params.js";
import {
  bool,
  defineSpec,
  int,
  numberedIds,
  oneOf,
  paramTypeName,
  parseParamValue,
  ParamError,
  resolveParams,
  SpecDefinitionError,
} from "../../src/index.js";

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

describe("params: each check on its own", () => {
  const schema = { rms: int(3, { min: 1, max: 12 }), fast: bool(false), mode: oneOf(["a", "b"], "a") };

  it("names each type as users see it", () => {
    expect([paramTypeName(schema.rms), paramTypeName(schema.fast), paramTypeName(schema.mode)]).toEqual([
      "int",
      "bool",
      "a|b",
    ]);
  });

  it("parses the four spellings of a bool and integers around spaces and signs", () => {
    expect(["true", "1", "false", "0"].map((t) => parseParamValue("fast", schema.fast, t))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(parseParamValue("rms", schema.rms, " 5 ")).toBe(5);
    expect(parseParamValue("n", int(0), "-4")).toBe(-4);
    expect(parseParamValue("mode", schema.mode, "b")).toBe("b");
    expect(() => parseParamValue("rms", schema.rms, "5x")).toThrow('param "rms" must be an integer, got "5x"');
    expect(() => parseParamValue("rms", schema.rms, "x5")).toThrow('param "rms" must be an integer, got "x5"');
    expect(() => parseParamValue("fast", schema.fast, "True")).toThrow(
      'param "fast" must be true or false, got "True"',
    );
  });

  it("accepts the bounds themselves and rejects integers too large to be exact", () => {
    expect(parseParamValue("rms", schema.rms, "1")).toBe(1);
    expect(parseParamValue("rms", schema.rms, "12")).toBe(12);
    expect(() => parseParamValue("n", int(0), "99999999999999999999")).toThrow(
      new ParamError('param "n" must be an integer, got 100000000000000000000'),
    );
  });

  it("checks values that are not strings against the type", () => {
    expect(resolveParams(schema, { rms: 12, fast: true }, { mode: "b" })).toEqual({ rms: 12, fast: true, mode: "b" });
    expect(() => resolveParams(schema, { rms: true }, {})).toThrow(new ParamError('param "rms" must be an integer'));
    expect(() => resolveParams(schema, { rms: 13 }, {})).toThrow(
      new ParamError('param "rms" must be at most 12, got 13'),
    );
    expect(() => resolveParams(schema, {}, { rms: 0 })).toThrow(
      new ParamError('param "rms" must be at least 1, got 0'),
    );
    expect(() => resolveParams(schema, {}, { rms: 2.5 })).toThrow(
      new ParamError('param "rms" must be an integer, got 2.5'),
    );
    expect(() => resolveParams(schema, {}, { fast: 1 })).toThrow(new ParamError('param "fast" must be true or false'));
    expect(() => resolveParams(schema, {}, { mode: 1 })).toThrow(
      new ParamError('param "mode" must be one of a, b; got "1"'),
    );
    expect(() => resolveParams(schema, {}, { mode: "c" })).toThrow(
      new ParamError('param "mode" must be one of a, b; got "c"'),
    );
  });

  it("lets the user's value win over the variant's and names no params when there are none", () => {
    expect(resolveParams(schema, { mode: "b" }, { mode: "a" })).toEqual({ rms: 3, fast: false, mode: "a" });
    expect(() => resolveParams({}, {}, { rms: 1 })).toThrow(new ParamError('unknown param "rms"; params: (none)'));
  });

  it("recognises a ParamError by name, whichever copy of the library made it", () => {
    const foreign = Object.assign(new Error("x"), { name: "ParamError" });
    expect(foreign instanceof ParamError).toBe(true);
    expect(new Error("x") instanceof ParamError).toBe(false);
    expect({ name: "ParamError" } instanceof ParamError).toBe(false);
    expect(new ParamError("x").name).toBe("ParamError");
  });

  it("numbers node ids from 1 and hands out the same array for the same prefix and count", () => {
    expect(numberedIds("rm", 3)).toEqual(["rm1", "rm2", "rm3"]);
    expect(numberedIds("rm", 3)).toBe(numberedIds("rm", 3));
    expect(numberedIds("rm", 2)).toEqual(["rm1", "rm2"]);
    expect(numberedIds("c", 2)).toEqual(["c1", "c2"]);
    expect(numberedIds("rm", 0)).toEqual([]);
    expect(numberedIds("rm", 12)[11]).toBe("rm12");
    expect(numberedIds("rm1", 2)).toEqual(["rm11", "rm12"]);
  });
});

describe("params: definitions a spec loaded without type checking may get wrong", () => {
  const problem = paramDefProblem;

  it("accepts what int, bool and oneOf make", () => {
    for (const def of [int(3), int(3, { min: 3, max: 3 }), bool(true), oneOf(["a"], "a")])
      expect(problem(def)).toBeUndefined();
  });

  it("names what is wrong, so the spec file fails to load with a clear line", () => {
    const declare = "must be declared with int(default, { min, max }), bool(default) or oneOf(values, default)";
    expect([problem(3), problem(null), problem({ type: "float", default: 1 })]).toEqual([declare, declare, declare]);
    expect(problem(int({ default: 3, min: 1 } as never))).toBe(
      "an int's default must be an integer (int(3, { min: 1 })); got an object",
    );
    expect(problem(int(1.5))).toBe("an int's default must be an integer (int(3, { min: 1 })); got number 1.5");
    expect(problem(int(0, { min: 1 }))).toBe("its default must be at least 1, got 0");
    expect(problem(int(9, { max: 8 }))).toBe("its default must be at most 8, got 9");
    expect(problem(int(1, { min: 0.5 }))).toBe("min must be an integer; got number 0.5");
    expect(problem(int(1, { max: "9" as never }))).toBe("max must be an integer; got string 9");
    expect(problem(bool("true" as never))).toBe("a bool's default must be true or false; got string true");
    expect(problem(oneOf([], "a" as never))).toBe("oneOf's values must be a non-empty array of strings; got an array");
    expect(problem(oneOf([1] as never, 1 as never))).toBe(
      "oneOf's values must be a non-empty array of strings; got an array",
    );
    expect(problem({ type: "enum", values: "ab", default: "a" })).toBe(
      "oneOf's values must be a non-empty array of strings; got string ab",
    );
    expect(problem(oneOf(["a", "b"], "c" as never))).toBe("its default must be one of a, b; got string c");
  });

  it("defineSpec refuses such a definition, naming the spec and the param", () => {
    const spec = (params: unknown) =>
      defineSpec({
        name: "p",
        description: "a spec with params as given",
        params: params as never,
        init: () => [{}],
        actions: {},
        properties: {},
      });
    expect(() => spec({ top: int({ default: 3 } as never) })).toThrow(
      new SpecDefinitionError(
        'spec "p": param "top": an int\'s default must be an integer (int(3, { min: 1 })); got an object',
      ),
    );
    expect(() => spec([int(3)])).toThrow(
      new SpecDefinitionError(
        'spec "p": params must be an object of parameters, each int(...), bool(...) or oneOf(...); got an array',
      ),
    );
    expect(spec(undefined).params).toEqual({});
  });
});
