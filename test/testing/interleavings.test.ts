import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { choose, defineSpec, int, invariant } from "../../src/index.js";
import { checkInterleavings, expectSpec, InterleavingError, ScheduledService, type ServiceReducer } from "../../src/testing/index.js";

// ---------------------------------------------------------------------------
// A lock kept in a compare-and-set register: the reducer is the service's
// whole logic, and the checker verifies that clients acquiring with
// compare-and-set exclude each other. The async client code around it is what
// fc.scheduler then explores.
// ---------------------------------------------------------------------------

type Holder = string | null;
type RegisterInput =
  | { readonly type: "read" }
  | { readonly type: "write"; readonly value: Holder }
  | { readonly type: "cas"; readonly expected: Holder; readonly value: Holder };
type RegisterOutput = { readonly value: Holder } | { readonly ok: boolean };

/** The lock service: a register with read, write and compare-and-set. */
const lockRegister: ServiceReducer<Holder, RegisterInput, RegisterOutput> = {
  init: null,
  reduce(holder, input) {
    switch (input.type) {
      case "read":
        return { state: holder, output: { value: holder } };
      case "write":
        return { state: input.value, output: { ok: true } };
      case "cas":
        return holder === input.expected ? { state: input.value, output: { ok: true } } : { state: holder, output: { ok: false } };
    }
  },
};

interface LockSpecState {
  readonly holder: Holder;
  readonly critical: readonly string[];
}

const clientIds = (_s: LockSpecState, p: { clients: number }): string[] => Array.from({ length: p.clients }, (_, i) => `c${i + 1}`);

/** Clients that acquire with cas(null -> me) and release with cas(me -> null), through the reducer. */
const casLock = defineSpec({
  name: "cas-lock",
  description: "a lock in a compare-and-set register",
  params: { clients: int(3, { min: 1 }) },
  init: () => [{ holder: null, critical: [] } as LockSpecState],
  actions: {
    Acquire: choose(clientIds, (s: LockSpecState, c: string) => {
      if (s.critical.includes(c)) return undefined;
      const r = lockRegister.reduce(s.holder, { type: "cas", expected: null, value: c });
      return "ok" in r.output && r.output.ok ? { holder: r.state, critical: [...s.critical, c].sort() } : undefined;
    }),
    Release: choose(clientIds, (s: LockSpecState, c: string) => {
      if (!s.critical.includes(c)) return undefined;
      const r = lockRegister.reduce(s.holder, { type: "cas", expected: c, value: null });
      return { holder: r.state, critical: s.critical.filter((x) => x !== c) };
    }),
  },
  properties: {
    mutualExclusion: invariant((s: LockSpecState) => s.critical.length <= 1),
  },
});

/** How a client takes the lock. */
type Acquire = (lock: ScheduledService<Holder, RegisterInput, RegisterOutput>, me: string) => Promise<boolean>;

/** Compare-and-set: the reducer decides atomically. */
const acquireWithCas: Acquire = async (lock, me) => {
  const r = await lock.call({ type: "cas", expected: null, value: me });
  return "ok" in r && r.ok;
};

/** The deliberate race: check, then act, in two calls; another client can act in between. */
const acquireReadThenWrite: Acquire = async (lock, me) => {
  const r = await lock.call({ type: "read" });
  if (!("value" in r) || r.value !== null) return false;
  await lock.call({ type: "write", value: me });
  return true;
};

const describeInput = (i: RegisterInput): string =>
  i.type === "read" ? "read" : i.type === "write" ? `write ${i.value}` : `cas ${i.expected} -> ${i.value}`;

/** Two clients each try once to take the lock, work a while, and release; resolves with the most clients ever inside at once. */
function twoClients(acquire: Acquire) {
  return async (s: fc.Scheduler): Promise<number> => {
    const lock = new ScheduledService(lockRegister, s, { describe: describeInput });
    let inside = 0;
    let most = 0;
    const client = async (me: string): Promise<void> => {
      if (!(await acquire(lock, me))) return;
      inside += 1;
      most = Math.max(most, inside);
      await s.schedule(Promise.resolve(), `${me} works`);
      inside -= 1;
      await lock.call({ type: "cas", expected: me, value: null });
    };
    await Promise.all([client("c1"), client("c2")]);
    return most;
  };
}

const atMostOneInside = (most: number): void => {
  if (most > 1) throw new Error(`${most} clients were in the critical section at once`);
};

async function interleavingFailure(run: () => Promise<unknown>): Promise<InterleavingError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof InterleavingError) return error;
    throw error;
  }
  throw new Error("expected a failing schedule");
}

describe("checkInterleavings with fc.scheduler", () => {
  it("the checker verifies the lock protocol on the reducer: mutual exclusion for 1 to 3 clients", () => {
    expect(expectSpec(casLock).toHoldAll().distinctStates).toBe(4);
    expect(expectSpec(casLock, { params: { clients: 1 } }).toHoldAll().distinctStates).toBe(2);
  });

  it("clients that acquire with compare-and-set exclude each other under every schedule tried", async () => {
    expect(await checkInterleavings({ scenario: twoClients(acquireWithCas), check: atMostOneInside, numRuns: 200, seed: 1 })).toEqual({ numRuns: 200, seed: 1 });
  });

  it("clients that read, then write, race: fc.scheduler finds and shrinks the schedule", async () => {
    const e = await interleavingFailure(() => checkInterleavings({ scenario: twoClients(acquireReadThenWrite), check: atMostOneInside, seed: 1 }));
    expect(e.failure).toBe("2 clients were in the critical section at once");
    // Both reads are served before either write: the check-then-act window.
    const served = [...e.schedule.matchAll(/request (read|write c\d)/g)].map((m) => m[1]);
    expect(served.slice(0, 2)).toEqual(["read", "read"]);
    expect(served.slice(2).sort()).toEqual(["write c1", "write c2"]);
    expect(e.message).toContain(`replay with options { seed: 1, path: ${JSON.stringify(e.path)} }`);
  });

  it("the printed seed and path replay the same schedule", async () => {
    const options = { scenario: twoClients(acquireReadThenWrite), check: atMostOneInside, seed: 3 };
    const first = await interleavingFailure(() => checkInterleavings(options));
    const again = await interleavingFailure(() => checkInterleavings({ ...options, path: first.path }));
    expect(again.schedule).toBe(first.schedule);
  });

  it("a check that returns false fails too", async () => {
    const e = await interleavingFailure(() => checkInterleavings({ scenario: twoClients(acquireReadThenWrite), check: (most) => most <= 1, seed: 1 }));
    expect(e.failure).toBe("check returned false for 2");
  });

  it("a service records the calls in the order its reducer handled them", async () => {
    await checkInterleavings({
      scenario: async (s) => {
        const lock = new ScheduledService(lockRegister, s);
        await Promise.all([lock.call({ type: "cas", expected: null, value: "a" }), lock.call({ type: "cas", expected: null, value: "b" })]);
        return lock;
      },
      check: (lock) => {
        const wins = lock.calls.filter((c) => "ok" in c.output && c.output.ok);
        expect(wins).toHaveLength(1);
        expect(lock.state).toBe((wins[0]!.input as { value: Holder }).value);
      },
      numRuns: 20,
      seed: 1,
    });
  });
});
