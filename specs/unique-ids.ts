/**
 * Snowflake-style unique ids (Twitter, 2010): every node makes ids on its own,
 * with no coordination, as (timestamp, node, sequence). The timestamp is the
 * node's clock reading, the node number keeps nodes apart, and the sequence
 * counts ids within one clock tick. Ids sort by timestamp, so ids made more
 * than K ticks apart (K the clock-skew bound) are in time order: "k-sorted".
 *
 * What makes it subtle is time: clocks drift and get stepped back by NTP, and
 * nodes restart. The generator refuses to issue while its clock is behind the
 * last timestamp it used, and waits for the next tick when a tick's sequence
 * numbers run out; that last timestamp (with its sequence) must survive a
 * restart, or a node whose clock moved back reissues ids it already gave out.
 *
 * The model: real time advances in ticks; each node's clock runs with real
 * time but may be stepped anywhere within `skew` ticks behind it (clocks that
 * lag real time by at most K are within K of each other); nodes crash and
 * restart (a restart takes at least one tick).
 */
import { produce } from "immer";
import { match } from "ts-pattern";
import { become, choose, defineRole, defineSpec, int, invariant, reply, type MaelstromMapping } from "../src/index.js";

/** A Snowflake id: the generator's clock reading, its node number and a sequence number within the tick. */
export interface SnowflakeId {
  readonly timestamp: number;
  readonly node: number;
  readonly sequence: number;
}

/**
 * What a generator remembers between ids. Applications must persist it (or a
 * timestamp at or above `lastTimestamp`) before handing an id out, and restore
 * it on restart: it is what keeps a restarted node from reissuing ids after
 * its clock moved back.
 */
export interface GeneratorState {
  /** The timestamp of the last id issued, or -1 before the first. */
  readonly lastTimestamp: number;
  /** The sequence number of the last id issued within `lastTimestamp`. */
  readonly sequence: number;
}

/** A generator's fixed configuration. */
export interface GeneratorConfig {
  /** This node's number, unique among the nodes (10 bits in Twitter's layout). */
  readonly node: number;
  /** How many ids fit in one tick: 2^sequenceBits (4096 in Twitter's layout). */
  readonly sequences: number;
}

/** The answer of `nextId`: an id with the generator's next state, or a reason to retry at a later clock reading. */
export type NextIdResult =
  | { readonly type: "issued"; readonly id: SnowflakeId; readonly state: GeneratorState }
  | { readonly type: "wait"; readonly reason: "clock-behind-last-id" | "sequence-exhausted" };

/** A generator that has issued nothing yet. */
export const initialGenerator: GeneratorState = { lastTimestamp: -1, sequence: 0 };

/**
 * The generator's step: the next id at clock reading `clock`. It never goes
 * back in time: while the clock reads less than the last timestamp used it
 * waits, and when a tick's sequence numbers are used up it waits for the next
 * tick.
 * @example
 * const r = nextId(initialGenerator, 7, { node: 3, sequences: 4096 });
 * // { type: "issued", id: { timestamp: 7, node: 3, sequence: 0 }, state: { lastTimestamp: 7, sequence: 0 } }
 */
export function nextId(state: GeneratorState, clock: number, config: GeneratorConfig): NextIdResult {
  if (clock < state.lastTimestamp) return { type: "wait", reason: "clock-behind-last-id" };
  if (clock === state.lastTimestamp) {
    const sequence = state.sequence + 1;
    if (sequence >= config.sequences) return { type: "wait", reason: "sequence-exhausted" };
    return issued(clock, sequence, config);
  }
  return issued(clock, 0, config);
}

function issued(timestamp: number, sequence: number, config: GeneratorConfig): NextIdResult {
  return {
    type: "issued",
    id: { timestamp, node: config.node, sequence },
    state: { lastTimestamp: timestamp, sequence },
  };
}

/** Orders ids as their 64-bit encodings do: by timestamp, then node, then sequence. */
export function compareIds(a: SnowflakeId, b: SnowflakeId): number {
  return a.timestamp - b.timestamp || a.node - b.node || a.sequence - b.sequence;
}

/**
 * The 64-bit integer of an id, in Twitter's layout by default (41 bits of
 * timestamp, 10 of node, 12 of sequence); integers order as `compareIds`.
 * @example encodeId({ timestamp: 1, node: 2, sequence: 3 }) // 4202499n
 */
export function encodeId(
  id: SnowflakeId,
  layout: { readonly nodeBits: number; readonly sequenceBits: number } = { nodeBits: 10, sequenceBits: 12 },
): bigint {
  const { nodeBits, sequenceBits } = layout;
  return (
    (BigInt(id.timestamp) << BigInt(nodeBits + sequenceBits)) |
    (BigInt(id.node) << BigInt(sequenceBits)) |
    BigInt(id.sequence)
  );
}

/** One node of the model: its clock, whether it is up, its generator and the ids it issued in order. */
export interface IdNode {
  readonly clock: number;
  readonly up: boolean;
  /** Real time of the last crash, or -1. */
  readonly crashedAt: number;
  readonly generator: GeneratorState;
  /** Ghost: the ids this node issued, in order. */
  readonly issued: readonly IssuedId[];
}

