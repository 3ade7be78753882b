import { expect } from "vitest";
import { UsageError } from "../../checker/usage-error.js";

/** The message of the UsageError `f` throws, or "passed" when it throws nothing; any other error fails the test. */
export function usageMessage(f: () => void): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  return "passed";
}
