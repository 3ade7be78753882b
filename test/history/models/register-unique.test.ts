/**
 * registerUniqueDecision's own answers, exactly: the witness order it
 * returns (which the checker replays, so a wrong order would only cost a
 * search) and the text of each kind of violation. Its verdicts are checked
 * against brute force in test/history/unique-register.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Decision } from "../../../src/history/model.js";
import { registerUniqueDecision } from "../../../src/history/models/register-unique.js";
import { toOperations } from "../../../src/history/operations.js";
import type { HistoryEvent, Json } from "../../../src/history/types.js";

type Step = [process: number, type: "invoke" | "ok" | "fail" | "info", f: "read" | "write" | "cas", value: Json];

function decide(...steps: Step[]): Decision | undefined {
  const events: HistoryEvent[] = steps.map(([process, type, f, value]) => ({ type, process, f, value }));
  return registerUniqueDecision(toOperations(events));
}

/** A decision as text: the order by operation number (1-based), or the message and the operations named. */
function text(d: Decision | undefined): string {
  if (d === undefined) return "undecided";
  if (d.kind === "linearizable") return `order ${d.order.map((o) => o.id + 1).join(" ")}`;
  return `${d.message} [${d.operations.map((o) => o.id + 1).join(" ")}]`;
}

/** 1 is written and read back; then a write of 2 and a read are invoked (operations 1 to 4). */
const HELD_THEN_WRITE_2: Step[] = [
  [0, "invoke", "write", 1],
  [0, "ok", "write", 1],
  [1, "invoke", "read", null],
  [1, "ok", "read", 1],
  [2, "invoke", "write", 2],
  [3, "invoke", "read", null],
];

describe("registerUniqueDecision", () => {
  it("orders sequential operations as they happened", () => {
    expect(
      text(
        decide(
          [0, "invoke", "write", 1],
          [0, "ok", "write", 1],
          [1, "invoke", "read", null],
          [1, "ok", "read", 1],
          [0, "invoke", "write", 2],
          [0, "ok", "write", 2],
          [1, "invoke", "read", null],
          [1, "ok", "read", 2],
        ),
      ),
    ).toBe("order 1 2 3 4");
  });

  it("puts reads of the initial value first, and a concurrent write where its reads need it", () => {
    expect(
      text(
        decide(
          [0, "invoke", "write", 1],
          [1, "invoke", "read", null],
          [2, "invoke", "read", null],
          [1, "ok", "read", 1],
          [2, "ok", "read", null],
          [0, "ok", "write", 1],
        ),
      ),
    ).toBe("order 3 1 2");
  });

  it("places a backward zone after the forward zone that covers its start", () => {
    // 1 is held from the first read's completion (event 3) to the last read's invocation (event 6);
    // write 2 and its read are open over [4, 7], inside which 1 must still be held until 6.
    expect(
      text(
        decide(
          ...HELD_THEN_WRITE_2,
          [1, "invoke", "read", null],
          [1, "ok", "read", 1],
          [3, "ok", "read", 2],
          [2, "ok", "write", 2],
        ),
      ),
    ).toBe("order 1 2 5 3 4");
  });

  it("an unknown-outcome write counts when read, and is left out when not", () => {
    expect(
      text(
        decide(
          [0, "invoke", "write", 1],
          [0, "info", "write", 1],
          [1, "invoke", "write", 2],
          [1, "info", "write", 2],
          [2, "invoke", "read", null],
          [2, "ok", "read", 2],
        ),
      ),
    ).toBe("order 2 3");
    expect(text(decide([0, "invoke", "write", 1], [1, "invoke", "read", null], [1, "ok", "read", 1]))).toBe(
      "order 1 2",
    );
  });

  it("a failed write is left out, and a read that returned nothing known is refused", () => {
    expect(
      text(
        decide([0, "invoke", "write", 1], [0, "fail", "write", 1], [1, "invoke", "read", null], [1, "ok", "read", 1]),
      ),
    ).toBe("read -> 1 by process 1 (operation 2) returns 1, which no operation wrote [2]");
    expect(text(decide([1, "invoke", "read", null], [1, "ok", "read", { a: [1] }]))).toBe(
      'read -> {"a":[1]} by process 1 (operation 1) returns {"a":[1]}, which no operation wrote [1]',
    );
  });

  it("a read that completed before the write of its value was invoked", () => {
    expect(
      text(
        decide([1, "invoke", "read", null], [1, "ok", "read", 1], [0, "invoke", "write", 1], [0, "info", "write", 1]),
      ),
    ).toBe(
      "read -> 1 by process 1 (operation 1) returns 1, but completed before write(1) -> ? by process 0 (operation 2) was invoked [1 2]",
    );
  });

  it("a value read while another value must be held: the backward zone inside a forward one", () => {
    expect(
      text(
        decide(
          ...HELD_THEN_WRITE_2,
          [3, "ok", "read", 2],
          [2, "ok", "write", 2],
          [1, "invoke", "read", null],
          [1, "ok", "read", 1],
        ),
      ),
    ).toMatchInlineSnapshot(
      `"every operation on 2 (write(2) by process 2 (operation 3)) was open from the invocation of read -> 2 by process 3 (operation 4) to the completion of read -> 2 by process 3 (operation 4), which lies where the register must hold 1 (write(1) by process 0 (operation 1)) from before write(1) by process 0 (operation 1) completed until after read -> 1 by process 1 (operation 5) was invoked; every value is written once [3 4 1 2 5]"`,
    );
  });

  it("the initial value held over a stretch another value needs", () => {
    expect(
      text(
        decide(
          [0, "invoke", "write", 1],
          [1, "invoke", "read", null],
          [1, "ok", "read", 1],
          [2, "invoke", "read", null],
          [2, "ok", "read", null],
          [0, "ok", "write", 1],
        ),
      ),
    ).toMatchInlineSnapshot(
      `"every operation on 1 (write(1) by process 0 (operation 1)) was open from the invocation of read -> 1 by process 1 (operation 2) to the completion of read -> 1 by process 1 (operation 2), which lies where the register must hold the initial null from the start until after read -> null by process 2 (operation 3) was invoked; every value is written once [1 2 3]"`,
    );
  });

  it("leaves to the search what it does not cover", () => {
    expect(text(decide([0, "invoke", "cas", [1, 2]], [0, "ok", "cas", [1, 2]]))).toBe("undecided");
    const keyed = toOperations([
      { type: "invoke", process: 0, f: "write", key: "a", value: 1 },
      { type: "invoke", process: 1, f: "write", key: "b", value: 2 },
    ]);
    expect(registerUniqueDecision(keyed)).toBeUndefined();
    expect(text(registerUniqueDecision([]))).toBe("order ");
  });
});
