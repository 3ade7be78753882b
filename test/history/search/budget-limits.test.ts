/**
 * The budget's machine-dependent limits on a machine made up for the test:
 * the heap, physical and cgroup memory, and the resident size come from
 * mocks, so every threshold is met exactly, once on each side.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";

const machine = vi.hoisted(() => ({
  heapLimit: 4 * 2 ** 30,
  heapUsed: 0,
  total: 16 * 2 ** 30,
  constrained: undefined as number | undefined,
  rss: 0,
}));

vi.mock("node:v8", async (original) => ({
  ...(await original<typeof import("node:v8")>()),
  getHeapStatistics: () => ({ heap_size_limit: machine.heapLimit, used_heap_size: machine.heapUsed }),
}));
vi.mock("node:os", async (original) => ({
  ...(await original<typeof import("node:os")>()),
  totalmem: () => machine.total,
}));
vi.mock("node:process", async (original) => {
  const real = await original<typeof import("node:process")>();
  return {
    ...real,
    constrainedMemory: () => machine.constrained,
    memoryUsage: Object.assign(() => real.memoryUsage(), { rss: () => machine.rss }),
  };
});

/** The budget module loaded afresh (its default table limit is computed once per load). */
async function budget() {
  vi.resetModules();
  return import("../../../src/history/search/budget.js");
}

beforeEach(() => {
  Object.assign(machine, { heapLimit: 4 * 2 ** 30, heapUsed: 0, total: 16 * 2 ** 30, constrained: undefined, rss: 0 });
});

describe("the budget's limits on a given machine", () => {
  it("tables get a quarter of the heap limit, at most 1 GiB", async () => {
    machine.heapLimit = 2 * 2 ** 30;
    expect(new (await budget()).BudgetClock().maxBytes).toBe(2 ** 29);
    machine.heapLimit = 8 * 2 ** 30;
    expect(new (await budget()).BudgetClock().maxBytes).toBe(2 ** 30);
  });

  it("the resident limit is half the memory, or the cgroup's limit when smaller and set", async () => {
    const { defaultMaxResidentBytes } = await budget();
    expect(defaultMaxResidentBytes()).toBe(8 * 2 ** 30);
    machine.constrained = 0;
    expect(defaultMaxResidentBytes()).toBe(8 * 2 ** 30);
    machine.constrained = 2 ** 30;
    expect(defaultMaxResidentBytes()).toBe(2 ** 30);
    machine.constrained = 32 * 2 ** 30;
    expect(defaultMaxResidentBytes()).toBe(8 * 2 ** 30);
  });

  it("stops when the heap is over three quarters full, read every 16th call", async () => {
    const { BudgetClock } = await budget();
    const clock = new BudgetClock({ maxMemoryBytes: 100 });
    machine.heapUsed = machine.heapLimit * 0.75;
    expect(Array.from({ length: 16 }, () => clock.exceeded(0)).every((a) => a === null)).toBe(true);
    machine.heapUsed = machine.heapLimit * 0.75 + 1;
    expect(Array.from({ length: 15 }, () => clock.exceeded(0)).every((a) => a === null)).toBe(true);
    expect(clock.exceeded(0)).toBe("memory");
  });

  it("stops when the resident size is over its limit, not at it", async () => {
    const { BudgetClock } = await budget();
    const clock = new BudgetClock({ maxMemoryBytes: 100, maxResidentBytes: 1000 });
    machine.rss = 1000;
    expect(Array.from({ length: 16 }, () => clock.exceeded(0)).every((a) => a === null)).toBe(true);
    machine.rss = 1001;
    expect(Array.from({ length: 16 }, () => clock.exceeded(0)).at(-1)).toBe("memory");
    // Without a resident limit the size is not asked for.
    const free = new BudgetClock({ maxMemoryBytes: 100 });
    machine.rss = Number.MAX_SAFE_INTEGER;
    expect(Array.from({ length: 32 }, () => free.exceeded(0)).every((a) => a === null)).toBe(true);
  });
});
