import { describe, expect, it } from "vitest";
import { UsageError } from "../../checker/usage-error.js";

describe("UsageError", () => {
  it("is an Error named for what it is, so a stack or a log line says which kind of failure it was", () => {
    const error = new UsageError("--workers needs a number");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("UsageError");
    expect(String(error)).toBe("UsageError: --workers needs a number");
  });
});
