/**
 * The distributed search's coordinator, in process: the workers are
 * `runWorker` calls in this process too (test/checker/distributed.test.ts runs
 * the same through the CLI, where the coordinator is a child process), so
 * what it counts, decides and refuses is judged here. Needs nats-server
 * (skipped without one locally, failing under CI=true).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { checkSpec, LostWorkerError, type Report } from "../../../checker/index.js";
import { checkSpecByName } from "../../../checker/cli-index.js";
import { connectBroker } from "../../../checker/distributed/broker.js";
import { DistributedError, type DistributedOptions } from "../../../checker/distributed/coordinator.js";
import { decode, encode, subjects, type JoinReply } from "../../../checker/distributed/protocol.js";
import { runWorker } from "../../../checker/distributed/worker.js";
import type { CheckByNameOptions } from "../../../checker/check.js";
import { UsageError } from "../../../checker/usage-error.js";
import { twoPhaseCommit } from "../../../specs/two-phase-commit.js";
import { rejection } from "../../support/rejection.js";
import { natsServerBinary, noBroker, startNatsServer, type NatsServer } from "../../support/nats-server.js";
import { tempFolder } from "../../support/temp-folder.js";

const binary = natsServerBinary();
if (binary === undefined) noBroker("the coordinator tests", "install nats-server");

let server: NatsServer | undefined;
const folder = tempFolder("interleave-coordinator-");
/** A user's spec in a folder of its own: a counter to `top` that stops there, with a deadlock check. */
let counter = "";
let runs = 0;

beforeAll(async () => {
  if (binary !== undefined) server = await startNatsServer(binary);
  counter = folder.file(
    "counter.ts",
    `import { defineSpec, int, invariant, sometimes } from "interleave-check";
export default defineSpec({
  name: "counter",
  params: { top: int(3, { min: 1 }) },
  init: () => [{ n: 0, m: 0 }],
  deadlock: true,
  actions: {
    Inc: (s: { n: number; m: number }, p: { top: number }) => (s.n < p.top ? { n: s.n + 1, m: s.m } : undefined),
    Mark: (s: { n: number; m: number }, p: { top: number }) => (s.m < p.top ? { n: s.n, m: s.m + 1 } : undefined),
  },
  properties: {
    small: invariant((s: { n: number }) => s.n <= 4),
    reachesTop: sometimes((s: { n: number }, p: { top: number }) => s.n === p.top),
    never: sometimes((s: { n: number }) => s.n < 0),
  },
});
`,
  );
}, 30_000);
afterAll(async () => {
  await server?.stop();
});

/**
 * `spec` checked by the coordinator with `workers` in-process workers joining a
 * run of its own; `present` of them are started (the others never join).
 */
async function distributed(
  spec: string,
  options: CheckByNameOptions,
  dist: Partial<DistributedOptions> & { readonly workers: number; readonly present?: number },
): Promise<Report> {
  const run = `t${++runs}`;
  const { workers, present = workers, ...rest } = dist;
  const report = checkSpecByName(spec, {
    ...options,
    workers,
    distributed: { url: server!.url, spawn: false, run, ...rest },
  });
  const members = Array.from({ length: present }, (_, partition) =>
    runWorker({ url: server!.url, partition, run, waitMs: 10_000 }),
  );
  const settled = await Promise.allSettled([report, ...members]);
  for (const s of settled.slice(1)) if (s.status === "rejected") throw s.reason;
  if (settled[0].status === "rejected") throw settled[0].reason;
  return settled[0].value;
}

