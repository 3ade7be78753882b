/** What a node process and the cluster that started it tell each other (node-main.ts, cluster.ts). */
import { join } from "node:path";
import type { NodeStatus } from "./binding.js";
import type { LearnedJson } from "./derive.js";
import type { SpecRef } from "./spec-ref.js";
import type { HostStats, NetFaults } from "./host.js";
import type { InputLogLimits } from "./input-log.js";
import type { TransportKind } from "./transport.js";

/** What a node process is told at start. */
export interface NodeConfig {
  /** Where the node finds the spec it runs. */
  readonly spec: SpecRef;
  /** What the orchestrator learned from the spec's model (message shapes, client roles). */
  readonly learned?: LearnedJson;
  readonly variant?: string;
  readonly self: string;
  readonly nodes: readonly string[];
  readonly transport: TransportKind;
  /** 0 the first time (the OS picks); the same port after a restart. */
  readonly port: number;
  /** The run directory: durable files and input logs go to `nodes/`. */
  readonly dir: string;
  readonly params: Readonly<Record<string, number | boolean | string>>;
  /** Model parameters set for the run, over the spec's runtime defaults. */
  readonly modelParams?: Readonly<Record<string, number | boolean | string>>;
  /** On a restart, the peers are already known. */
  readonly ports?: Readonly<Record<string, number>>;
  readonly clientPort?: number;
  readonly faults?: NetFaults;
  /** Input-log rotation (absent: the defaults). */
  readonly inputLog?: InputLogLimits;
}

/** Messages from the parent. */
export type ToNode =
  | { readonly type: "start"; readonly ports: Readonly<Record<string, number>>; readonly clientPort: number }
  | { readonly type: "faults"; readonly faults: NetFaults }
  /** A peer restarted on a new port. */
  | { readonly type: "ports"; readonly ports: Readonly<Record<string, number>> }
  | { readonly type: "stats" }
  | { readonly type: "stop" };

/** Messages to the parent. */
export type FromNode =
  | { readonly type: "listening"; readonly port: number }
  | { readonly type: "status"; readonly status: NodeStatus }
  | { readonly type: "stats"; readonly stats: HostStats }
  | { readonly type: "fatal"; readonly error: string };

/** Where a node keeps its files in the run directory. */
export function nodeFiles(dir: string, node: string): { durable: string; inputs: string; log: string } {
  return {
    durable: join(dir, "nodes", `${node}.durable.jsonl`),
    inputs: join(dir, "nodes", `${node}.inputs.jsonl`),
    log: join(dir, "nodes", `${node}.log`),
  };
}
