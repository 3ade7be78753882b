/**
 * The register's pre-checks on their own: the quick violation's verdicts and
 * exact explanations (a value nobody wrote, a stale value, the initial null
 * overwritten), and the window start states.
 */
import { describe, expect, it } from "vitest";
import type { Json } from "../../../src/history/index.js";
import type { Operation } from "../../../src/history/operations.js";
import { registerQuickViolation, registerWindowStates } from "../../../src/history/models/register-checks.js";
import { KEYED } from "../../../src/history/models/register-state.js";

/** Operations with ids in list order; `at` is [call, end] (end null: unknown outcome). */
function ops(...list: [string, Json, Json, [number, number | null], Operation["status"]?, string?][]): Operation[] {
  return list.map(([f, input, output, [call, end], status, key], id) => ({
    id,
    process: id,
    f,
    input,
    output,
    status: status ?? (end === null ? "unknown" : "ok"),
    call,
    end,
    ...(key === undefined ? {} : { key }),
  }));
}

const quick = (list: Operation[]) => {
  const found = registerQuickViolation(list);
  return found && { message: found.message, operations: found.operations.map((o) => o.id) };
};

describe("registerQuickViolation", () => {
  it("finds nothing wrong with fresh reads, concurrent overwrites and writes of unknown outcome", () => {
    expect(quick([])).toBeUndefined();
    expect(quick(ops(["write", 1, null, [0, 1]], ["read", null, 1, [2, 3]]))).toBeUndefined();
    expect(quick(ops(["read", null, null, [0, 1]]))).toBeUndefined();
    // The read overlaps the write.
    expect(quick(ops(["write", 1, null, [0, 3]], ["read", null, 1, [1, 2]]))).toBeUndefined();
    // write(2) may take effect before write(1): reading 1 after both is fine.
    expect(
      quick(ops(["write", 1, null, [0, 3]], ["write", 2, null, [1, 2]], ["read", null, 1, [4, 5]])),
    ).toBeUndefined();
    // A write of unknown outcome may take effect at any time after it was invoked.
    expect(
      quick(ops(["write", 1, null, [0, null]], ["write", 2, null, [1, 2]], ["read", null, 1, [3, 4]])),
    ).toBeUndefined();
    // Of two writes of the same value, the later one counts.
    expect(
      quick(
        ops(
          ["write", 1, null, [0, 1]],
          ["write", 2, null, [2, 3]],
          ["write", 1, null, [4, 5]],
          ["read", null, 1, [6, 7]],
        ),
      ),
    ).toBeUndefined();
    // A cas that swapped observed its `from` and wrote its `to`.
    expect(
      quick(ops(["write", 1, null, [0, 1]], ["cas", [1, 2], null, [2, 3]], ["read", null, 2, [4, 5]])),
    ).toBeUndefined();
  });

  it("names an observed value that nothing invoked before the observation completed could have written", () => {
    expect(quick(ops(["read", null, 1, [0, 1]]))).toEqual({
      message: "read -> 1 by process 0 (operation 1) observes 1, but no operation invoked before it completed writes 1",
      operations: [0],
    });
    // The write is invoked after the read completed.
    expect(quick(ops(["read", null, 1, [0, 1]], ["write", 1, null, [2, 3]]))).toMatchObject({ operations: [0] });
    // A failed write wrote nothing, nor did a cas that failed.
    expect(quick(ops(["write", 1, null, [0, 1], "fail"], ["read", null, 1, [2, 3]]))).toMatchObject({
      operations: [1],
    });
    expect(quick(ops(["cas", [null, 1], null, [0, 1], "fail"], ["read", null, 1, [2, 3]]))).toMatchObject({
      operations: [1],
    });
    expect(quick(ops(["cas", [1, 2], null, [0, 1]]))).toEqual({
      message:
        "cas([1,2]) by process 0 (operation 1) observes 1, but no operation invoked before it completed writes 1",
      operations: [0],
    });
    // Objects are compared by their canonical JSON.
    expect(quick(ops(["write", { b: 1, a: 2 }, null, [0, 1]], ["read", null, { a: 2, b: 1 }, [2, 3]]))).toBeUndefined();
  });

  it("names a stale value: every write of it completed before a write of another value was invoked", () => {
    expect(quick(ops(["write", 1, null, [0, 1]], ["write", 2, null, [2, 3]], ["read", null, 1, [4, 5]]))).toEqual({
      message:
        "read -> 1 by process 2 (operation 3) observes 1, but every write of it (the last: write(1) by process 0 (operation 1)) completed before write(2) by process 1 (operation 2) was invoked, which completed before the observation was invoked",
      operations: [0, 1, 2],
    });
    expect(quick(ops(["write", 2, null, [0, 1]], ["read", null, null, [2, 3]]))).toEqual({
      message:
        "read -> null by process 1 (operation 2) observes null, but the initial null completed before write(2) by process 0 (operation 1) was invoked, which completed before the observation was invoked",
      operations: [0, 1],
    });
    // The latest overwrite is the one named, after every write of the stale value.
    expect(
      quick(
        ops(
          ["write", 2, null, [0, 1]],
          ["write", 1, null, [2, 3]],
          ["write", 2, null, [4, 5]],
          ["read", null, 1, [6, 7]],
          ["read", null, 2, [8, 9]],
        ),
      ),
    ).toMatchObject({ operations: [1, 2, 3] });
    // The overwrite must have completed before the observation was invoked.
    expect(
      quick(ops(["write", 1, null, [0, 1]], ["write", 2, null, [2, 5]], ["read", null, 1, [4, 6]])),
    ).toBeUndefined();
  });

  it("checks each key on its own", () => {
    expect(
      quick(
        ops(
          ["write", 1, null, [0, 1], "ok", "a"],
          ["read", null, 1, [2, 3], "ok", "a"],
          ["read", null, 1, [4, 5], "ok", "b"],
        ),
      ),
    ).toMatchObject({ operations: [2] });
    expect(quick(ops(["write", 1, null, [0, 1], "ok", "a"], ["read", null, null, [2, 3], "ok", "b"]))).toBeUndefined();
  });
});

