/**
 * One member of a swarm (checker/swarm.ts), run on its own thread by
 * checker/swarm-worker.ts: random walks or a depth-bounded DFS in a shuffled
 * action order, with its own seed. Its answer is one message: the violating
 * path it found (shrunk, as a `--replay-path` on the unshuffled model), or
 * that its budget ran out.
 */
import {
  deriveModel,
  isLiveness,
  selectProperties,
  type Fingerprint,
  type Model,
  type AnySpec,
  type Trace,
} from "../src/index.js";
import { checkSpec } from "./check.js";
import { dfs } from "./dfs.js";
import { formatPath, type Path } from "./path.js";
import { shrinkPath, type RandomReport } from "./random.js";
import { buildReport, type Report } from "./report.js";
import type { SpecSource } from "./spec-source.js";
import type { Limit } from "./strategy.js";

/** What a member searches. */
export interface SwarmPlan {
  readonly member: number;
  readonly kind: "walks" | "dfs";
  readonly seed: number;
  /** Steps per walk, or the DFS depth bound. */
  readonly depth: number;
  /** Walks in all (rounds of {@link WALKS_PER_ROUND}, each with its own seed). */
  readonly runs: number;
  readonly maxStates?: number;
  /** Epoch milliseconds at which to stop. */
  readonly deadline?: number;
}

/** What a member is started with. */
export interface SwarmSetup {
  readonly spec: SpecSource;
  readonly instantiate: {
    readonly variant?: string;
    readonly params?: Record<string, string | number | boolean>;
    readonly symmetry?: boolean;
  };
  readonly properties: readonly string[];
  readonly guards: boolean;
  readonly plan: SwarmPlan;
}

/** A member's one message. */
export type SwarmMessage =
  | {
      readonly type: "found";
      readonly member: number;
      readonly property: string;
      /** The seed of the round that found it (walks) or the member's (dfs). */
      readonly seed: number;
      /** The shrunk counterexample as `--replay-path` takes it. */
      readonly path: string;
      /** Steps as first found, before shrinking. */
      readonly foundSteps: number;
      readonly distinctStates: number;
      readonly generatedStates: number;
      readonly maxDepth: number;
    }
  | {
      readonly type: "done";
      readonly member: number;
      readonly limit: Limit | null;
      readonly distinctStates: number;
      readonly generatedStates: number;
      readonly maxDepth: number;
      /** A DFS that covered the whole space: its report (ok, or a `sometimes` never reached) proves the result. */
      readonly complete?: Report;
    };

/** Walks per round: each round is one `--strategy random --seed N --runs 1000` search, repeatable alone. */
const WALKS_PER_ROUND = 1000;

/** The seed of a member's `round`-th round (31 bits, as `--seed` prints it). */
export function roundSeed(seed: number, round: number): number {
  return round === 0 ? seed : (Math.imul(seed ^ (round * 0x9e3779b1), 0x85ebca6b) >>> 1) % 2 ** 31;
}

function walks(spec: AnySpec, setup: SwarmSetup): SwarmMessage {
  const { plan } = setup;
  let distinct = 0;
  let generated = 0;
  let deepest = 0;
  for (let round = 0; round * WALKS_PER_ROUND < plan.runs; round++) {
    const left = plan.deadline === undefined ? undefined : plan.deadline - Date.now();
    if (left !== undefined && left <= 0)
      return {
        type: "done",
        member: plan.member,
        limit: "timeout",
        distinctStates: distinct,
        generatedStates: generated,
        maxDepth: deepest,
      };
    const seed = roundSeed(plan.seed, round);
    const r: RandomReport = checkSpec(spec, {
      ...setup.instantiate,
      ...(setup.properties.length > 0 ? { properties: setup.properties } : {}),
      ...(setup.guards ? {} : { guards: false }),
      strategy: "random",
      seed,
      runs: Math.min(WALKS_PER_ROUND, plan.runs - round * WALKS_PER_ROUND),
      maxDepth: plan.depth,
      ...(left === undefined ? {} : { timeoutMs: left }),
      ...(plan.maxStates === undefined ? {} : { maxStates: plan.maxStates - distinct }),
    } as never);
    distinct += r.distinctStates;
    generated += r.generatedStates;
    deepest = Math.max(deepest, r.maxDepth);
    if (r.result === "violation" && r.replayPath !== null && r.property !== null) {
      return {
        type: "found",
        member: plan.member,
        property: r.property,
        seed,
        path: r.replayPath,
        foundSteps: r.foundSteps ?? 0,
        distinctStates: distinct,
        generatedStates: generated,
        maxDepth: deepest,
      };
    }
    if (r.limit === "timeout" || r.limit === "max-states")
      return {
        type: "done",
        member: plan.member,
        limit: r.limit,
        distinctStates: distinct,
        generatedStates: generated,
        maxDepth: deepest,
      };
    if (plan.maxStates !== undefined && distinct >= plan.maxStates)
      return {
        type: "done",
        member: plan.member,
        limit: "max-states",
        distinctStates: distinct,
        generatedStates: generated,
        maxDepth: deepest,
      };
  }
  return {
    type: "done",
    member: plan.member,
    limit: null,
    distinctStates: distinct,
    generatedStates: generated,
    maxDepth: deepest,
  };
}

