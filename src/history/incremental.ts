import { HistoryParseError } from "./errors.js";
import { canonicalJson } from "./json.js";
import { checkLinearizability, type CheckOptions } from "./linearizability.js";
import { ignoreFailed, type AnyModel } from "./model.js";
import type { Operation, OperationStatus } from "./operations.js";
import type { CheckReport } from "./result.js";
import type { History, HistoryEvent, Json } from "./types.js";

/** Options of {@link createIncrementalChecker}. */
export interface IncrementalOptions extends CheckOptions {
  /** Cached prefixes kept before the cache is emptied; default 100,000. */
  readonly maxCachedPrefixes?: number;
  /**
   * Configurations a frontier may reach at one event before this prefix and
   * its extensions fall back to a full search per history; default 2,000.
   */
  readonly maxFrontier?: number;
}

/** Counters of an {@link IncrementalChecker}, for tests and tuning. */
export interface IncrementalStats {
  /** Prefixes currently cached. */
  readonly cachedPrefixes: number;
  /** Events processed (not found in the cache). */
  readonly eventsProcessed: number;
  /** Events found in the cache. */
  readonly eventsReused: number;
  /**
   * Configurations kept by the completions processed, summed: the size of
   * each new frontier (what deduplication and pruning keep small).
   */
  readonly configurations: number;
}

/** A linearizability checker that remembers the work done on every prefix it has seen. */
export interface IncrementalChecker {
  /**
   * Checks a history. Work is shared with every history checked before that
   * has a common prefix: only the events after the longest cached prefix are
   * processed. The report's `witness` is empty; a violation is explained by a
   * full {@link checkLinearizability} run (only then).
   */
  check(history: History): CheckReport;
  /** Whether a history is linearizable (`unknown` counts as not known to be). */
  isLinearizable(history: History): boolean;
  readonly stats: IncrementalStats;
  /** Forgets every cached prefix. */
  clear(): void;
}

/**
 * Creates a linearizability checker for histories that grow: a model
 * checker checking the client history in every state sees each history
 * extended by one event from its parent's. Checking the extension then costs
 * one step, not a whole search.
 *
 * It keeps, for every prefix seen (in a trie keyed by events), the frontier of
 * Lowe's just-in-time linearization: the set of configurations (state, and the
 * still-pending operations linearized early with the state they started from)
 * reachable by linearizations of that prefix. An invocation adds nothing; a
 * completion keeps the configurations where the operation can be linearized by
 * then; a prefix with an empty frontier is not linearizable, and neither is any
 * extension of it. When a frontier would grow past `maxFrontier` (many
 * concurrent operations of unknown outcome), that prefix and its extensions
 * are decided by the full search instead, each once.
 *
 * @example
 * const checker = createIncrementalChecker(registerModel);
 * // in every state of a spec:
 * const ok = checker.isLinearizable(state.history);
 */
export function createIncrementalChecker(model: AnyModel, options: IncrementalOptions = {}): IncrementalChecker {
  return new Incremental(model, options);
}

/** An operation as the incremental checker tracks it. */
interface TrackedOp {
  /** Unique over the checker's lifetime (distinct histories get distinct serials). */
  readonly serial: number;
  readonly id: number;
  readonly process: number | string;
  readonly f: string;
  readonly key?: string;
  readonly input: Json;
  readonly partition: string;
  readonly call: number;
}

/** A configuration: a state and the pending operations linearized early (serial, from-state, to-state). */
interface Config {
  readonly state: number;
  readonly early: readonly (readonly [number, number, number])[];
}

/** Per partition: pending operations and the frontier. */
interface Frontier {
  readonly pending: readonly TrackedOp[];
  /** Serials of pending operations whose outcome is now known to be unknown. */
  readonly unknown: ReadonlySet<number>;
  readonly configs: readonly Config[];
}

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  /** Pending operation of each process. */
  readonly open: ReadonlyMap<number | string, TrackedOp>;
  readonly frontiers: ReadonlyMap<string, Frontier>;
  readonly operations: number;
  /** Once a prefix is not linearizable, no extension is. */
  readonly violated: boolean;
  /**
   * The frontier grew past its limit at this prefix or before: verdicts here
   * come from a full search (remembered in `verdict`).
   */
  readonly fallback: boolean;
  verdict?: CheckReport;
}

const DEFAULT_MAX_FRONTIER = 2000;

const EMPTY_FRONTIER: Frontier = { pending: [], unknown: new Set(), configs: [] };

