import { HistoryInputError } from "../errors.js";
import { canonicalJson, jsonEqual } from "../json.js";
import type { Model } from "../model.js";
import type { Operation } from "../operations.js";
import type { Json } from "../types.js";
import { registerQuickViolation, registerWindowStates } from "./register-checks.js";
import { registerUniqueDecision } from "./register-unique.js";
import { isKeyed, KEYED, valueOf, withValue } from "./register-state.js";

/**
 * A read/write/compare-and-set register that starts as `null` (Jepsen's
 * `nil`), as tested by Jepsen on etcd. Operations with a `key` are on
 * independent registers, one per key.
 *
 * - `read` -> value: the register holds `value`. A read whose outcome is
 *   unknown or that failed (a timed-out read) constrains nothing and is left out.
 * - `write(v)`: the register becomes `v`.
 * - `cas([from, to])`: `ok` means it held `from` and now holds `to`; `fail`
 *   means it did not hold `from` (etcd's meaning of a failed compare-and-set,
 *   and Porcupine's); unknown means it either did nothing or swapped.
 */
export const registerModel: Model<Json> = {
  name: "register",
  init: () => null,
  step(state, op) {
    const current = valueOf(state, op.key);
    switch (op.f) {
      case "read":
        return op.status !== "ok" || jsonEqual(current, op.output) ? [state] : [];
      case "write":
        return [withValue(state, op.key, op.input)];
      case "cas": {
        const [from, to] = casArgs(op);
        const matches = jsonEqual(current, from);
        if (op.status === "ok") return matches ? [withValue(state, op.key, to)] : [];
        if (op.status === "fail") return matches ? [] : [state];
        return matches ? [withValue(state, op.key, to)] : [state];
      }
      default:
        throw new HistoryInputError(
          `the register model has read, write and cas; it cannot check :${op.f} (operation ${op.id + 1})`,
          op,
        );
    }
  },
  partition: (op) => op.key ?? "",
  // Called on every operation before checking, so it also rejects the ones this model cannot check.
  ignore(op) {
    if (op.f === "cas") casArgs(op);
    else if (op.f !== "read" && op.f !== "write") {
      throw new HistoryInputError(
        `the register model has read, write and cas; it cannot check :${op.f} (operation ${op.id + 1})`,
        op,
      );
    }
    return (op.f === "read" && op.status !== "ok") || (op.f === "write" && op.status === "fail");
  },
  // Read/write histories whose written values are all distinct: decided in O(n log n), without the search.
  decide: registerUniqueDecision,
  quickViolation: registerQuickViolation,
  windowStates: registerWindowStates,
  readOnly: (op) => op.f === "read" || (op.f === "cas" && op.status === "fail"),
  key: (state) => (state === null || typeof state !== "object" ? state : canonicalJson(state)),
  describe(op) {
    const key = op.key === undefined ? "" : `[${op.key}]`;
    const out = op.status === "unknown" ? " -> ?" : "";
    switch (op.f) {
      case "read":
        return `read${key}() -> ${op.status === "ok" ? show(op.output) : "?"}`;
      case "write":
        return `write${key}(${show(op.input)})${out}`;
      default: {
        const [from, to] = casArgs(op);
        return `cas${key}(${show(from)}, ${show(to)}) -> ${op.status === "unknown" ? "?" : op.status}`;
      }
    }
  },
  describeState: (state) => (isKeyed(state) ? JSON.stringify(state[KEYED]) : show(state)),
};

function casArgs(op: Operation): [Json, Json] {
  const v = op.input;
  if (!Array.isArray(v) || v.length !== 2) {
    throw new HistoryInputError(`cas takes [from, to], got ${JSON.stringify(v)} (operation ${op.id + 1})`, op);
  }
  return [v[0] as Json, v[1] as Json];
}

function show(v: Json): string {
  return v === null ? "nil" : JSON.stringify(v);
}
