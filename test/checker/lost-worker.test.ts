import { describe, expect, it } from "vitest";
import { DistributedError } from "../../checker/distributed/coordinator.js";
import { LostWorkerError } from "../../checker/index.js";
import { WorkerThreadError } from "../../checker/worker-thread.js";

describe("LostWorkerError", () => {
  it("is named, and is the base of both kinds of lost worker (the CLI's exit 3)", () => {
    expect(String(new LostWorkerError("worker 1 went silent"))).toBe("LostWorkerError: worker 1 went silent");
    expect(new DistributedError("x")).toBeInstanceOf(LostWorkerError);
    expect(new WorkerThreadError("x")).toBeInstanceOf(LostWorkerError);
    expect([new DistributedError("x").name, new WorkerThreadError("x").name]).toEqual([
      "DistributedError",
      "WorkerThreadError",
    ]);
  });
});
