import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fencedWrite,
  grantLease,
  initialLockService,
  lease,
  leaseStillValid,
  type FencedStorage,
  type LeaseState,
  type LockService,
  type WriteAttempt,
  type WriteResult,
} from "../../specs/lease.js";
import { choose, defineSpec, int, invariant } from "../../src/index.js";
import {
  checkInterleavings,
  expectSpec,
  InterleavingError,
  ScheduledService,
  type ServiceReducer,
} from "../../testing/index.js";

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
        return holder === input.expected
          ? { state: input.value, output: { ok: true } }
          : { state: holder, output: { ok: false } };
    }
  },
};

interface LockSpecState {
  readonly holder: Holder;
  readonly critical: readonly string[];
}

const clientIds = (_s: LockSpecState, p: { clients: number }): string[] =>
  Array.from({ length: p.clients }, (_, i) => `c${i + 1}`);

/** Clients that acquire with cas(null -> me) and release with cas(me -> null), through the reducer. */
const casLock = defineSpec({
  name: "cas-lock",
  description: "a lock in a compare-and-set register",
  params: { clients: int(3, { min: 1 }) },
  init: () => [{ holder: null, critical: [] }],
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

/**
 * Two clients each try once to take the lock, work a while, and release; resolves with the most clients ever inside at
 * once.
 */
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
    expect(
      await checkInterleavings({ scenario: twoClients(acquireWithCas), check: atMostOneInside, numRuns: 200, seed: 1 }),
    ).toEqual({ numRuns: 200, seed: 1 });
  });

  it("clients that read, then write, race: fc.scheduler finds and shrinks the schedule", async () => {
    const e = await interleavingFailure(() =>
      checkInterleavings({ scenario: twoClients(acquireReadThenWrite), check: atMostOneInside, seed: 1 }),
    );
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
    const e = await interleavingFailure(() =>
      checkInterleavings({ scenario: twoClients(acquireReadThenWrite), check: (most) => most <= 1, seed: 1 }),
    );
    expect(e.failure).toBe("check returned false for 2");
  });

  it("a service records the calls in the order its reducer handled them", async () => {
    await checkInterleavings({
      scenario: async (s) => {
        const lock = new ScheduledService(lockRegister, s);
        await Promise.all([
          lock.call({ type: "cas", expected: null, value: "a" }),
          lock.call({ type: "cas", expected: null, value: "b" }),
        ]);
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

// ---------------------------------------------------------------------------
// The lease spec's reducers behind promises: a lock service (grantLease) and
// a storage (fencedWrite) as ScheduledServices, clients that acquire, check
// their lease and write, and a clock that ticks as scheduled tasks. A write
// in flight may be delayed past the lease's expiry (a pause), while the other
// client takes the lease and writes. The spec's own property judges the
// storage's history of writes.
// ---------------------------------------------------------------------------

type LockRequest = { readonly client: string; readonly now: number };
type LockReply = { readonly token: number } | { readonly busyUntil: number };
type WriteRequest = { readonly client: string; readonly token: number };
type StorageState = { readonly storage: FencedStorage; readonly writes: readonly WriteAttempt[] };

const leaseParams = { clients: 2, duration: 3, drift: 0 };

const lockService: ServiceReducer<LockService, LockRequest, LockReply> = {
  init: initialLockService,
  reduce(service, { client, now }) {
    const g = grantLease(service, client, now, leaseParams.duration);
    return g.type === "granted"
      ? { state: g.service, output: { token: g.token } }
      : { state: service, output: { busyUntil: g.until } };
  },
};

/**
 * A storage service on a write reducer (the spec's fencedWrite, or one that takes every write), recording each write as
 * the spec's ghost does.
 */
function storageService(
  write: (storage: FencedStorage, token: number) => WriteResult,
): ServiceReducer<StorageState, WriteRequest, boolean> {
  return {
    init: { storage: { highestToken: 0 }, writes: [] },
    reduce(s, { client, token }) {
      const r = write(s.storage, token);
      return {
        state: { storage: r.storage, writes: [...s.writes, { client, token, accepted: r.accepted }] },
        output: r.accepted,
      };
    },
  };
}

const takesEveryWrite = (storage: FencedStorage): WriteResult => ({ accepted: true, storage });

/** The spec's invariant that lease periods never interleave at the storage, bound to the test's parameters. */
const oneHolderPerPeriod = lease
  .instantiate({ params: leaseParams })
  .properties.find((p) => p.name === "oneHolderPerPeriod");

function leaseScenario(write: (storage: FencedStorage, token: number) => WriteResult) {
  return async (s: fc.Scheduler): Promise<StorageState> => {
    const clock = { now: 0 };
    const lock = new ScheduledService(lockService, s, { describe: (r) => `acquire ${r.client} at ${r.now}` });
    const storage = new ScheduledService(storageService(write), s, {
      describe: (w) => `write ${w.client} token ${w.token}`,
    });
    const ticker = async (): Promise<void> => {
      for (let t = 0; t < 4; t++) {
        await s.schedule(Promise.resolve(), `tick to ${t + 1}`);
        clock.now += 1;
      }
    };
    const client = async (me: string): Promise<void> => {
      for (let attempt = 0; attempt < 4; attempt++) {
        const reply = await lock.call({ client: me, now: clock.now });
        if ("token" in reply) {
          const held = { token: reply.token, acquiredAt: clock.now };
          if (!leaseStillValid(held, clock.now, { duration: leaseParams.duration, margin: leaseParams.drift })) return;
          await storage.call({ client: me, token: held.token }); // in flight: the scheduler may deliver it late
          return;
        }
        await s.schedule(Promise.resolve(), `${me} waits`);
      }
    };
    await Promise.all([ticker(), client("c1"), client("c2")]);
    return storage.state;
  };
}

const periodsDoNotInterleave = (s: StorageState): void => {
  const state: LeaseState = { now: 0, service: initialLockService, clients: {}, storage: s.storage, writes: s.writes };
  if (oneHolderPerPeriod?.kind !== "invariant") throw new Error("the lease spec has no invariant oneHolderPerPeriod");
  if (!oneHolderPerPeriod.check(state))
    throw new Error(`lease periods interleave at the storage: ${JSON.stringify(s.writes)}`);
};

describe("checkInterleavings on the lease spec's reducers", () => {
  it("with fencing tokens, no schedule lets a late write land inside a newer lease period", async () => {
    let fenced = 0;
    const check = (s: StorageState): void => {
      periodsDoNotInterleave(s);
      if (s.writes.some((w) => !w.accepted)) fenced++;
    };
    expect(await checkInterleavings({ scenario: leaseScenario(fencedWrite), check, numRuns: 300, seed: 1 })).toEqual({
      numRuns: 300,
      seed: 1,
    });
    // Not vacuous: in some schedules a late write did arrive, and the token turned it away.
    expect(fenced).toBeGreaterThan(0);
  });

  it("without fencing, fc.scheduler finds the paused write that lands after the next holder's", async () => {
    const e = await interleavingFailure(() =>
      checkInterleavings({
        scenario: leaseScenario(takesEveryWrite),
        check: periodsDoNotInterleave,
        numRuns: 300,
        seed: 1,
      }),
    );
    const [, second, first] =
      /^lease periods interleave at the storage: \[\{"client":"(c\d)","token":2,"accepted":true\},\{"client":"(c\d)","token":1,"accepted":true\}\]$/.exec(
        e.failure,
      ) ?? [];
    expect([first, second].sort()).toEqual(["c1", "c2"]);
    // The first holder acquired, the clock ticked past its lease, the second holder acquired and wrote, and only then
    // did the first write arrive.
    const order = [...e.schedule.matchAll(/request (acquire c\d at \d|write c\d token \d)|(tick to \d)/g)].map(
      (m) => m[1] ?? m[2],
    );
    const at = (text: string) => order.indexOf(text);
    expect(at(`acquire ${first} at 0`)).toBeGreaterThanOrEqual(0);
    expect(at(`write ${second} token 2`)).toBeLessThan(at(`write ${first} token 1`));
    expect(at("tick to 3")).toBeLessThan(at(`write ${second} token 2`));
  });
});
