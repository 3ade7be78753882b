/**
 * Swarm verification (Holzmann): N diversified searches on N threads, each
 * with its own seed, depth bound and action order: random walks and
 * depth-bounded DFS in a shuffled order. The first violation found wins; it
 * is shrunk in its member and replayed here from its `--replay-path`, so
 * the report carries the seed and path that repeat it. A swarm proves
 * nothing by itself: without a violation it is incomplete, unless one of
 * its DFS members happened to cover the whole state space.
 */
import type { Worker } from "node:worker_threads";
import type { AnySpec } from "../src/index.js";
import type { checkSpec as CheckSpec, CheckByNameOptions } from "./check.js";
import { DEFAULT_RUNS, DEFAULT_WALK_DEPTH, randomSeed, type RandomReport } from "./random.js";
import type { Report } from "./report.js";
import type { SpecSource } from "./spec-source.js";
import type { Limit } from "./strategy.js";
import type { SwarmMessage, SwarmPlan, SwarmSetup } from "./swarm-member.js";
import { startWorkerThread, workerEntry } from "./worker-thread.js";

/** Walk depths and DFS depth bounds the members cycle through (when `--max-depth` does not fix one). */
const WALK_DEPTHS = [DEFAULT_WALK_DEPTH, 50, 200, 25];
const DFS_DEPTHS = [40, 20, 80, 160];

/** The member that found a swarm's violation, and what repeats it. */
export interface SwarmMember {
  readonly member: number;
  readonly kind: "walks" | "dfs";
  readonly seed: number;
  readonly depth: number;
}

/** The `--json` report of a swarm: a random report (seed and replay path of the winner) plus the swarm's make-up. */
export interface SwarmReport extends RandomReport {
  /** The base seed: members derive theirs from it. */
  readonly swarmSeed: number;
  readonly members: readonly SwarmMember[];
  /** The member whose violation is reported, or null. */
  readonly winner: SwarmMember | null;
}

/** The plans of `workers` members: even members walk, odd ones run DFS, each with a seed and depth of its own. */
export function swarmPlans(
  workers: number,
  options: {
    readonly seed: number;
    readonly maxDepth?: number;
    readonly runs?: number;
    readonly maxStates?: number;
    readonly deadline?: number;
  },
): SwarmPlan[] {
  return Array.from({ length: workers }, (_, k) => {
    const kind = k % 2 === 0 || workers === 1 ? ("walks" as const) : ("dfs" as const);
    const depths = kind === "walks" ? WALK_DEPTHS : DFS_DEPTHS;
    return {
      member: k,
      kind,
      seed: k === 0 ? options.seed : (Math.imul(options.seed + k, 0x9e3779b1) >>> 1) % 2 ** 31,
      depth: options.maxDepth ?? depths[Math.floor(k / 2) % depths.length]!,
      runs: options.runs ?? DEFAULT_RUNS,
      ...(options.maxStates === undefined ? {} : { maxStates: Math.max(1, Math.ceil(options.maxStates / workers)) }),
      ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
    };
  });
}

/**
 * Runs a swarm of `workers` members on `spec`, each loading it from `source`.
 * `checkSpec` replays the winner's path (passed in: check.ts calls this, and imports stay one way).
 * @example
 * const source = { module: "interleave-check/specs/raft", exportName: "raft" };
 * const r = await swarmSearch(raft, source, { variant: "vote-twice", seed: 1 }, 2, checkSpec);
 */
