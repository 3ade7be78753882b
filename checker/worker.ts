/**
 * A parallel-search worker: expands its share of each BFS level against the
 * shared store. Driven by checker/parallel.ts, one message at a time.
 */
import { deserialize, serialize } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import type { InstantiateOptions } from "../src/index.js";
import { selectProperties } from "../src/index.js";
import { trapNondeterminism } from "../src/user-code.js";
import { Expander, type CoverageRow, type Found, type GuardOptions } from "./expander.js";
import { Frontier, type FrontierBatch } from "./frontier.js";
import { queueBytes, SpillArea, type QueueBudget, type SpillStats } from "./disk-queue.js";
import { spillPolicy } from "./explore.js";
import { SharedStateStore, type SharedStoreBuffers } from "./shared-store.js";
import type { SpecSource } from "./spec-source.js";
import { loadInWorker } from "./worker-thread.js";

/** What a worker is started with. */
export interface WorkerSetup {
  readonly spec: SpecSource;
  readonly instantiate: InstantiateOptions;
  readonly buffers: SharedStoreBuffers;
  readonly maxStates?: number;
  readonly guards: GuardOptions;
  /** Check only these properties (all when empty). */
  readonly properties: readonly string[];
  /** [stop]: set to 1 by the coordinator to interrupt the level (Ctrl-C). */
  readonly stop: SharedArrayBuffer;
  /**
   * Where this worker's queue spills (a directory the coordinator made and removes); its share of `budget` is 1 /
   * `workers`.
   */
  readonly spill: {
    readonly directory: string;
    readonly prefix: string;
    readonly budget: QueueBudget;
    readonly workers: number;
  };
}

/** Requests from the coordinator. */
export type WorkerRequest =
  | { readonly type: "init" }
  | { readonly type: "level"; readonly deadline: number }
  | { readonly type: "resume"; readonly deadline: number }
  | { readonly type: "give"; readonly count: number }
  | { readonly type: "take"; readonly batch: PackedBatch }
  | { readonly type: "rehash"; readonly buffers: SharedStoreBuffers; readonly part: number; readonly parts: number }
  | { readonly type: "spill" };

/**
 * Waiting states moved between workers, the states serialized once by the
 * giver: the coordinator forwards bytes, where it used to clone every state
 * twice (in and out) while both workers waited.
 */
export type PackedBatch = Omit<FrontierBatch<unknown>, "states"> & { readonly states: Uint8Array };

/** A worker's answer: its running totals and why it stopped. */
export interface WorkerReport {
  readonly generated: number;
  readonly deepest: number;
  readonly waiting: number;
  readonly next: number;
  readonly violation?: Found;
  readonly full: boolean;
  readonly paused: boolean;
  readonly timedOut: boolean;
  readonly batch?: PackedBatch;
  /** Per `sometimes` property, whether this worker saw a state satisfying it. */
  readonly reached: readonly boolean[];
  readonly coverage: readonly CoverageRow[];
  readonly activity: readonly [string, { readonly tried: number; readonly enabled: number }][];
  /** What this worker's queue spilled to disk. */
  readonly queue?: SpillStats;
}

const setup = workerData as WorkerSetup;
const spec = await loadInWorker(setup.spec);
const instantiated = spec.instantiate(setup.instantiate);
const model = setup.properties.length > 0 ? selectProperties(instantiated, setup.properties) : instantiated;
const store = SharedStateStore.open(setup.buffers);
const spill = spillPolicy(
  model,
  {
    ...setup.guards,
    budgetBytes: queueBytes(setup.spill.budget, () => store.bytesPerState * store.size, setup.spill.workers),
  },
  new SpillArea(setup.spill.directory),
  setup.spill.prefix,
);
let current = new Frontier<unknown>("fifo", spill, model.codec);
let next = new Frontier<unknown>("fifo", spill, model.codec);
const expander = new Expander(
  model,
  store,
  (s, index, hi, lo, depth) => next.push(s, index, hi, lo, depth),
  setup.maxStates,
  setup.guards,
);
const stop = new Int32Array(setup.stop);
// A worker lives for one search: the traps stay installed until it ends.
if (setup.guards.guards !== false) trapNondeterminism();

function run(deadline: number): { paused: boolean; timedOut: boolean } {
  let expanded = 0;
  while (!expander.violation && !expander.full) {
    if (store.needsRoom) return { paused: true, timedOut: false };
    if (!current.take()) break;
    expander.expand(current.state, current.index, current.hi, current.lo, current.depth);
    if ((++expanded & 1023) === 0 && (Date.now() > deadline || Atomics.load(stop, 0) !== 0))
      return { paused: false, timedOut: true };
  }
  return { paused: false, timedOut: false };
}

function report(extra: Partial<WorkerReport> = {}): WorkerReport {
  return {
    generated: expander.generated,
    deepest: expander.deepest,
    waiting: current.length,
    next: next.length,
    full: expander.full,
    paused: false,
    timedOut: false,
    reached: expander.reached,
    coverage: [...expander.coverage.values()],
    activity: [...(model.activity?.() ?? [])],
    queue: spill.tally.stats(),
    ...(expander.violation ? { violation: expander.violation } : {}),
    ...extra,
  };
}

function pack(batch: FrontierBatch<unknown>): PackedBatch {
  return { ...batch, states: serialize(batch.states) };
}

function unpack(batch: PackedBatch): FrontierBatch<unknown> {
  const states = deserialize(batch.states) as unknown[];
  return { ...batch, states: model.adopt ? states.map((s) => model.adopt!(s as never)) : states };
}

parentPort!.on("message", (request: WorkerRequest) => {
  switch (request.type) {
    case "init":
      expander.addInitial();
      parentPort!.postMessage(report());
      return;
    case "level": {
      // The level just expanded is empty: its frontier takes the next level's states.
      const spent = current;
      current = next;
      next = spent.length === 0 ? spent.reuse() : new Frontier("fifo", spill, model.codec);
      parentPort!.postMessage(report(run(request.deadline)));
      return;
    }
    case "resume":
      parentPort!.postMessage(report(run(request.deadline)));
      return;
    case "give":
      parentPort!.postMessage(report({ batch: pack(next.drain(request.count)) }));
      return;
    case "take":
      next.pushAll(unpack(request.batch));
      parentPort!.postMessage(report());
      return;
    case "spill":
      next.startSpilling();
      parentPort!.postMessage(report());
      return;
    case "rehash":
      // Moves this worker's share of the table into the larger one, then uses it (the others do not read until
      // resumed).
      store.rehash(request.buffers, request.part, request.parts);
      store.attach(request.buffers);
      parentPort!.postMessage(report());
      return;
  }
});
parentPort!.postMessage(report());
