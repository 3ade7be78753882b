/**
 * A parallel-search worker: expands its share of each BFS level against the
 * shared store. Driven by checker/parallel.ts, one message at a time.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { InstantiateOptions } from "../src/index.js";
import { Expander, type Found } from "./expander.js";
import { Frontier, type FrontierBatch } from "./frontier.js";
import { resolveSpec } from "./load.js";
import { SharedStateStore, type SharedStoreBuffers } from "./shared-store.js";

/** What a worker is started with. */
export interface WorkerSetup {
  readonly spec: string;
  readonly instantiate: InstantiateOptions;
  readonly buffers: SharedStoreBuffers;
  readonly maxStates?: number;
}

/** Requests from the coordinator. */
export type WorkerRequest =
  | { readonly type: "init" }
  | { readonly type: "level"; readonly deadline: number }
  | { readonly type: "resume"; readonly deadline: number }
  | { readonly type: "give"; readonly count: number }
  | { readonly type: "take"; readonly batch: FrontierBatch<unknown> }
  | { readonly type: "attach"; readonly buffers: SharedStoreBuffers };

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
  readonly batch?: FrontierBatch<unknown>;
}

const setup = workerData as WorkerSetup;
const spec = await resolveSpec(setup.spec);
const model = spec.instantiate(setup.instantiate);
const store = SharedStateStore.open(setup.buffers);
let current = new Frontier<unknown>("fifo");
let next = new Frontier<unknown>("fifo");
const expander = new Expander(model, store, (s, index, hi, lo, depth) => next.push(s, index, hi, lo, depth), setup.maxStates);

function run(deadline: number): { paused: boolean; timedOut: boolean } {
  let expanded = 0;
  while (!expander.violation && !expander.full) {
    if (store.needsRoom) return { paused: true, timedOut: false };
    if (!current.take()) break;
    expander.expand(current.state, current.index, current.hi, current.lo, current.depth);
    if ((++expanded & 1023) === 0 && Date.now() > deadline) return { paused: false, timedOut: true };
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
    ...(expander.violation ? { violation: expander.violation } : {}),
    ...extra,
  };
}

parentPort!.on("message", (request: WorkerRequest) => {
  switch (request.type) {
    case "init":
      expander.addInitial();
      parentPort!.postMessage(report());
      return;
    case "level":
      current = next;
      next = new Frontier("fifo");
      parentPort!.postMessage(report(run(request.deadline)));
      return;
    case "resume":
      parentPort!.postMessage(report(run(request.deadline)));
      return;
    case "give":
      parentPort!.postMessage(report({ batch: next.drain(request.count) }));
      return;
    case "take":
      next.pushAll(model.adopt ? { ...request.batch, states: request.batch.states.map((s) => model.adopt!(s as never)) } : request.batch);
      parentPort!.postMessage(report());
      return;
    case "attach":
      store.attach(request.buffers);
      parentPort!.postMessage(report());
      return;
  }
});
parentPort!.postMessage(report());
