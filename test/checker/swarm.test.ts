import { describe, expect, it } from "vitest";
import { checkSpec, dfs, LostWorkerError } from "../../checker/index.js";
import { checkSpecByName, runCli, type CliIo } from "../../checker/cli-index.js";
import { swarmHint, swarmPlans, type SwarmReport } from "../../checker/swarm.js";
import { pathOf, roundSeed, shuffled } from "../../checker/swarm-member.js";
import { formatPath } from "../../checker/random.js";
import { WorkerThreadError } from "../../checker/worker-thread.js";
import { catalogue } from "../../specs/index.js";
import { rejection } from "../support/rejection.js";
import { tempFolder } from "../support/temp-folder.js";
import { threadFailingSpecs } from "../support/thread-failing-specs.js";

const specNamed = (name: string) => catalogue.find((s) => s.name === name)!;

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    progress: false,
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

/** The swarm's counterexample, replayed alone by the random strategy from the path it printed. */
function replays(spec: string, variant: string, r: SwarmReport): void {
  const again = checkSpec(specNamed(spec), { variant, strategy: "random", seed: r.seed, replayPath: r.replayPath! });
  expect([again.result, again.property]).toEqual(["violation", r.property]);
  expect(again.trace).toEqual(r.trace);
}

describe("swarm (--strategy swarm)", () => {
  it("members alternate random walks and shuffled DFS, with seeds and depths of their own", () => {
    expect(swarmPlans(4, { seed: 7 }).map((p) => [p.kind, p.seed, p.depth])).toEqual([
      ["walks", 7, 100],
      ["dfs", 2027808452, 40],
      ["walks", 1207542684, 50],
      ["dfs", 387276917, 20],
    ]);
    // --max-depth fixes every member's bound; --max-states is shared out.
    expect(swarmPlans(2, { seed: 1, maxDepth: 9, maxStates: 101 }).map((p) => [p.depth, p.maxStates])).toEqual([
      [9, 51],
      [9, 51],
    ]);
    expect([roundSeed(5, 0), roundSeed(5, 1), roundSeed(5, 2)]).toEqual([5, 297399070, 1618870534]);
    // One member walks; --runs and the deadline reach every member; a member never gets fewer than 1 state.
    expect(swarmPlans(1, { seed: 3, runs: 20, deadline: 99 })).toEqual([
      { member: 0, kind: "walks", seed: 3, depth: 100, runs: 20, deadline: 99 },
    ]);
    expect(swarmPlans(4, { seed: 3, maxStates: 2 }).map((p) => [p.runs, p.maxStates, "deadline" in p])).toEqual([
      [10_000, 1, false],
      [10_000, 1, false],
      [10_000, 1, false],
      [10_000, 1, false],
    ]);
    expect(swarmPlans(2, { seed: 3, maxStates: 41 }).map((p) => p.maxStates)).toEqual([21, 21]);
  });

  it("prints the lines that repeat the swarm, and the winner's replay when there is one", () => {
    const report = {
      spec: "raft",
      variant: "vote-twice",
      params: { nodes: 3, terms: 2 },
      swarmSeed: 5,
      seed: 77,
      members: [{}, {}, {}],
      winner: { member: 1, kind: "dfs", seed: 9, depth: 40 },
      replayPath: "0:2:1",
    } as unknown as SwarmReport;
    const base = "interleave check raft --variant vote-twice --param nodes=3 --param terms=2";
    expect(swarmHint(report).split("\n")).toEqual([
      `swarm: ${base} --strategy swarm --workers 3 --seed 5`,
      "found by member 1 (DFS to depth 40 in a shuffled order, seed 9)",
      `replay: ${base} --strategy random --seed 77 --replay-path 0:2:1`,
    ]);
    const walker = {
      ...report,
      variant: "default",
      params: {},
      winner: { member: 0, kind: "walks" as const, seed: 5, depth: 100 },
    };
    expect(swarmHint(walker, "./my-raft.ts").split("\n")).toEqual([
      "swarm: interleave check ./my-raft.ts --strategy swarm --workers 3 --seed 5",
      "found by member 0 (random walks of up to 100 steps, seed 5)",
      "replay: interleave check ./my-raft.ts --strategy random --seed 77 --replay-path 0:2:1",
    ]);
    expect(swarmHint({ ...report, winner: null, replayPath: null })).toBe(
      `swarm: ${base} --strategy swarm --workers 3 --seed 5`,
    );
  });

  it("one walker repeats itself: the same counts from the same seed, and its finding's walks, depth and path", async () => {
    const alone = (await checkSpecByName("two-phase-commit", {
      strategy: "swarm",
      workers: 1,
      seed: 1,
      runs: 100,
    })) as SwarmReport;
    expect([
      alone.result,
      alone.limit,
      alone.distinctStates,
      alone.generatedStates,
      alone.maxDepth,
      alone.members,
      alone.warnings,
      alone.statesPerSecond,
    ]).toEqual([
      "incomplete",
      "max-depth",
      213,
      17_811,
      100,
      [{ member: 0, kind: "walks", seed: 1, depth: 100 }],
      [
        'liveness properties "eventuallyAllDecided" were not checked by random walks (liveness needs the complete graph; use --strategy bfs)',
      ],
      alone.durationMs > 0 ? Math.round((213 * 1000) / alone.durationMs) : 0,
    ]);
    const found = (await checkSpecByName("raft-election", {
      variant: "vote-twice",
      strategy: "swarm",
      workers: 1,
      seed: 1,
    })) as SwarmReport;
    expect([
      found.property,
      found.distinctStates,
      found.generatedStates,
      found.maxDepth,
      found.runs,
      found.walkDepth,
      found.foundSteps,
      found.replayPath,
      found.trace?.length,
    ]).toEqual(["atMostOneLeaderPerTerm", 150, 944, 88, 1000, 100, 8, "0:1:0:2:4:3:4", 7]);
    const bounded = (await checkSpecByName("raft-election", {
      variant: "vote-twice",
      strategy: "swarm",
      workers: 1,
      seed: 1,
      maxDepth: 30,
      runs: 50,
    })) as SwarmReport;
    expect([
      bounded.distinctStates,
      bounded.generatedStates,
      bounded.maxDepth,
      bounded.runs,
      bounded.walkDepth,
      bounded.foundSteps,
      bounded.replayPath,
    ]).toEqual([41, 45, 6, 50, 30, 7, "0:1:2:1:2:3:4"]);
  });

  it("gives every member the spec's params, symmetry and chosen properties", async () => {
    const swarm = (options: Parameters<typeof checkSpecByName>[1]) =>
      checkSpecByName("two-phase-commit", { strategy: "swarm", workers: 2, seed: 1, ...options });
    const counts = (r: Awaited<ReturnType<typeof swarm>>) => [
      r.result,
      r.distinctStates,
      r.generatedStates,
      r.maxDepth,
    ];
    expect(counts(await swarm({ params: { rms: 2 } }))).toEqual(["ok", 56, 154, 7]);
    const symmetric = await swarm({ symmetry: true });
    expect(counts(symmetric)).toEqual(["ok", 80, 318, 10]);
    expect(symmetric.warnings).toEqual([
      'liveness properties "eventuallyAllDecided" were not checked with --symmetry (a cycle of orbits need not be a cycle of states, so lassos could be spurious)',
    ]);
    // abort-after-commit breaks `consistent`, not typeOK: checking typeOK only, the DFS member covers its 315 states.
    const typeOk = await swarm({ variant: "abort-after-commit", properties: ["typeOK"] });
    expect([...counts(typeOk), typeOk.warnings]).toEqual(["ok", 315, 1316, 15, []]);
  });

  it("a shuffled order keeps every successor, and a trace maps back to ordinals of the plain model", () => {
    const model = specNamed("two-phase-commit").instantiate({ params: { rms: 3 } });
    const plain = dfs.search(model);
    const onShuffled = dfs.search(shuffled(model, 3));
    expect([
      plain.distinctStates,
      plain.generatedStates,
      onShuffled.distinctStates,
      onShuffled.generatedStates,
    ]).toEqual([288, plain.generatedStates, 288, plain.generatedStates]);
    const labels = (m: typeof model) => {
      const out: string[] = [];
      m.successors(
        m.initStates()[0],
        { hi: 0, lo: 0 },
        { labels: true, push: (_n, _fp, label) => void out.push(label) },
      );
      return out;
    };
    expect([...labels(shuffled(model, 3))].sort()).toEqual([...labels(model)].sort());
    const broken = checkSpec(specNamed("two-phase-commit"), { variant: "commit-without-all-prepared" });
    const path = formatPath(
      pathOf(specNamed("two-phase-commit").instantiate({ variant: "commit-without-all-prepared" }), broken.trace!),
    );
    const again = checkSpec(specNamed("two-phase-commit"), {
      variant: "commit-without-all-prepared",
      strategy: "random",
      seed: 1,
      replayPath: path,
    });
    expect(again.trace).toEqual(broken.trace);
  });

  it.each([
    // raft's own variants need longer walks since pre-vote (vote-twice is 12 steps deep): the bench times them.
    ["raft", "prevote-bumps-term", "newTermsHaveAPreVoteQuorum", 1],
    ["raft-election", "vote-twice", "atMostOneLeaderPerTerm", 6],
    ["two-phase-commit", "abort-after-commit", "consistent", 10],
  ] as const)(
    "finds %s %s (%s) on 2 workers with seed 1, and its trace replays",
    async (spec, variant, property, shortest) => {
      const r = (await checkSpecByName(spec, {
        variant,
        strategy: "swarm",
        workers: 2,
        seed: 1,
        timeoutMs: 120_000,
      })) as SwarmReport;
      expect([r.result, r.property, r.strategy, r.swarmSeed, r.members.length]).toEqual([
        "violation",
        property,
        "swarm/2 workers",
        1,
        2,
      ]);
      expect(r.winner).not.toBeNull();
      // Shrunk, but never shorter than the shortest (BFS) counterexample.
      expect((r.trace?.length ?? 0) - 1).toBeGreaterThanOrEqual(shortest);
      expect(r.replayPath!.split(":")).toHaveLength(r.trace!.length);
      replays(spec, variant, r);
    },
  );

  it("is incomplete (exit 3) on a correct spec when --max-states or --timeout ends it", async () => {
    const io = capture();
    const code = await runCli(
      [
        "check",
        "two-phase-commit",
        "--strategy",
        "swarm",
        "--workers",
        "2",
        "--seed",
        "1",
        "--max-states",
        "40",
        "--json",
        "-",
      ],
      io,
    );
    const report = JSON.parse(io.out) as SwarmReport;
    expect([code, report.result, report.limit, report.winner, report.replayPath]).toEqual([
      3,
      "incomplete",
      "max-states",
      null,
      null,
    ]);
    expect(io.err).toContain(
      "\nswarm: interleave check two-phase-commit --param rms=3 --strategy swarm --workers 2 --seed 1\n",
    );
    const timed = capture();
    expect(
      await runCli(
        ["check", "raft", "--strategy", "swarm", "--workers", "2", "--seed", "1", "--timeout", "2", "--json", "-"],
        timed,
      ),
    ).toBe(3);
    expect(JSON.parse(timed.out).limit).toBe("timeout");
  });

  it("reports ok only when a DFS member covered the whole space (two-phase-commit rms=3: 288 states)", async () => {
    const r = (await checkSpecByName("two-phase-commit", {
      params: { rms: 3 },
      strategy: "swarm",
      workers: 2,
      seed: 1,
    })) as SwarmReport;
    expect([r.result, r.limit, r.distinctStates]).toEqual(["ok", null, 288]);
    // One walker alone never proves anything: it runs out of walks.
    const alone = await checkSpecByName("two-phase-commit", {
      params: { rms: 3 },
      strategy: "swarm",
      workers: 1,
      seed: 1,
      runs: 100,
    });
    expect([alone.result, alone.limit]).toEqual(["incomplete", "max-depth"]);
  });

  it("refuses --replay-path and --stats (exit 2, one line)", async () => {
    const io = capture();
    expect(await runCli(["check", "raft", "--strategy", "swarm", "--replay-path", "0:1"], io)).toBe(2);
    expect(io.err).toBe(
      "interleave: --replay-path replays one path: use it with --strategy random (a swarm prints the one to use)\n",
    );
  });
});

describe("swarm: a member's thread that fails", () => {
  const folder = tempFolder("interleave-swarm-");

  it("a spec that does not load in a thread is bad input; a member that exits ends the swarm, never hangs it", async () => {
    const { noLoad, exits } = threadFailingSpecs(folder);
    const swarm = (file: string) => checkSpecByName(file, { strategy: "swarm", workers: 2, seed: 1, runs: 5 });
    expect(await rejection(swarm(noLoad))).toEqual(
      expect.objectContaining({
        name: "UsageError",
        message: expect.stringMatching(/^cannot load the spec in worker thread [01]: not in a worker thread$/),
      }),
    );
    const exited = await rejection(swarm(exits));
    expect(exited).toBeInstanceOf(WorkerThreadError);
    expect(exited).toBeInstanceOf(LostWorkerError);
    expect((exited as Error).message).toMatch(
      /^the swarm is incomplete: worker thread [01] exited with code 3 before the search ended \(does the spec's code call process\.exit\?\)$/,
    );
  });
});
