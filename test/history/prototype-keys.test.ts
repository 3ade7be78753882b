import { describe, expect, it } from "vitest";
import {
  checkHistory,
  checkLinearizability,
  kvModel,
  registerModel,
  type HistoryEvent,
} from "../../src/history/index.js";

/** Keys named like Object.prototype's properties are ordinary keys in every model and checker. */
describe("keys named like Object.prototype properties", () => {
  const ev = (type: HistoryEvent["type"], f: string, key: string, value: HistoryEvent["value"]): HistoryEvent => ({
    type,
    process: "c1",
    f,
    key,
    value,
  });

  it("register: __proto__ holds what was written, toString starts nil", () => {
    const history = [
      ev("invoke", "write", "__proto__", 5),
      ev("ok", "write", "__proto__", 5),
      ev("invoke", "read", "__proto__", null),
      ev("ok", "read", "__proto__", 5),
      ev("invoke", "read", "toString", null),
      ev("ok", "read", "toString", null),
    ];
    expect(checkLinearizability(history, registerModel).result).toBe("linearizable");
    expect(checkLinearizability(history, registerModel, { partition: false }).result).toBe("linearizable");
    expect(checkHistory(history, { model: registerModel, consistency: "sequential" }).result).toBe("sequential");
    expect(checkHistory(history, { consistency: "causal" }).result).toBe("causal");
    const bad = [ev("invoke", "read", "constructor", null), ev("ok", "read", "constructor", 1)];
    expect(checkLinearizability(bad, registerModel).result).toBe("violation");
  });

  it("kv: appends to hasOwnProperty start from the empty string", () => {
    const history = [
      ev("invoke", "append", "hasOwnProperty", "x"),
      ev("ok", "append", "hasOwnProperty", "x"),
      ev("invoke", "get", "hasOwnProperty", null),
      ev("ok", "get", "hasOwnProperty", "x"),
    ];
    expect(checkLinearizability(history, kvModel).result).toBe("linearizable");
    expect(checkLinearizability(history, kvModel, { partition: false }).result).toBe("linearizable");
  });
});
