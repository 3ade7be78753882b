import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  initialGenerator,
  nextId,
  uniqueIds,
  type GeneratorState,
  type SnowflakeId,
  type UniqueIdsState,
} from "../../specs/unique-ids.js";
import { kvModel } from "../../src/history/models/kv.js";
import { choose, defineSpec, setAdd, setHas } from "../../src/index.js";
import { modelBasedTest, ModelDivergenceError, type Invocation } from "../../testing/index.js";

function divergence(run: () => unknown): ModelDivergenceError {
  try {
    run();
  } catch (error) {
    if (error instanceof ModelDivergenceError) return error;
    throw error;
  }
  throw new Error("expected the implementation to diverge");
}

// ---------------------------------------------------------------------------
// An in-memory key-value store with a read cache, against the kv model of
// interleave-check/history (get, put, append on string values).
// ---------------------------------------------------------------------------

class KvStore {
  private readonly data = new Map<string, string>();
  private readonly cache = new Map<string, string>();

  constructor(private readonly bug: "none" | "append-keeps-cache" = "none") {}

  get(key: string): string {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const value = this.data.get(key) ?? "";
    this.cache.set(key, value);
    return value;
  }

  put(key: string, value: string): void {
    this.data.set(key, value);
    this.cache.delete(key);
  }

  append(key: string, value: string): void {
    this.data.set(key, (this.data.get(key) ?? "") + value);
    if (this.bug !== "append-keeps-cache") this.cache.delete(key);
  }
}

const key = fc.constantFrom("x", "y");
const kvOps: fc.Arbitrary<Invocation> = fc.oneof(
  fc.record({ f: fc.constant("get"), key, input: fc.constant(null) }),
  fc.record({ f: fc.constant("put"), key, input: fc.constantFrom("a", "b") }),
  fc.record({ f: fc.constant("append"), key, input: fc.constantFrom("a", "b") }),
);

function runKv(kv: KvStore, op: Invocation): string | null {
  const k = op.key!;
  if (op.f === "get") return kv.get(k);
  if (op.f === "put") kv.put(k, op.input as string);
  else kv.append(k, op.input as string);
  return null;
}

const describeOp = (op: Invocation): string =>
  `${op.f}(${op.key}${op.input === null ? "" : `, ${JSON.stringify(op.input)}`})`;

describe("modelBasedTest against an operation model (kv)", () => {
  it("a correct store agrees with the model on 200 command sequences", () => {
    const r = modelBasedTest(kvModel, () => new KvStore(), {
      commands: kvOps,
      run: runKv,
      describe: describeOp,
      numRuns: 200,
      seed: 1,
    });
    expect(r).toEqual({ numRuns: 200, seed: 1 });
  });

  it("a stale read cache is caught and shrunk to get, append, get", () => {
    const e = divergence(() =>
      modelBasedTest(kvModel, () => new KvStore("append-keeps-cache"), {
        commands: kvOps,
        run: runKv,
        describe: describeOp,
        seed: 1,
      }),
    );
    expect(e.commands).toEqual(["get(y)", 'append(y, "a")', "get(y)"]);
    expect(e.divergence).toBe('get("y") -> "": not allowed by the kv model in state {"y":"a"}');
    expect(e.message).toContain(`replay with options { seed: 1, path: ${JSON.stringify(e.path)}`);
  });

  it("the printed seed, path and replayPath replay the same failure", () => {
    const options = { commands: kvOps, run: runKv, describe: describeOp, seed: 5 };
    const first = divergence(() => modelBasedTest(kvModel, () => new KvStore("append-keeps-cache"), options));
    const again = divergence(() =>
      modelBasedTest(kvModel, () => new KvStore("append-keeps-cache"), {
        ...options,
        path: first.path,
        ...(first.replayPath === undefined ? {} : { replayPath: first.replayPath }),
      }),
    );
    expect(again.commands).toEqual(first.commands);
    expect(again.divergence).toBe(first.divergence);
  });

  it("an exception from the implementation is a divergence too", () => {
    const e = divergence(() =>
      modelBasedTest(kvModel, () => new KvStore(), {
        commands: kvOps,
        run: (kv, op) => {
          if (op.f === "put" && op.input === "b") throw new Error("disk full");
          return runKv(kv, op);
        },
        describe: describeOp,
        seed: 1,
      }),
    );
    expect(e.commands).toEqual(['put(x, "b")']);
    expect(e.divergence).toBe('put(x, "b") threw: disk full');
  });
});

// ---------------------------------------------------------------------------
// A Snowflake id service built on the unique-ids spec's reducer (`nextId`),
// checked against the spec: every command must be a step the spec allows, and
// the ids it hands out must stay unique and increasing per node.
// ---------------------------------------------------------------------------

