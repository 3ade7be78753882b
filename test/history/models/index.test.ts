import { describe, expect, it } from "vitest";
import { HistoryInputError, kvModel, modelByName, MODELS, registerModel } from "../../../src/history/index.js";

describe("modelByName", () => {
  it("finds the built-in models, and names them for a name it does not know", () => {
    expect(modelByName("register")).toBe(registerModel);
    expect(modelByName("kv")).toBe(kvModel);
    expect(Object.keys(MODELS)).toEqual(["register", "kv"]);
    expect(() => modelByName("queue")).toThrow(HistoryInputError);
    expect(() => modelByName("queue")).toThrow(
      'unknown model "queue"; built-in models: register, kv (or a path to a .ts/.js module)',
    );
    expect(() => modelByName("toString")).toThrow('unknown model "toString"');
  });
});