export async function swarmSearch(
  spec: AnySpec,
  source: SpecSource,
  options: CheckByNameOptions,
  workers: number,
  checkSpec: typeof CheckSpec,
): Promise<SwarmReport> {
  const start = performance.now();
  const seed = options.seed ?? randomSeed();
  const plans = swarmPlans(workers, {
    seed,
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
    ...(options.runs === undefined ? {} : { runs: options.runs }),
    ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }),
    ...(options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs }),
  });
  const instantiate = {
    ...(options.variant === undefined ? {} : { variant: options.variant }),
    ...(options.params === undefined ? {} : { params: options.params }),
    ...(options.symmetry ? { symmetry: true } : {}),
  };
  const members = plans.map(({ member, kind, seed: s, depth }) => ({ member, kind, seed: s, depth }));
  const threads: Worker[] = [];
  const messages: SwarmMessage[] = [];
  let outcome: {
    readonly found?: Extract<SwarmMessage, { type: "found" }>;
    readonly complete?: Report;
    readonly limit?: Limit;
  };
  try {
    outcome = await new Promise((resolve, reject) => {
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => resolve({ limit: "timeout" }), options.timeoutMs + 1000);
      const interrupt = () => resolve({ limit: "interrupted" });
      options.signal?.addEventListener("abort", interrupt);
      const settle = (value: Parameters<typeof resolve>[0]) => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener("abort", interrupt);
        resolve(value);
      };
      for (const plan of plans) {
        const setup: SwarmSetup = {
          spec: source,
          instantiate,
          properties: options.properties ?? [],
          guards: options.guards !== false,
          plan,
        };
        // A member's thread ends by itself once it has posted its result; before that, its exit is a failure
        // (one the swarm's own terminate causes comes after the promise has settled, so its reject is a no-op).
        let answered = false;
        const worker = startWorkerThread(
          workerEntry(new URL("./swarm-worker.js", import.meta.url)),
          setup,
          threads.length,
          "the swarm",
          () => answered,
          reject,
        );
        threads.push(worker);
        worker.on("message", (m: SwarmMessage) => {
          answered = true;
          messages.push(m);
          if (m.type === "found") return settle({ found: m });
          if (m.complete) return settle({ complete: m.complete });
          if (messages.length === plans.length) settle({ limit: limitOf(messages) });
        });
      }
    });
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
  const distinct = messages.reduce((n, m) => n + m.distinctStates, 0);
  const generated = messages.reduce((n, m) => n + m.generatedStates, 0);
  const deepest = Math.max(0, ...messages.map((m) => m.maxDepth));
  const swarm = { swarmSeed: seed, members, strategy: `swarm/${workers} workers` };
  const durationMs = Math.round(performance.now() - start);
  if (outcome.found) {
    const f = outcome.found;
    const winner = members[f.member]!;
    // Replaying the member's path here rebuilds the trace and checks that it violates the same property.
    const replayed = checkSpec(spec, {
      ...options,
      strategy: "random",
      seed: f.seed,
      replayPath: f.path,
      maxDepth: winner.depth,
    });
    return {
      ...replayed,
      ...swarm,
      winner,
      mode: "search",
      runs: winner.kind === "walks" ? Math.min(options.runs ?? DEFAULT_RUNS, 1000) : 1,
      walkDepth: winner.depth,
      foundSteps: f.foundSteps,
      distinctStates: distinct,
      generatedStates: generated,
      maxDepth: Math.max(deepest, (replayed.trace?.length ?? 1) - 1),
      durationMs,
    };
  }
  // The report's skeleton (spec, params, liveness warning) from a one-step walk.
  const base = checkSpec(spec, { ...options, strategy: "random", seed, runs: 1, maxDepth: 1 });
  const complete = outcome.complete;
  return {
    ...base,
    ...swarm,
    // The skeleton walk above is one step: its "never enabled" warnings would be noise; the liveness one stands.
    warnings: base.warnings.filter((w) => w.startsWith("liveness properties")),
    winner: null,
    ...(complete
      ? {
          result: complete.result,
          property: complete.property,
          propertyKind: complete.propertyKind,
          limit: null,
          maxDepth: complete.maxDepth,
        }
      : {
          result: "incomplete",
          property: null,
          propertyKind: null,
          limit: outcome.limit ?? "max-depth",
          maxDepth: deepest,
        }),
    trace: null,
    replayPath: null,
    foundSteps: null,
    distinctStates: complete ? complete.distinctStates : distinct,
    generatedStates: complete ? complete.generatedStates : generated,
    durationMs,
    statesPerSecond: durationMs > 0 ? Math.round((distinct * 1000) / durationMs) : 0,
  };
}

/** Why every member stopped: time or states when any ran out of them, otherwise the walk and depth bounds. */
function limitOf(messages: readonly SwarmMessage[]): Limit {
  const limits = messages.map((m) => (m.type === "done" ? m.limit : null));
  if (limits.includes("timeout")) return "timeout";
  if (limits.includes("max-states")) return "max-states";
  return "max-depth";
}

/**
 * The lines that repeat a swarm's finding: the swarm itself, and the
 * winner's counterexample as a random-strategy replay.
 */
export function swarmHint(r: SwarmReport, spec: string = r.spec): string {
  const params = Object.entries(r.params).map(([k, v]) => ` --param ${k}=${String(v)}`);
  const base = `interleave check ${spec}${r.variant === "default" ? "" : ` --variant ${r.variant}`}${params.join("")}`;
  const lines = [`swarm: ${base} --strategy swarm --workers ${r.members.length} --seed ${r.swarmSeed}`];
  if (r.winner && r.replayPath !== null) {
    lines.push(
      `found by member ${r.winner.member} (${r.winner.kind === "walks" ? `random walks of up to ${r.winner.depth} steps` : `DFS to depth ${r.winner.depth} in a shuffled order`}, seed ${r.winner.seed})`,
    );
    lines.push(`replay: ${base} --strategy random --seed ${r.seed} --replay-path ${r.replayPath}`);
  }
  return lines.join("\n");
}