/** One id generator process: the spec's reducer, a clock, and storage that survives crashes (or not). */
class IdGenerator {
  /** The generator in process memory; lost on a crash, restored from `disk` on restart. */
  private memory: GeneratorState = initialGenerator;
  private disk: GeneratorState = initialGenerator;
  clock = 0;
  up = true;
  crashedAt = -1;
  /** The ids handed out (recorded by the test harness, as the spec's ghost `issued`). */
  readonly issued: SnowflakeId[] = [];

  constructor(
    readonly node: number,
    private readonly sequences: number,
    private readonly storage: "durable" | "volatile",
  ) {}

  /** The next id, or undefined when the generator must wait (clock behind, or sequence exhausted). */
  next(): SnowflakeId | undefined {
    const r = nextId(this.memory, this.clock, { node: this.node, sequences: this.sequences });
    if (r.type === "wait") return undefined;
    if (this.storage === "durable") this.disk = r.state; // persisted before the id is handed out
    this.memory = r.state;
    this.issued.push(r.id);
    return r.id;
  }

  crash(now: number): void {
    this.up = false;
    this.crashedAt = now;
  }

  restart(): void {
    this.memory = this.disk;
    this.up = true;
  }

  view(): ObservedNode {
    return { clock: this.clock, up: this.up, crashedAt: this.crashedAt, generator: this.memory, ids: [...this.issued] };
  }
}

/** Nodes sharing real time; NTP may step a node's clock back. */
class IdCluster {
  now = 0;
  crashes = 0;
  readonly nodes: IdGenerator[];

  constructor(nodes: number, sequences: number, storage: "durable" | "volatile") {
    this.nodes = Array.from({ length: nodes }, (_, i) => new IdGenerator(i, sequences, storage));
  }

  apply(c: Command): void {
    const node = "node" in c ? this.nodes[c.node]! : undefined;
    switch (c.type) {
      case "tick":
        this.now += 1;
        for (const n of this.nodes) n.clock += 1;
        return;
      case "stepBack":
        node!.clock = Math.max(0, this.now - c.by);
        return;
      case "generate":
        node!.next();
        return;
      case "crash":
        this.crashes += 1;
        node!.crash(this.now);
        return;
      case "restart":
        node!.restart();
        return;
    }
  }

  view(): Observed {
    return { now: this.now, nodes: this.nodes.map((n) => n.view()), crashes: this.crashes };
  }
}

/** What a node shows: its clock, whether it is up, its generator, and the ids it handed out. */
interface ObservedNode {
  readonly clock: number;
  readonly up: boolean;
  readonly crashedAt: number;
  readonly generator: GeneratorState;
  readonly ids: readonly SnowflakeId[];
}

/** What the cluster shows of itself; the spec's other ghosts (for k-sorting) are its own business. */
interface Observed {
  readonly now: number;
  readonly nodes: readonly ObservedNode[];
  readonly crashes: number;
}

/** The spec's ghost record of an issued id, with or without the real time it was made at. */
const idOf = (x: unknown): unknown => (typeof x === "object" && x !== null && "id" in x ? x.id : x);

/** A spec state as the cluster would show it. */
const project = (s: UniqueIdsState): Observed => ({
  now: s.now,
  crashes: s.crashes,
  nodes: s.nodes.map((n) => ({
    clock: n.clock,
    up: n.up,
    crashedAt: n.crashedAt,
    generator: n.generator,
    ids: n.issued.map(idOf) as SnowflakeId[],
  })),
});

type Command =
  | { readonly type: "tick" }
  | { readonly type: "stepBack"; readonly node: number; readonly by: number }
  | { readonly type: "generate"; readonly node: number }
  | { readonly type: "crash"; readonly node: number }
  | { readonly type: "restart"; readonly node: number };

const params = { nodes: 2, sequences: 2, skew: 1, crashes: 1 };

function commandsFor(nodes: number): fc.Arbitrary<Command> {
  const node = fc.nat({ max: nodes - 1 });
  return fc.oneof(
    fc.record({ type: fc.constant("generate" as const), node }),
    fc.constant({ type: "tick" as const }),
    fc.record({ type: fc.constant("stepBack" as const), node, by: fc.integer({ min: 1, max: params.skew }) }),
    fc.record({ type: fc.constant("crash" as const), node }),
    fc.record({ type: fc.constant("restart" as const), node }),
  );
}

/** The environment's assumptions, as the spec states them: who may crash, restart, make ids. */
function enabled(s: Observed, c: Command): boolean {
  if (c.type === "tick") return true;
  const n = s.nodes[c.node]!;
  switch (c.type) {
    case "generate":
      return n.up;
    case "stepBack":
      return Math.max(0, s.now - c.by) !== n.clock;
    case "crash":
      return n.up && s.crashes < params.crashes;
    case "restart":
      return !n.up && s.now > n.crashedAt;
  }
}