class Incremental implements IncrementalChecker {
  private root: TrieNode;
  private nodes = 1;
  private serials = 0;
  private processed = 0;
  private reused = 0;
  private configurations = 0;
  private readonly stateIds = new Map<unknown, number>();
  private readonly states: unknown[] = [];
  private readonly transitions = new Map<string, readonly number[]>();
  private readonly initial: number;
  private readonly maxNodes: number;

  constructor(
    private readonly model: AnyModel,
    private readonly options: IncrementalOptions,
  ) {
    this.initial = this.intern(model.init());
    this.root = this.emptyRoot();
    this.maxNodes = options.maxCachedPrefixes ?? 100_000;
  }

  get stats(): IncrementalStats {
    return {
      cachedPrefixes: this.nodes,
      eventsProcessed: this.processed,
      eventsReused: this.reused,
      configurations: this.configurations,
    };
  }

  clear(): void {
    this.root = this.emptyRoot();
    this.nodes = 1;
  }

  isLinearizable(history: History): boolean {
    const { node } = this.walk(history);
    if (node.violated) return false;
    if (!node.fallback) return true;
    return this.check(history).result === "linearizable";
  }

  check(history: History): CheckReport {
    const start = performance.now();
    const { node } = this.walk(history);
    const partitions = node.frontiers.size;
    const base = {
      consistency: "linearizable" as const,
      model: this.model.name ?? "custom",
      operations: node.operations,
      partitions,
      configurations: 0,
      durationMs: 0,
      partitionSummaries: [],
    };
    if (node.violated) {
      const full = checkLinearizability(history, this.model, this.options);
      if (full.result === "violation") return full;
      // The full search ran out of budget: still a violation, unexplained.
      return {
        ...base,
        durationMs: performance.now() - start,
        result: "violation",
        violations: [
          {
            partition: null,
            message:
              "no linearization of this history exists (found incrementally; the explanation search ran out of budget)",
            prefix: [],
            state: "",
            stuck: [],
          },
        ],
      };
    }
    if (node.fallback) {
      node.verdict ??= checkLinearizability(history, this.model, this.options);
      return node.verdict;
    }
    return { ...base, durationMs: performance.now() - start, result: "linearizable", witness: [] };
  }

  /**
   * Follows the trie along the history, extending it where needed. A full
   * cache is emptied once per walk: the history's own path is then kept
   * whole, even when it is longer than the limit.
   */
  private walk(history: History, emptied = false): { node: TrieNode } {
    let node = this.root;
    for (let i = 0; i < history.length; i++) {
      const event = history[i]!;
      const key = eventKey(event);
      let child = node.children.get(key);
      if (child === undefined) {
        if (this.nodes >= this.maxNodes && !emptied) {
          // Keep memory bounded: forget everything and recompute this history from scratch.
          this.clear();
          return this.walk(history, true);
        }
        child = this.step(node, event, i);
        node.children.set(key, child);
        this.nodes++;
        this.processed++;
      } else {
        this.reused++;
      }
      node = child;
    }
    return { node };
  }

  /** The node for `parent`'s prefix extended by `event` (the `index`-th event). */
  private step(parent: TrieNode, event: HistoryEvent, index: number): TrieNode {
    const at = { file: "<history>", line: index + 1 };
    if (event.type === "invoke") {
      const open = parent.open.get(event.process);
      if (open !== undefined)
        throw new HistoryParseError(
          at,
          `process ${String(event.process)} invokes :${event.f} while its :${open.f} is still pending`,
        );
      const op: TrackedOp = {
        serial: this.serials++,
        id: parent.operations,
        process: event.process,
        f: event.f,
        ...(event.key === undefined ? {} : { key: event.key }),
        input: event.value,
        partition: "",
        call: index,
      };
      const partition =
        this.model.partition === undefined || this.options.partition === false
          ? ""
          : this.model.partition(this.view(op, "unknown", null));
      const tracked = { ...op, partition };
      const openNext = new Map(parent.open);
      openNext.set(event.process, tracked);
      if (parent.violated || parent.fallback)
        return this.inherit(parent, { open: openNext, operations: parent.operations + 1 });
      const frontier = parent.frontiers.get(partition) ?? {
        ...EMPTY_FRONTIER,
        configs: [{ state: this.initial, early: [] }],
      };
      const frontiers = new Map(parent.frontiers);
      frontiers.set(partition, { ...frontier, pending: [...frontier.pending, tracked] });
      return {
        children: new Map(),
        open: openNext,
        frontiers,
        operations: parent.operations + 1,
        violated: false,
        fallback: false,
      };
    }
    const op = parent.open.get(event.process);
    if (op === undefined)
      throw new HistoryParseError(
        at,
        `process ${String(event.process)} completes :${event.f} (:${event.type}) without a pending invocation`,
      );
    if (op.f !== event.f)
      throw new HistoryParseError(at, `process ${String(event.process)} completes :${event.f} but invoked :${op.f}`);
    const openNext = new Map(parent.open);
    openNext.delete(event.process);
    if (parent.violated || parent.fallback)
      return this.inherit(parent, { open: openNext, operations: parent.operations });
    const frontier = parent.frontiers.get(op.partition)!;
    const status: OperationStatus = event.type === "ok" ? "ok" : event.type === "fail" ? "fail" : "unknown";
    const output = status === "unknown" ? null : event.value;
    const completed = this.view(op, status, output, index);
    const ignored = (this.model.ignore ?? ignoreFailed)(completed);
    let next: Frontier | "stopped";
    if (ignored) next = this.drop(frontier, op);
    else if (status === "unknown") next = this.becomeUnknown(frontier, op);
    else next = this.complete(frontier, op, completed);
    if (next === "stopped")
      return {
        children: new Map(),
        open: openNext,
        frontiers: new Map(),
        operations: parent.operations,
        violated: false,
        fallback: true,
      };
    this.configurations += next.configs.length;
    const frontiers = new Map(parent.frontiers);
    frontiers.set(op.partition, next);
    return {
      children: new Map(),
      open: openNext,
      frontiers,
      operations: parent.operations,
      violated: next.configs.length === 0,
      fallback: false,
    };
  }