/**
 * The model with each state's successors in an order of this seed's own
 * (sorted by a hash of seed and fingerprint): deterministic, so the DFS's
 * trace replays, and different per member, so members dive differently.
 */
export function shuffled<S>(model: Model<S>, seed: number): Model<S> {
  return deriveModel(model, {
    successors(state, fp, sink) {
      const found: { next: S; hi: number; lo: number; label: string; fault: boolean | undefined; key: number }[] = [];
      model.successors(state, fp, {
        labels: sink.labels,
        push(next, nextFp, label, fault) {
          const key = Math.imul(nextFp.hi ^ Math.imul(nextFp.lo ^ seed, 0x9e3779b1), 0x85ebca6b) ^ seed;
          found.push({ next, hi: nextFp.hi, lo: nextFp.lo, label, fault, key });
        },
      });
      found.sort((a, b) => a.key - b.key);
      const out: Fingerprint = { hi: 0, lo: 0 };
      for (const f of found) {
        out.hi = f.hi;
        out.lo = f.lo;
        sink.push(f.next, out, f.label, f.fault);
      }
    },
  });
}

/** The ordinals of a trace's steps among the successors of the (unshuffled) model, matched by fingerprint. */
export function pathOf<S>(model: Model<S>, trace: Trace<S>): Path {
  const fp: Fingerprint = { hi: 0, lo: 0 };
  const key = (s: S) => {
    model.fingerprint(s, fp);
    return `${fp.hi}:${fp.lo}`;
  };
  const initKeys = model.initStates().map(key);
  const init = initKeys.indexOf(key(trace[0]!.state));
  const steps: number[] = [];
  for (let k = 1; k < trace.length; k++) {
    const from = trace[k - 1]!.state;
    const want = key(trace[k]!.state);
    model.fingerprint(from, fp);
    let n = 0;
    let at = -1;
    model.successors(
      from,
      { ...fp },
      {
        labels: false,
        push(_next, nextFp) {
          if (at < 0 && `${nextFp.hi}:${nextFp.lo}` === want) at = n;
          n++;
        },
      },
    );
    steps.push(at);
  }
  return { init, steps };
}

function depthFirst(spec: AnySpec, setup: SwarmSetup): SwarmMessage {
  const { plan } = setup;
  const selected =
    setup.properties.length > 0
      ? selectProperties(spec.instantiate(setup.instantiate), setup.properties)
      : spec.instantiate(setup.instantiate);
  // Liveness needs the complete graph on one thread: a swarm checks safety (the report warns, as for random walks).
  const model = deriveModel(selected, { properties: selected.properties.filter((p) => !isLiveness(p.kind)) });
  const left = plan.deadline === undefined ? undefined : Math.max(1, plan.deadline - Date.now());
  const outcome = dfs.search(shuffled(model, plan.seed), {
    maxDepth: plan.depth,
    ...(setup.guards ? {} : { guards: false }),
    ...(left === undefined ? {} : { timeoutMs: left }),
    ...(plan.maxStates === undefined ? {} : { maxStates: plan.maxStates }),
  });
  const counts = {
    distinctStates: outcome.distinctStates,
    generatedStates: outcome.generatedStates,
    maxDepth: outcome.maxDepth,
  };
  const v = outcome.result === "violation" ? outcome.violation : undefined;
  if (v && v.trace.length > 0 && v.loopStart === undefined) {
    const found = pathOf(model, v.trace);
    if (found.init >= 0 && !found.steps.includes(-1)) {
      const path = shrinkPath(
        model,
        { property: v.property, kind: v.kind, path: found },
        { seed: plan.seed, maxDepth: plan.depth },
      );
      return {
        type: "found",
        member: plan.member,
        property: v.property,
        seed: plan.seed,
        path: formatPath(path),
        foundSteps: found.steps.length,
        ...counts,
      };
    }
  }
  if (outcome.result === "ok" || v?.kind === "sometimes") {
    const complete = buildReport(
      { spec: model.spec, variant: model.variant, params: model.params, strategy: "dfs" },
      outcome,
    );
    return { type: "done", member: plan.member, limit: null, complete, ...counts };
  }
  return {
    type: "done",
    member: plan.member,
    limit: outcome.result === "incomplete" ? (outcome.limit ?? null) : null,
    ...counts,
  };
}

/** Runs one member's search on `spec` (loaded from `setup.spec` by the thread) to its end. */
export function runMember(spec: AnySpec, setup: SwarmSetup): SwarmMessage {
  return setup.plan.kind === "walks" ? walks(spec, setup) : depthFirst(spec, setup);
}