/** An id the model saw issued, with the real time it was made at (a ghost the properties read). */
export interface IssuedId {
  readonly id: SnowflakeId;
  readonly at: number;
}

/** The state of the model: real time, the nodes (index = node number) and crashes used. */
export interface UniqueIdsState {
  readonly now: number;
  readonly nodes: readonly IdNode[];
  readonly crashes: number;
}

/** Parameter values of the spec. */
export interface UniqueIdsParams {
  readonly nodes: number;
  readonly sequences: number;
  readonly skew: number;
  readonly horizon: number;
  readonly crashes: number;
  readonly ids: number;
}

type Generate = typeof nextId;
type Recover = (persisted: GeneratorState) => GeneratorState;

const nodeNumbers = (s: UniqueIdsState): number[] => s.nodes.map((_, i) => i);
const nodeLabel = (i: number): string => `node ${i}`;

/** Generate(i): node i asks its generator for an id at its clock reading. */
function generateWith(generate: Generate) {
  return choose(
    nodeNumbers,
    (s: UniqueIdsState, i: number, p: UniqueIdsParams) => {
      const node = s.nodes[i]!;
      if (!node.up) return undefined;
      return match(generate(node.generator, node.clock, { node: i, sequences: p.sequences }))
        .with({ type: "wait" }, () => undefined)
        .with({ type: "issued" }, (r) =>
          produce(s, (d) => {
            const n = d.nodes[i]!;
            n.generator = r.state;
            n.issued.push({ id: r.id, at: s.now });
          }),
        )
        .exhaustive();
    },
    nodeLabel,
  );
}

/** Restart(i): a crashed node comes back (at least a tick later) with what `recover` gives it of its generator. */
function restartWith(recover: Recover) {
  return choose(
    nodeNumbers,
    (s: UniqueIdsState, i: number) => {
      const node = s.nodes[i]!;
      if (node.up || s.now <= node.crashedAt) return undefined;
      return produce(s, (d) => {
        const n = d.nodes[i]!;
        n.up = true;
        n.generator = recover(node.generator);
      });
    },
    nodeLabel,
  );
}

/** The generator that wraps its sequence to 0 instead of waiting for the next tick. */
const nextIdWrapping: Generate = (state, clock, config) =>
  match(nextId(state, clock, config))
    .with({ type: "wait", reason: "sequence-exhausted" }, (): NextIdResult => issued(clock, 0, config))
    .otherwise((r) => r);

/** The clock steps NTP may make: any node to any reading from `lowest` (never below 0) up to real time. */
function clockSteps(s: UniqueIdsState, options: { readonly lowest: number }): { node: number; clock: number }[] {
  const steps: { node: number; clock: number }[] = [];
  s.nodes.forEach((node, i) => {
    for (let c = Math.max(0, options.lowest); c <= s.now; c++) if (c !== node.clock) steps.push({ node: i, clock: c });
  });
  return steps;
}

function stepClock(s: UniqueIdsState, step: { node: number; clock: number }): UniqueIdsState {
  return produce(s, (d) => {
    d.nodes[step.node]!.clock = step.clock;
  });
}

const stepLabel = (step: { node: number; clock: number }): string => `node ${step.node} to ${step.clock}`;