  /**
   * A child of a violated prefix is violated (no extension of a
   * non-linearizable history is linearizable); a child of a fallback prefix
   * falls back too, unless the parent's full search already found a violation.
   */
  private inherit(
    parent: TrieNode,
    changes: { open: ReadonlyMap<number | string, TrackedOp>; operations: number },
  ): TrieNode {
    const violated = parent.violated || parent.verdict?.result === "violation";
    return { children: new Map(), frontiers: new Map(), violated, fallback: parent.fallback && !violated, ...changes };
  }

  /**
   * The operation's outcome is now unknown: it never completes, so where an
   * early linearization of it started and ended no longer matters, only
   * whether it was applied.
   */
  private becomeUnknown(frontier: Frontier, op: TrackedOp): Frontier {
    const unknown = new Set([...frontier.unknown, op.serial]);
    const configs = frontier.configs.map((c) =>
      c.early.some(([s]) => s === op.serial)
        ? {
            state: c.state,
            early: c.early.map((e): readonly [number, number, number] => (e[0] === op.serial ? [e[0], -1, -1] : e)),
          }
        : c,
    );
    const unique = new Map(configs.map((c) => [configKey(c), c]));
    return { ...frontier, unknown, configs: this.prune([...unique.values()], unknown) };
  }

  /** The operation left out (ignored): keep only configurations that did not linearize it. */
  private drop(frontier: Frontier, op: TrackedOp): Frontier {
    return {
      pending: frontier.pending.filter((p) => p.serial !== op.serial),
      unknown: frontier.unknown,
      configs: frontier.configs.filter((c) => !c.early.some(([s]) => s === op.serial)),
    };
  }

  /**
   * A definite completion: every configuration must have linearized the
   * operation by now. Early linearizations of it are checked against its real
   * outcome; otherwise it is linearized now, after any sequence of other
   * pending operations.
   */
  private complete(frontier: Frontier, op: TrackedOp, completed: Operation): Frontier | "stopped" {
    const out = new Map<string, Config>();
    const deadline = this.options.timeoutMs === undefined ? Infinity : performance.now() + this.options.timeoutMs;
    const maxConfigs = this.options.maxFrontier ?? DEFAULT_MAX_FRONTIER;
    const emit = (c: Config): void => {
      const key = configKey(c);
      if (!out.has(key)) out.set(key, c);
    };
    const others = frontier.pending.filter((p) => p.serial !== op.serial);
    for (const config of frontier.configs) {
      const early = config.early.find(([s]) => s === op.serial);
      if (early !== undefined) {
        if (this.next(early[1], completed).includes(early[2]))
          emit({ state: config.state, early: config.early.filter(([s]) => s !== op.serial) });
        continue;
      }
      // Breadth-first over sequences of other pending operations, then this
      // one: shorter sequences first, so a configuration that applied more
      // unknown-outcome operations to reach what another reached with fewer
      // (a subset) is skipped, as it has no option the other lacks.
      const seen = new Map<string, number[][]>();
      let queue: Config[] = [config];
      let visited = 0;
      while (queue.length > 0) {
        const nextQueue: Config[] = [];
        for (const c of queue) {
          if (out.size + visited > maxConfigs || performance.now() > deadline) return "stopped";
          const core = `${c.state}|${c.early
            .filter(([s]) => !frontier.unknown.has(s))
            .map((e) => e.join(":"))
            .join(",")}`;
          const applied = c.early.filter(([s]) => frontier.unknown.has(s)).map(([s]) => s);
          const known = seen.get(core);
          if (known !== undefined && known.some((set) => set.every((s) => applied.includes(s)))) continue;
          if (known === undefined) seen.set(core, [applied]);
          else known.push(applied);
          visited++;
          for (const to of this.next(c.state, completed)) emit({ state: to, early: c.early });
          for (const p of others) {
            if (c.early.some(([s]) => s === p.serial)) continue;
            const view = this.view(p, "unknown", null);
            const isUnknown = frontier.unknown.has(p.serial);
            for (const to of this.next(c.state, view)) {
              if (isUnknown && to === c.state) continue;
              nextQueue.push({
                state: to,
                early: insertEarly(c.early, isUnknown ? [p.serial, -1, -1] : [p.serial, c.state, to]),
              });
            }
          }
        }
        queue = nextQueue;
      }
    }
    const pending = frontier.pending.filter((p) => p.serial !== op.serial);
    return { pending, unknown: frontier.unknown, configs: this.prune([...out.values()], frontier.unknown) };
  }

