/**
 * The nemesis: a schedule of faults computed from a seed (so it repeats
 * exactly; the run itself cannot, real time and scheduling decide the rest)
 * and applied to a running cluster.
 *
 * Faults, each held for 1.5 to 3.5 s and followed by 1 to 2 s of calm:
 * - `partition`: the nodes split into two groups that cannot talk;
 * - `kill`: kill -9 of one node process, restarted (with its durable file) when the fault ends;
 * - `delay`: every message waits 0 to 5..50 ms, so messages reorder;
 * - `duplicate`: every message is sent twice with probability 0.1 to 0.5;
 * - `isolate-leader`: the targeted scenario "isolate the leader, write on the
 *   majority side, read from the old leader", run by the caller (it needs clients).
 */
import { OptionError } from "../spec.js";
import { HEALTHY, type NetFaults } from "./host.js";
import { seededRandom } from "./seeded-random.js";

/** The faults the nemesis knows. */
export const NEMESIS_FAULTS = ["partition", "kill", "delay", "duplicate", "isolate-leader"] as const;
export type NemesisFault = (typeof NEMESIS_FAULTS)[number];

/** One scheduled step. `at` is in ms from the start of the run. */
export type NemesisEvent =
  | { readonly at: number; readonly type: "partition"; readonly groups: readonly (readonly string[])[] }
  | { readonly at: number; readonly type: "kill"; readonly node: string }
  | { readonly at: number; readonly type: "restart"; readonly node: string }
  | { readonly at: number; readonly type: "delay"; readonly ms: readonly [number, number] }
  | { readonly at: number; readonly type: "duplicate"; readonly probability: number }
  | { readonly at: number; readonly type: "isolate-leader" }
  | { readonly at: number; readonly type: "heal" };

/** Parses `--nemesis a,b,c`. */
export function parseNemesis(text: string): NemesisFault[] {
  const faults = text
    .split(",")
    .map((f) => f.trim())
    .filter((f) => f !== "" && f !== "none");
  for (const f of faults) {
    if (!(NEMESIS_FAULTS as readonly string[]).includes(f))
      throw new OptionError(`unknown nemesis fault "${f}"; faults: ${NEMESIS_FAULTS.join(", ")}`);
  }
  return [...new Set(faults)] as NemesisFault[];
}

const SETTLE_MS = 2000;

/**
 * The schedule for a run of `durationMs` over `nodes`: faults from `faults`
 * in a seeded order, one at a time, none in the first 2 s (the cluster
 * elects a leader) and every one ended before the run ends.
 */
export function nemesisSchedule(
  seed: number,
  faults: readonly NemesisFault[],
  nodes: readonly string[],
  durationMs: number,
): NemesisEvent[] {
  const random = seededRandom(seed);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const events: NemesisEvent[] = [];
  if (faults.length === 0) return events;
  let at = SETTLE_MS;
  for (;;) {
    const fault = faults[Math.floor(random() * faults.length)]!;
    // The isolate-leader scenario waits for an election and two writes: it gets longer.
    const length = fault === "isolate-leader" ? between(4000, 5000) : between(1500, 3500);
    if (at + length > durationMs - 500) break;
    switch (fault) {
      case "partition": {
        const shuffled = nodes.map((n) => ({ n, k: random() })).sort((x, y) => x.k - y.k);
        const cut = between(1, Math.max(1, nodes.length - 1));
        const order = shuffled.map((x) => x.n);
        events.push({ at, type: "partition", groups: [order.slice(0, cut), order.slice(cut)] });
        events.push({ at: at + length, type: "heal" });
        break;
      }
      case "kill": {
        const node = nodes[Math.floor(random() * nodes.length)]!;
        events.push({ at, type: "kill", node }, { at: at + length, type: "restart", node });
        break;
      }
      case "delay":
        events.push({ at, type: "delay", ms: [0, between(5, 50)] }, { at: at + length, type: "heal" });
        break;
      case "duplicate":
        events.push({ at, type: "duplicate", probability: between(10, 50) / 100 }, { at: at + length, type: "heal" });
        break;
      case "isolate-leader":
        events.push({ at, type: "isolate-leader" }, { at: at + length, type: "heal" });
        break;
    }
    at += length + between(1000, 2000);
  }
  return events;
}

/** The faults of each node for a partition into `groups`. */
export function partitionFaults(
  nodes: readonly string[],
  groups: readonly (readonly string[])[],
): Map<string, NetFaults> {
  const out = new Map<string, NetFaults>();
  for (const node of nodes) {
    const mine = groups.find((g) => g.includes(node)) ?? [node];
    out.set(node, { ...HEALTHY, blocked: nodes.filter((n) => !mine.includes(n)) });
  }
  return out;
}

/** A one-line description of an event, for the run's log. */
export function describeEvent(e: NemesisEvent): string {
  const at = `${(e.at / 1000).toFixed(1)}s`;
  switch (e.type) {
    case "partition":
      return `${at} partition ${e.groups.map((g) => `[${g.join(" ")}]`).join(" | ")}`;
    case "kill":
      return `${at} kill -9 ${e.node}`;
    case "restart":
      return `${at} restart ${e.node}`;
    case "delay":
      return `${at} delay messages ${e.ms[0]}-${e.ms[1]} ms`;
    case "duplicate":
      return `${at} duplicate messages with probability ${e.probability}`;
    case "isolate-leader":
      return `${at} isolate the leader, write on the majority side, read from the old leader`;
    case "heal":
      return `${at} heal`;
  }
}
