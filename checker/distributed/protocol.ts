/**
 * What the coordinator and the workers of a distributed search say to each
 * other through the broker (NATS), and who owns which state.
 *
 * Subjects, under `interleave.<run>`: `join` (a worker asks for the setup),
 * `ctl` (the coordinator's orders, to every worker), `report` (a worker's
 * counts at the end of a level), `beat` (a worker is alive), `data.<k>`
 * (batches of states for partition k) and `ask.<k>` (trace links of
 * partition k's states). Payloads are V8's structured-clone serialization,
 * the encoding worker_threads use for the same states (checker/parallel.ts).
 */
import { deserialize, serialize } from "node:v8";
import type { InstantiateOptions } from "../../src/index.js";
import type { CoverageRow, Found, GuardOptions } from "../expander.js";
import type { SpecSource } from "../spec-source.js";

/** The subjects of one run. */
export function subjects(run: string) {
  const p = `interleave.${run}`;
  return {
    join: `${p}.join`,
    ctl: `${p}.ctl`,
    report: `${p}.report`,
    beat: `${p}.beat`,
    data: (partition: number) => `${p}.data.${partition}`,
    ask: (partition: number) => `${p}.ask.${partition}`,
  };
}

/**
 * The partition that owns a fingerprint. Mixed through a multiply so that
 * partitions do not follow the low bits the stores hash on.
 */
export function ownerOf(hi: number, lo: number, partitions: number): number {
  return (Math.imul(hi ^ lo, 0x85ebca6b) >>> 0) % partitions;
}

/**
 * A state's id across the cluster: its index in its partition's store times
 * the number of partitions, plus the partition. -1 is "no state" (the parent
 * of an initial state).
 */
export function globalId(local: number, partition: number, partitions: number): number {
  return local * partitions + partition;
}

/** What the coordinator tells a worker that joined. */
export interface Setup {
  readonly partitions: number;
  /** Where the worker loads the spec from (see spec-source.ts). */
  readonly spec: SpecSource;
  readonly instantiate: InstantiateOptions;
  /** Check only these properties (all when empty). */
  readonly properties: readonly string[];
  readonly guards: GuardOptions;
  readonly maxStates?: number;
  /** Resident memory each worker may use. */
  readonly maxMemoryBytes?: number;
}

/** The answer to a join: the setup, or why the worker cannot join. */
export type JoinReply =
  { readonly type: "setup"; readonly setup: Setup } | { readonly type: "refused"; readonly reason: string };

/** Orders from the coordinator. Level -1 adds the initial states; level d expands the states at depth d. */
export type Control =
  | { readonly type: "level"; readonly level: number; readonly deadline: number }
  | { readonly type: "halt" }
  /** The coordinator is alive (every second). */
  | { readonly type: "beat" }
  | { readonly type: "stop" };

/**
 * States sent to their owner: each with the id of its parent, its ordinal among the parent's successors, and its
 * fingerprint.
 */
export interface Batch {
  readonly type: "batch";
  readonly level: number;
  readonly from: number;
  readonly states: unknown[];
  readonly parents: Float64Array;
  readonly ordinals: Int32Array;
  readonly his: Uint32Array;
  readonly los: Uint32Array;
}

/** The last message of a level from one worker to another: how many states it sent. */
export interface EndOfLevel {
  readonly type: "end";
  readonly level: number;
  readonly from: number;
  readonly sent: number;
}

export type DataMessage = Batch | EndOfLevel;

/** A worker's counts after a level (running totals, except `next`). */
export interface LevelReport {
  readonly partition: number;
  readonly level: number;
  /** States stored in this partition. */
  readonly stored: number;
  /** States waiting for the next level. */
  readonly next: number;
  readonly generated: number;
  readonly deepest: number;
  /** With ids across the cluster (see globalId). */
  readonly violation?: Found;
  readonly full: boolean;
  readonly timedOut: boolean;
  readonly halted: boolean;
  readonly memory: boolean;
  readonly reached: readonly boolean[];
  readonly coverage: readonly CoverageRow[];
  readonly activity: readonly (readonly [string, { readonly tried: number; readonly enabled: number }])[];
  readonly rssBytes: number;
}

/** A stored state's trace link, as `ask.<k>` answers it. */
export interface Link {
  readonly id: number;
  readonly parent: number;
  readonly ordinal: number;
  readonly fingerprint: readonly [number, number];
}

export function encode(value: unknown): Uint8Array {
  return serialize(value);
}

export function decode<T>(bytes: Uint8Array): T {
  return deserialize(bytes) as T;
}