  /**
   * Drops configurations subsumed by another with the same state and fewer
   * unknown-outcome operations applied (the other has every option this one has).
   */
  private prune(configs: readonly Config[], unknown: ReadonlySet<number>): Config[] {
    if (unknown.size === 0) return [...configs];
    const byCore = new Map<string, { config: Config; applied: Set<number> }[]>();
    for (const c of configs) {
      const core = `${c.state}|${c.early
        .filter(([s]) => !unknown.has(s))
        .map((e) => e.join(":"))
        .join(",")}`;
      const applied = new Set(c.early.filter(([s]) => unknown.has(s)).map(([s]) => s));
      const group = byCore.get(core) ?? [];
      byCore.set(core, group);
      group.push({ config: c, applied });
    }
    const kept: Config[] = [];
    for (const group of byCore.values()) {
      for (const a of group) {
        const dominated = group.some(
          (b) => b !== a && b.applied.size < a.applied.size && [...b.applied].every((s) => a.applied.has(s)),
        );
        if (!dominated) kept.push(a.config);
      }
    }
    return kept;
  }

  private view(op: TrackedOp, status: OperationStatus, output: Json, end: number | null = null): Operation {
    return {
      id: op.id,
      process: op.process,
      f: op.f,
      ...(op.key === undefined ? {} : { key: op.key }),
      input: op.input,
      output,
      status,
      call: op.call,
      end,
    };
  }

  /** Next states of an operation from a state (cached by state and operation outcome). */
  private next(state: number, op: Operation): readonly number[] {
    const key = `${state}\u0000${op.f}\u0000${op.key ?? ""}\u0000${op.status}\u0000${canonicalJson(op.input)}\u0000${canonicalJson(op.output)}`;
    const cached = this.transitions.get(key);
    if (cached !== undefined) return cached;
    const ids = [...new Set(this.model.step(this.states[state], op).map((s) => this.intern(s)))];
    this.transitions.set(key, ids);
    return ids;
  }

  private intern(state: unknown): number {
    const key =
      this.model.key !== undefined
        ? this.model.key(state)
        : state === null || typeof state !== "object"
          ? state
          : "\u0001" + canonicalJson(state);
    const known = this.stateIds.get(key);
    if (known !== undefined) return known;
    this.stateIds.set(key, this.states.length);
    this.states.push(state);
    return this.states.length - 1;
  }

  private emptyRoot(): TrieNode {
    return {
      children: new Map(),
      open: new Map(),
      frontiers: new Map(),
      operations: 0,
      violated: false,
      fallback: false,
    };
  }
}

function insertEarly(
  early: readonly (readonly [number, number, number])[],
  entry: readonly [number, number, number],
): (readonly [number, number, number])[] {
  const out = [...early, entry];
  out.sort((a, b) => a[0] - b[0]);
  return out;
}

function configKey(c: Config): string {
  return `${c.state}|${c.early.map((e) => e.join(":")).join(",")}`;
}

/** The cache key of an event (its time stamp does not matter). */
function eventKey(e: HistoryEvent): string {
  return `${e.type}\u0000${String(e.process)}\u0000${typeof e.process}\u0000${e.f}\u0000${e.key ?? ""}\u0000${canonicalJson(e.value)}`;
}