/** Snowflake ids on `nodes` nodes whose clocks step back within `skew` ticks and that crash and restart. */
export const uniqueIds = defineSpec({
  name: "unique-ids",
  description:
    "Snowflake ids (timestamp, node, sequence) under clocks stepped back within a skew bound and node restarts",
  params: {
    nodes: int(2, { min: 1, max: 4, description: "nodes making ids" }),
    sequences: int(2, { min: 1, max: 8, description: "ids per tick (2^sequence bits)" }),
    skew: int(1, { min: 0, max: 3, description: "K: how far behind real time a clock may be stepped" }),
    horizon: int(2, { min: 0, max: 8, description: "real-time ticks explored (model bound)" }),
    crashes: int(1, { min: 0, max: 3, description: "node crashes per run (model bound)" }),
    ids: int(3, { min: 1, max: 8, description: "ids each node makes per run (model bound)" }),
  },
  init: (p) => [
    {
      now: 0,
      nodes: Array.from({ length: p.nodes }, (): IdNode => ({
        clock: 0,
        up: true,
        crashedAt: -1,
        generator: initialGenerator,
        issued: [],
      })),
      crashes: 0,
    },
  ],
  actions: {
    Tick: (s) =>
      produce(s, (d) => {
        d.now += 1;
        for (const n of d.nodes) n.clock += 1;
      }),
    StepClock: choose(
      (s: UniqueIdsState, p: UniqueIdsParams) => clockSteps(s, { lowest: s.now - p.skew }),
      stepClock,
      stepLabel,
    ),
    Generate: generateWith(nextId),
    Crash: choose(
      nodeNumbers,
      (s: UniqueIdsState, i: number, p: UniqueIdsParams) =>
        !s.nodes[i]!.up || s.crashes >= p.crashes
          ? undefined
          : produce(s, (d) => {
              d.crashes += 1;
              d.nodes[i]!.up = false;
              d.nodes[i]!.crashedAt = s.now;
            }),
      nodeLabel,
    ),
    // The generator's state is durable: restored as persisted.
    Restart: restartWith((persisted) => persisted),
  },
  constraint: (s, p) => s.now <= p.horizon && s.nodes.every((n) => n.issued.length < p.ids),
  properties: {
    idsAreUnique: invariant<UniqueIdsState>((s) => {
      const keys = s.nodes.flatMap((n) => n.issued.map(({ id }) => `${id.timestamp}.${id.node}.${id.sequence}`));
      return new Set(keys).size === keys.length;
    }, "no id is issued twice, by any node, across restarts"),
    idsIncreasePerNode: invariant<UniqueIdsState>(
      (s) => s.nodes.every((n) => n.issued.every(({ id }, k) => k === 0 || compareIds(n.issued[k - 1]!.id, id) < 0)),
      "each node's ids strictly increase in the order it issues them",
    ),
    idsAreKSorted: invariant<UniqueIdsState, UniqueIdsParams>((s, p) => {
      const all = s.nodes.flatMap((n) => n.issued);
      return all.every((a) => all.every((b) => b.at - a.at <= p.skew || compareIds(a.id, b.id) < 0));
    }, "ids made more than `skew` ticks apart (real time) are in time order"),
  },
  variants: {
    "volatile-last-timestamp": {
      description:
        "the generator's last timestamp lives only in memory: a node restarted after its clock moved back reissues ids",
      violates: "idsAreUnique",
      actions: { Restart: restartWith(() => initialGenerator) },
    },
    "sequence-overflow-no-wait": {
      description:
        "when a tick's sequence numbers run out the generator wraps to 0 instead of waiting for the next tick",
      violates: "idsAreUnique",
      actions: { Generate: generateWith(nextIdWrapping) },
    },
    "clock-beyond-skew": {
      description:
        "NTP may step a clock back further than the skew bound: ids made more than K ticks apart come out of order",
      violates: "idsAreKSorted",
      actions: { StepClock: choose((s: UniqueIdsState) => clockSteps(s, { lowest: 0 }), stepClock, stepLabel) },
    },
  },
});

// ---------------------------------------------------------------------------
// The generator as a node: Maelstrom's unique-ids workload.
// ---------------------------------------------------------------------------

/** A request for an id, with the node's clock reading: time enters the reducer as an input. */
export interface GenerateRequest {
  readonly type: "Generate";
  readonly clock: number;
}

/** The id made for a request. */
export interface Issued {
  readonly type: "Issued";
  readonly id: SnowflakeId;
}

/** Ids per clock tick of a node (2^12, Twitter's layout). */
export const NODE_SEQUENCES = 4096;
/** How many nodes the 10 bits of Twitter's layout number. */
const NODE_NUMBERS = 1024;

/** A node's number: its position among the nodes (the 10-bit field of the id). */
function nodeNumber(ctx: { readonly self: string; readonly nodes: readonly string[] }): number {
  const n = ctx.nodes.indexOf(ctx.self);
  if (n < 0 || n >= NODE_NUMBERS) throw new Error(`node ${ctx.self} must be one of the first ${NODE_NUMBERS} nodes`);
  return n;
}

/**
 * A generator node: `nextId` with the node's number and Twitter's sequence
 * bits. A request it cannot serve at this clock reading (the clock is behind
 * the last id, or the tick's ids are used up) is not taken: no id, no change.
 */
export const idGenerator = defineRole<GeneratorState, GenerateRequest, Issued>({
  init: () => initialGenerator,
  durable: ["lastTimestamp", "sequence"],
  reduce: (s, input, ctx) => {
    const r = nextId(s, input.clock, { node: nodeNumber(ctx), sequences: NODE_SEQUENCES });
    return r.type === "wait" ? become(s) : become(r.state, reply(ctx, { type: "Issued", id: r.id }));
  },
});

/**
 * Maelstrom's unique-ids workload: `generate` becomes `Generate` at the
 * node's clock; the id is its 64-bit integer as a decimal string (beyond
 * JSON's exact integers). A node that has no durable state to restore
 * starts as if it had used up the current tick, so a restarted node's first
 * id is in a later tick than any its previous life issued (as long as the
 * clock did not move back across the restart).
 */
export const uniqueIdsMaelstrom: MaelstromMapping<GeneratorState, GenerateRequest, Issued> = {
  workload: "unique-ids",
  role: idGenerator,
  roleName: "node",
  init: (setup, now) => {
    nodeNumber(setup);
    return { lastTimestamp: now, sequence: NODE_SEQUENCES - 1 };
  },
  request: (body, { now }) => (body.type === "generate" ? { type: "Generate", clock: now } : undefined),
  reply: (msg) => ({ type: "generate_ok", id: encodeId(msg.id).toString() }),
  peer: () => undefined,
};