const describeCommand = (c: Command): string =>
  c.type === "tick" ? "tick" : c.type === "stepBack" ? `stepBack(n${c.node}, ${c.by})` : `${c.type}(n${c.node})`;

function idTest(
  storage: "durable" | "volatile",
  options: { variant?: string; nodes?: number; seed: number; numRuns?: number },
) {
  const nodes = options.nodes ?? params.nodes;
  return modelBasedTest(uniqueIds, () => new IdCluster(nodes, params.sequences, storage), {
    params: { ...params, nodes },
    ...(options.variant === undefined ? {} : { variant: options.variant }),
    commands: commandsFor(nodes),
    enabled,
    run: (cluster, c) => cluster.apply(c),
    view: (cluster) => cluster.view(),
    project,
    describe: describeCommand,
    seed: options.seed,
    numRuns: options.numRuns ?? 100,
  });
}

describe("modelBasedTest against a spec (unique-ids)", () => {
  it("a generator that persists its last timestamp refines the spec and never repeats an id", () => {
    expect(idTest("durable", { seed: 1, numRuns: 300 })).toEqual({ numRuns: 300, seed: 1 });
  });

  it("a generator that keeps its last timestamp in memory diverges from the spec at the restart", () => {
    const e = divergence(() => idTest("volatile", { seed: 1 }));
    const n = /n\d/.exec(e.commands[0] ?? "")?.[0];
    expect(e.commands).toEqual([`generate(${n})`, `crash(${n})`, "tick", `restart(${n})`]);
    expect(e.divergence).toMatch(
      new RegExp(
        `^after restart\\(${n}\\), the implementation's state is not one step of spec "unique-ids" from the previous state; it changed:\n`,
      ),
    );
    // Nodes are an array: the diff names the node by index and the field that changed.
    const i = n!.slice(1);
    expect(e.divergence.split("\n").slice(1, 3)).toEqual([
      `    nodes[${i}].up: false → true`,
      `    nodes[${i}].generator.lastTimestamp: 0 → -1`,
    ]);
  });

  it("checked against the spec's volatile variant, it refines it and reissues an id: idsAreUnique breaks", () => {
    // One node is enough to reissue an id: make ids, crash, restart with the clock stepped back.
    const e = divergence(() =>
      idTest("volatile", { variant: "volatile-last-timestamp", nodes: 1, seed: 1, numRuns: 2000 }),
    );
    expect(e.divergence).toMatch(/^after generate\(n0\), its state violates "idsAreUnique" of spec "unique-ids"/);
    expect(e.commands).toHaveLength(6);
    expect(e.commands.filter((c) => c.startsWith("generate"))).toEqual(["generate(n0)", "generate(n0)"]);
  });

  it("an implementation that does not start where the spec starts is reported at once", () => {
    const e = divergence(() =>
      modelBasedTest(uniqueIds, () => new IdCluster(3, params.sequences, "durable"), {
        params,
        commands: commandsFor(params.nodes),
        run: (cluster, c) => cluster.apply(c),
        view: (cluster) => cluster.view(),
        project,
        seed: 1,
      }),
    );
    expect(e.commands).toEqual([]);
    expect(e.divergence).toMatch(
      /^the implementation starts in a state that is not an initial state of spec "unique-ids"/,
    );
  });
});

describe("modelBasedTest reports a divergence as the spec's trace diffs do", () => {
  /** A membership spec: `members` is a declared set, `log` a sequence. */
  const membership = defineSpec({
    name: "membership",
    description: "nodes join; each join is logged",
    sets: ["members"],
    init: () => [{ members: [] as readonly string[], log: [] as readonly string[] }],
    actions: {
      Join: choose(
        () => ["a", "b"],
        (s: { members: readonly string[]; log: readonly string[] }, n: string) =>
          setHas(s.members, n) ? undefined : { members: setAdd(s.members, n), log: [...s.log, n] },
      ),
    },
    properties: {},
  });
  /** Joins twice under the wrong name: adds "c" where the spec adds "b". */
  class Group {
    members: string[] = [];
    log: string[] = [];
    join(n: string): void {
      const who = n === "b" ? "c" : n;
      this.members = [...this.members, who].sort();
      this.log.push(who);
    }
  }

  it("declared sets by membership, sequences by index", () => {
    const e = divergence(() =>
      modelBasedTest(membership, () => new Group(), {
        commands: fc.constantFrom("a", "b"),
        run: (g, n) => g.join(n),
        view: (g) => ({ members: g.members, log: [...g.log] }),
        enabled: (v, n) => !v.members.includes(n),
        seed: 1,
      }),
    );
    expect(e.divergence.split("\n").slice(1, 4)).toEqual([
      '    members: + "c"',
      '    log[0]: (absent) → "c"',
      "the spec's enabled actions: Join(a), Join(b)",
    ]);
  });
});