describe("registerWindowStates", () => {
  const history = ops(
    ["write", 1, null, [0, 1]],
    ["write", 2, null, [2, 3]],
    ["read", null, 1, [4, 5]],
    ["write", 1, null, [6, 7]],
    ["cas", [3, 4], null, [8, 9], "fail"],
  );

  it("starts a window from the values written before it that it mentions, and one value standing for the rest", () => {
    // At the start only null is possible: a window that mentions it starts from it, one that does not from a stand-in.
    expect(registerWindowStates(ops(["read", null, null, [0, 1]]), history, 0)).toEqual([null]);
    expect(registerWindowStates(history.slice(0, 2), history, 0)).toEqual(["interleave:any-other-value"]);
    // Before operation 2: null, 1 and 2 are possible; the window mentions 1 only.
    expect(registerWindowStates(history.slice(2, 3), history, 2)).toEqual([1, "interleave:any-other-value"]);
    expect(registerWindowStates(history.slice(2, 4), history, 2)).toEqual([1, "interleave:any-other-value"]);
    // In the order first written, null first; a failed cas writes nothing, yet its values are mentioned.
    const mentionsAll = ops(["read", null, 2, [0, 1]], ["cas", [null, 1], null, [2, 3]]);
    expect(registerWindowStates(mentionsAll, history, 2)).toEqual([null, 1, 2]);
    expect(registerWindowStates(history.slice(4), history, 4)).toEqual(["interleave:any-other-value"]);
  });

  it("picks a stand-in value the window does not mention", () => {
    const window = ops(
      ["read", null, "interleave:any-other-value", [0, 1]],
      ["read", null, "interleave:any-other-value'", [2, 3]],
    );
    expect(registerWindowStates(window, history, 2)).toEqual(["interleave:any-other-value''"]);
  });

  it("covers one key: keyed windows start from keyed states, mixed keys get none", () => {
    const keyed = ops(
      ["write", 1, null, [0, 1], "ok", "a"],
      ["read", null, 1, [2, 3], "ok", "a"],
      ["read", null, 1, [4, 5], "ok", "b"],
    );
    expect(registerWindowStates(keyed.slice(1, 2), keyed, 1)).toEqual([
      { [KEYED]: { a: 1 } },
      { [KEYED]: { a: "interleave:any-other-value" } },
    ]);
    expect(registerWindowStates(keyed.slice(0, 1), keyed, 0)).toEqual([
      { [KEYED]: { a: "interleave:any-other-value" } },
    ]);
    expect(registerWindowStates(keyed.slice(1, 3), keyed, 1)).toBeUndefined();
    // A window of key b after operations of key a: its start states would need both keys.
    expect(registerWindowStates(keyed.slice(2), keyed, 2)).toBeUndefined();
  });
});