describe.skipIf(binary === undefined)("the coordinator, with in-process workers", () => {
  it("two-phase-commit on 2 and 3 partitions: the one-process counts, depth and result", async () => {
    const local = checkSpec(twoPhaseCommit, { params: { rms: 3 }, properties: ["typeOK", "consistent"] });
    expect([local.result, local.distinctStates, local.generatedStates, local.maxDepth]).toEqual(["ok", 288, 1_146, 10]);
    for (const workers of [2, 3]) {
      const levels: [number, number, number, number][] = [];
      const r = await distributed(
        "two-phase-commit",
        {
          params: { rms: 3 },
          properties: ["typeOK", "consistent"],
          onProgress: (p) => void levels.push([p.depth, p.distinctStates, p.generatedStates, p.queue]),
        },
        { workers },
      );
      expect([r.result, r.distinctStates, r.generatedStates, r.maxDepth, r.strategy]).toEqual([
        "ok",
        288,
        1_146,
        10,
        `bfs/distributed ${workers} workers`,
      ]);
      // One progress report per level: the states stored and generated so far, and those waiting for the next.
      expect(levels).toEqual([
        [0, 1, 1, 1],
        [1, 8, 8, 7],
        [2, 29, 50, 21],
        [3, 67, 158, 38],
        [4, 117, 334, 50],
        [5, 171, 550, 54],
        [6, 220, 763, 49],
        [7, 256, 936, 36],
        [8, 277, 1_050, 21],
        [9, 286, 1_113, 9],
        [10, 288, 1_140, 2],
        [11, 288, 1_146, 0],
      ]);
    }
  });

  it("a broken variant: a trace as short as the one-process search's, violated at its last state only", async () => {
    const options = { variant: "abort-after-commit", params: { rms: 3 }, properties: ["typeOK", "consistent"] };
    const local = checkSpec(twoPhaseCommit, options);
    const r = await distributed("two-phase-commit", options, { workers: 2 });
    expect([r.result, r.property, r.trace!.length]).toEqual(["violation", "consistent", local.trace!.length]);
    expect(r.trace!.length).toBe(11);
    const model = twoPhaseCommit.instantiate({ variant: "abort-after-commit", params: { rms: 3 } });
    const consistent = model.properties.find((p) => p.name === "consistent");
    if (consistent?.kind !== "invariant") throw new Error("two-phase-commit's consistent is an invariant");
    expect(r.trace!.map((s) => consistent.check(s.state as never))).toEqual([...Array<boolean>(10).fill(true), false]);
    expect(r.trace![0]!.state).toEqual(model.initStates()[0]);
  });

  it("a user's spec file: a deadlock (a state's own violation) found, its trace rebuilt across partitions", async () => {
    const local = await checkSpecByName(counter, { params: { top: 2 } });
    expect([local.result, local.property, local.trace!.length]).toEqual(["violation", "deadlockFree", 5]);
    const r = await distributed(counter, { params: { top: 2 } }, { workers: 3 });
    expect([r.result, r.property, r.trace!.length]).toEqual(["violation", "deadlockFree", 5]);
    expect(r.trace!.at(-1)!.state).toEqual({ n: 2, m: 2 });
    expect(r.trace!.map((s) => s.state)).toEqual(local.trace!.map((s) => s.state));
  });

  it("without the deadlock check: every state, the sometimes property never reached named", async () => {
    const local = await checkSpecByName(counter, { params: { top: 3 }, properties: ["small", "reachesTop", "never"] });
    expect([local.result, local.property, local.distinctStates, local.generatedStates]).toEqual([
      "violation",
      "never",
      16,
      25,
    ]);
    const r = await distributed(
      counter,
      { params: { top: 3 }, properties: ["small", "reachesTop", "never"] },
      { workers: 2 },
    );
    expect([r.result, r.property, r.distinctStates, r.generatedStates, r.maxDepth]).toEqual([
      "violation",
      "never",
      16,
      25,
      6,
    ]);
    expect(r.trace).toBeNull();
  });

  it("limits: --max-depth and --max-states end the search incomplete, with the counts so far", async () => {
    const options = { params: { rms: 3 }, properties: ["typeOK", "consistent"] };
    const deep = await distributed("two-phase-commit", { ...options, maxDepth: 3 }, { workers: 2 });
    const localDeep = checkSpec(twoPhaseCommit, { ...options, maxDepth: 3 });
    expect([deep.result, deep.limit, deep.maxDepth, deep.distinctStates, deep.generatedStates]).toEqual([
      "incomplete",
      "max-depth",
      3,
      localDeep.distinctStates,
      158,
    ]);
    const capped = await distributed("two-phase-commit", { ...options, maxStates: 50 }, { workers: 2 });
    // Level 3 stores 67 states, over the 50: the search stops there and reports the limit as the count.
    expect([capped.result, capped.limit, capped.distinctStates, capped.generatedStates, capped.maxDepth]).toEqual([
      "incomplete",
      "max-states",
      50,
      158,
      3,
    ]);
    // A cap one partition's store reaches within a level: that worker stops the level there, so fewer states are
    // generated.
    const small = await distributed("two-phase-commit", { ...options, maxStates: 12 }, { workers: 2 });
    expect([small.result, small.limit, small.distinctStates, small.generatedStates, small.maxDepth]).toEqual([
      "incomplete",
      "max-states",
      12,
      33,
      2,
    ]);
  });

  it("an aborted search halts the level and reports interrupted", async () => {
    const abort = new AbortController();
    abort.abort();
    const r = await distributed(
      "two-phase-commit",
      { params: { rms: 3 }, properties: ["typeOK", "consistent"], signal: abort.signal },
      { workers: 2 },
    );
    expect([r.result, r.limit]).toEqual(["incomplete", "interrupted"]);
  });

  it("a worker that never joins: the join times out with one line naming the run", async () => {
    const error = await rejection(
      distributed("two-phase-commit", { params: { rms: 3 } }, { workers: 2, present: 1, joinTimeoutMs: 1_500 }),
    );
    expect(error).toBeInstanceOf(DistributedError);
    expect(error).toBeInstanceOf(LostWorkerError);
    expect((error as Error).message).toBe(
      `the distributed search is incomplete: all 2 workers joining run "t${runs}" did not happen within 2 s`,
    );
  });

  it("joins refused: a partition out of range, a partition taken; and a worker that goes silent", async () => {
    const run = `t${++runs}`;
    const report = rejection(
      checkSpecByName("two-phase-commit", {
        params: { rms: 3 },
        workers: 2,
        distributed: { url: server!.url, spawn: false, run, silenceMs: 1_500 },
      }),
    );
    const nc = await connectBroker(server!.url, "test");
    // The coordinator answers once it has loaded the spec: until then the broker has no responder (503).
    const ask = async (partition: number): Promise<JoinReply> => {
      for (;;) {
        try {
          return decode<JoinReply>(
            (await nc.request(subjects(run).join, encode({ partition }), { timeout: 5_000 })).data,
          );
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    try {
      expect(await ask(2)).toEqual({ type: "refused", reason: "the run has partitions 0..1" });
      expect(await ask(-1)).toEqual({ type: "refused", reason: "the run has partitions 0..1" });
      expect(await ask(0.5)).toEqual({ type: "refused", reason: "the run has partitions 0..1" });
      expect((await ask(1)).type).toBe("setup");
      expect(await ask(1)).toEqual({ type: "refused", reason: "another worker has joined as that partition" });
      // The worker that joined as partition 1 never beats: the run fails once it has been silent for 1.5 s.
      const error = await report;
      expect(error).toBeInstanceOf(DistributedError);
      expect((error as Error).message).toMatch(
        /^the distributed search is incomplete: worker 1 has been silent for \d+ s$/,
      );
    } finally {
      await nc.drain();
    }
    // A worker refused names the run, the partition and the reason.
    const second = `t${++runs}`;
    const full = checkSpecByName("two-phase-commit", {
      params: { rms: 3 },
      workers: 1,
      distributed: { url: server!.url, spawn: false, run: second },
    });
    // The refused worker asks first: once partition 0 has joined, the one-partition search can end, and
    // its coordinator close, before a second request is answered.
    const [extra] = await Promise.allSettled([
      runWorker({ url: server!.url, partition: 3, run: second, waitMs: 10_000 }),
    ]);
    const first = await runWorker({ url: server!.url, partition: 0, run: second, waitMs: 10_000 });
    expect(first).toBe(0);
    expect(extra).toEqual({
      status: "rejected",
      reason: new UsageError(`the coordinator of run "${second}" refused partition 3: the run has partitions 0..0`),
    });
    expect((await full).distinctStates).toBe(288);
  });

  it("a deadlock and an invariant found by different partitions in one level: the deadlock, a step shorter", async () => {
    const spec = folder.file(
      "fork.ts",
      `import { defineSpec, int, invariant } from "interleave-check";
export default defineSpec({
  name: "fork",
  params: { tag: int(0) },
  init: () => [{ a: 0 }],
  deadlock: true,
  actions: {
    Left: (s: { a: number }, p: { tag: number }) => (s.a === 0 ? { a: 1 + 10 * p.tag } : undefined),
    Right: (s: { a: number }, p: { tag: number }) => (s.a === 0 ? { a: 2 + 10 * p.tag } : undefined),
    Up: (s: { a: number }, p: { tag: number }) => (s.a === 1 + 10 * p.tag ? { a: 3 } : undefined),
  },
  properties: { noThree: invariant((s: { a: number }) => s.a !== 3) },
});
`,
    );
    // One process meets the invariant first (it expands a=1 before a=2, and stops at the first violation, as
    // TLC does); two partitions that each find one in the same level give the shorter trace, the deadlock.
    // tag moves the states between the partitions: with 1, 3, 13 and 14 they fall into different ones, a=2 in
    // the lower partition with 1 and 3, a=1 with 13 and 14 (whose report comes first).
    const local = await checkSpecByName(spec, { params: { tag: 1 } });
    expect([local.property, local.trace!.length]).toEqual(["noThree", 3]);
    for (const tag of [1, 3, 13, 14]) {
      const r = await distributed(spec, { params: { tag } }, { workers: 2 });
      expect([tag, r.property, r.trace!.map((s) => s.state)]).toEqual([
        tag,
        "deadlockFree",
        [{ a: 0 }, { a: 2 + 10 * tag }],
      ]);
    }
    // In one partition, the worker stops at the first it meets, as one process does.
    const same = await distributed(spec, { params: { tag: 0 } }, { workers: 2 });
    expect([same.property, same.trace!.length]).toEqual(["noThree", 3]);
  });

  it("INTERLEAVE_DEBUG: a line when the workers are ready, and one per level with each partition's queue", async () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stderr, "write").mockImplementation((text) => {
      lines.push(String(text));
      return true;
    });
    vi.stubEnv("INTERLEAVE_DEBUG", "1");
    try {
      await distributed(
        "two-phase-commit",
        { params: { rms: 3 }, properties: ["typeOK", "consistent"] },
        { workers: 2 },
      );
    } finally {
      vi.unstubAllEnvs();
      write.mockRestore();
    }
    expect(lines[0]).toMatch(/^2 workers ready at \d+ ms\n$/);
    const levels = lines.slice(1).map((line) => /^level (\d+): (\d+) (\d+) at \d+ ms\n$/.exec(line));
    expect(levels.every((m) => m !== null)).toBe(true);
    // The queue after each level, summed over the partitions: as the progress reports count it above.
    expect(levels.map((m) => [Number(m![1]), Number(m![2]) + Number(m![3])])).toEqual(
      [1, 7, 21, 38, 50, 54, 49, 36, 21, 9, 2, 0].map((queue, level) => [level, queue]),
    );
  });

  it("the actions' activity merged over the partitions: an action never enabled is named once, as one process does", async () => {
    const spec = folder.file(
      "dormant.ts",
      `import { defineSpec, invariant } from "interleave-check";
export default defineSpec({
  name: "dormant",
  init: () => [{ n: 0 }],
  actions: {
    Inc: (s: { n: number }) => (s.n < 5 ? { n: s.n + 1 } : undefined),
    Never: (s: { n: number }) => (s.n < 0 ? { n: 0 } : undefined),
  },
  properties: { small: invariant((s: { n: number }) => s.n <= 5) },
});
`,
    );
    const local = await checkSpecByName(spec, {});
    const r = await distributed(spec, {}, { workers: 2 });
    expect(r.warnings).toEqual(["action Never was never enabled: is its guard always false?"]);
    expect(r.warnings).toEqual(local.warnings);
    const busy = await distributed(
      "two-phase-commit",
      { params: { rms: 3 }, properties: ["typeOK", "consistent"] },
      { workers: 3 },
    );
    expect(busy.warnings).toEqual([]);
  });

  it("--timeout: a level past the deadline ends the search incomplete", async () => {
    const r = await distributed("two-phase-commit", { params: { rms: 3 }, timeoutMs: 1 }, { workers: 2 });
    expect([r.result, r.limit]).toEqual(["incomplete", "timeout"]);
    expect(r.distinctStates).toBeLessThan(288);
  });

  it("a broker that goes away: the run fails naming its URL", async () => {
    const own = await startNatsServer(binary!);
    const report = rejection(
      checkSpecByName("two-phase-commit", {
        params: { rms: 3 },
        workers: 2,
        distributed: { url: own.url, spawn: false, run: "gone" },
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    await own.stop();
    const error = await report;
    expect(error).toBeInstanceOf(DistributedError);
    expect((error as Error).message).toMatch(
      new RegExp(`^the distributed search is incomplete: the connection to the broker at ${own.url} closed`),
    );
  });
});

/**
 * `spawn: true`, as `interleave check --distributed` runs by default: the
 * coordinator here in process starts its workers as `bin/interleave.js worker`
 * processes (dist/, which the global setup builds) and watches them exit.
 */
describe.skipIf(binary === undefined)("the coordinator, spawning its workers", () => {
  /** A user's spec whose workers fail as `failure` says, the coordinator unharmed (it is not a worker process). */
  const failing = (name: string, failure: string) =>
    folder.file(
      `${name}.ts`,
      `import { defineSpec, int, invariant } from "interleave-check";
const inWorker = process.argv.includes("worker");
${failure}
export default defineSpec({
  name: "${name}",
  params: { top: int(4, { min: 1 }) },
  init: () => [{ n: 0 }],
  actions: {
    Inc: (s: { n: number }, p: { top: number }) => {
      if (inWorker && s.n === 2 && exitAt2) process.exit(7);
      return s.n < p.top ? { n: s.n + 1 } : undefined;
    },
  },
  properties: { small: invariant((s: { n: number }) => s.n <= 9) },
});
`,
    );
  const spawned = (spec: string, options: CheckByNameOptions, workers: number) =>
    checkSpecByName(spec, {
      ...options,
      workers,
      distributed: { url: server!.url, spawn: true, joinTimeoutMs: 60_000 },
    });

  it("two workers started from bin/: the one-process counts; they leave when the search ends", async () => {
    const r = await spawned("two-phase-commit", { params: { rms: 3 }, properties: ["typeOK", "consistent"] }, 2);
    expect([r.result, r.distinctStates, r.generatedStates, r.maxDepth, r.strategy]).toEqual([
      "ok",
      288,
      1_146,
      10,
      "bfs/distributed 2 workers",
    ]);
  }, 120_000);

  it("a worker that cannot load the spec exits before the search: the run fails naming it and its last words", async () => {
    const spec = failing("loads-nowhere", `if (inWorker) throw new Error("not in a worker");\nconst exitAt2 = false;`);
    const error = await rejection(spawned(spec, {}, 2));
    expect(error).toBeInstanceOf(DistributedError);
    expect((error as Error).message).toMatch(
      /^the distributed search is incomplete: worker [01] \(pid \d+\) exited with code 2 before the search started: interleave: .*not in a worker/,
    );
  }, 120_000);

  it("a worker that exits mid-search: the run fails naming it and the level it was in", async () => {
    const spec = failing("exits-at-2", "const exitAt2 = true;");
    const error = await rejection(spawned(spec, {}, 2));
    expect(error).toBeInstanceOf(DistributedError);
    // The state n=2 is expanded in level 3 (levels count from 1: level 1 expands the initial state).
    expect((error as Error).message).toMatch(
      /^the distributed search is incomplete: worker [01] \(pid \d+\) exited with code 7 in level 3$/,
    );
  }, 120_000);
});
