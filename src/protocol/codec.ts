/**
 * Protocol states as words, for the states waiting in a search's queue (the
 * model's StateCodec): each node's state by its id among that node's
 * distinct states, then the network, the timers, the crashed nodes and the
 * fault counters, each by its id among the distinct values of its kind seen
 * so far. So a state is n + 4 words, where as objects it was three (state
 * record, nodes record, network array) that the garbage collector copied
 * twice on their way to the old generation.
 *
 * Lists are interned by content: two-phase commit with 7 RMs queues 296,448
 * states holding 16,386 network arrays with 257 distinct contents between
 * them. A state with a client history stays an object (its history is as
 * much its own as the state).
 */
import type { StateCodec } from "../spec.js";
import type { Envelope, NodeId, ProtocolState, TimerEntry } from "./api.js";

/** What the codec needs of its model: the ids it gave node states and interned items. */
export interface CodecHost {
  readonly nodeIds: readonly NodeId[];
  /** Writes the ids of `state`'s node states to `out` from `at`; false if one of them is not interned. */
  writeNodeStateIds(state: ProtocolState, out: Int32Array, at: number): boolean;
  /** Node `i`'s state with id `id`. */
  nodeState(i: number, id: number): unknown;
  /** The id of an interned envelope or timer entry, or -1. */
  itemId(item: object): number;
}

type Faults = ProtocolState["faults"];

/** Builds a nodes record from the node states by node index (compiled, as in node-record.ts). */
export type NodeBuilder = (states: readonly unknown[]) => Record<NodeId, unknown>;

export class ProtocolCodec implements StateCodec<ProtocolState> {
  private readonly networks = new ListInterner();
  private readonly timers = new ListInterner();
  private readonly downs = new ListInterner();
  private readonly faults: Faults[] = [];
  private readonly faultIds = new Map<string, number>();
  // The last list or counters object encoded, and its id: siblings share them.
  private lastFaults: Faults | undefined;
  private lastFaultsId = -1;
  /** The node states of the state being decoded (reused). */
  private readonly nodes: unknown[] = [];
  /** The empty history of decoded states (one array, as the initial state's is shared by its descendants). */
  private readonly noHistory: readonly never[] = [];

  constructor(
    private readonly host: CodecHost,
    private readonly buildNodes: NodeBuilder,
  ) {}

  size(state: ProtocolState): number {
    return state.history.length > 0 ? -1 : this.host.nodeIds.length + 4;
  }

  encode(state: ProtocolState, out: Int32Array, at: number): boolean {
    const host = this.host;
    const n = host.nodeIds.length;
    if (!host.writeNodeStateIds(state, out, at)) return false;
    const network = this.networks.idOf(state.network, host);
    const timers = this.timers.idOf(state.timers, host);
    const down = this.downs.idOf(state.down, this);
    if (network < 0 || timers < 0 || down < 0) return false;
    out[at + n] = network;
    out[at + n + 1] = timers;
    out[at + n + 2] = down;
    out[at + n + 3] = this.faultsId(state.faults);
    return true;
  }

  decode(words: Int32Array, from: number): ProtocolState {
    const host = this.host;
    const n = host.nodeIds.length;
    const nodes = this.nodes;
    for (let i = 0; i < n; i++) nodes[i] = host.nodeState(i, words[from + i]!);
    return {
      nodes: this.buildNodes(nodes),
      network: this.networks.list(words[from + n]!) as readonly Envelope[],
      timers: this.timers.list(words[from + n + 1]!) as readonly TimerEntry[],
      down: this.downs.list(words[from + n + 2]!) as readonly NodeId[],
      faults: this.faults[words[from + n + 3]!]!,
      history: this.noHistory,
    };
  }

  /** A crashed node's id (for the list of crashed nodes, whose elements are node ids, not items). */
  itemId(id: object | string): number {
    return this.host.nodeIds.indexOf(id as NodeId);
  }

  private faultsId(faults: Faults): number {
    if (faults === this.lastFaults) return this.lastFaultsId;
    const key = `${faults.lost},${faults.duplicated},${faults.crashed},${faults.corrupted ?? -1}`;
    let id = this.faultIds.get(key);
    if (id === undefined) {
      id = this.faults.push(faults) - 1;
      this.faultIds.set(key, id);
    }
    this.lastFaults = faults;
    this.lastFaultsId = id;
    return id;
  }
}

/** Lists of ids interned by content: the first list seen with each content is the one decoded states share. */
class ListInterner {
  private readonly lists: (readonly unknown[])[] = [];
  private readonly contents: Int32Array[] = [];
  /** List ids by a hash of their content. */
  private readonly byHash = new Map<number, number[]>();
  private last: readonly unknown[] | undefined;
  private lastId = -1;
  private ids = new Int32Array(16);

  /** The id of `list`'s content, or -1 when one of its elements has no id. */
  idOf(list: readonly unknown[], ids: { itemId(element: never): number }): number {
    if (list === this.last) return this.lastId;
    if (this.ids.length < list.length) this.ids = new Int32Array(2 * list.length);
    const content = this.ids;
    let hash = list.length;
    for (let k = 0; k < list.length; k++) {
      const id = ids.itemId(list[k] as never);
      if (id < 0) return -1;
      content[k] = id;
      hash = Math.imul(hash ^ id, 0x9e3779b1) ^ (hash >>> 15);
    }
    let bucket = this.byHash.get(hash);
    if (bucket === undefined) this.byHash.set(hash, (bucket = []));
    let found = -1;
    for (const candidate of bucket) {
      const known = this.contents[candidate]!;
      if (known.length !== list.length) continue;
      let k = 0;
      while (k < known.length && known[k] === content[k]) k++;
      if (k === known.length) {
        found = candidate;
        break;
      }
    }
    if (found < 0) {
      found = this.lists.push(list) - 1;
      this.contents.push(content.slice(0, list.length));
      bucket.push(found);
    }
    this.last = list;
    this.lastId = found;
    return found;
  }

  list(id: number): readonly unknown[] {
    return this.lists[id]!;
  }
}
