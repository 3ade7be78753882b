/**
 * One worker's share of the fingerprint space, and the fingerprint set its
 * expander sees: states it owns are stored here, states another partition
 * owns are handed on (at most once a level) to be stored by their owner.
 */
import type { FingerprintSet } from "../expander.js";
import { StateStore } from "../store.js";
import { globalId, ownerOf, type Link } from "./protocol.js";

/** The index the routing set returns for a state another partition owns (never a real id). */
export const ROUTED = 2 ** 52;

/** The states this partition owns, with trace links that cross partitions. */
export class PartitionStore {
  private readonly store = new StateStore(1 << 16);
  /** The parent of each stored state, as an id across the cluster (-1 for an initial state). */
  private parents = new Float64Array(1 << 16);

  constructor(
    readonly partition: number,
    readonly partitions: number,
  ) {}

  get size(): number {
    return this.store.size;
  }

  get bytesPerState(): number {
    return this.store.size === 0 ? 0 : (this.store.bytes + this.parents.byteLength) / this.store.size;
  }

  has(hi: number, lo: number): boolean {
    return this.store.has(hi, lo);
  }

  /** Stores a state this partition owns; returns its id across the cluster, or -1 when known. */
  insert(hi: number, lo: number, parent: number, ordinal: number): number {
    const local = this.store.insert(hi, lo, -1, ordinal);
    if (local < 0) return -1;
    if (local === this.parents.length) {
      const grown = new Float64Array(Math.ceil(local * 1.5));
      grown.set(this.parents);
      this.parents = grown;
    }
    this.parents[local] = parent;
    return globalId(local, this.partition, this.partitions);
  }

  /** The trace link of a state this partition stored. */
  link(id: number): Link {
    const local = (id - this.partition) / this.partitions;
    const fingerprint = this.store.fingerprints([local]).get(local);
    if (!Number.isInteger(local) || local < 0 || local >= this.store.size || !fingerprint)
      throw new Error(`partition ${this.partition} has no state ${id}`);
    return { id, parent: this.parents[local]!, ordinal: this.store.ordinal(local), fingerprint };
  }
}

/** Where the expander's new states go: kept here, or routed to their owner. */
export class RoutingSet implements FingerprintSet {
  /** Fingerprints routed elsewhere during this level: a second copy need not be sent. */
  private routed = new StateStore();
  /** The parent and ordinal of the last state routed (for a violation found on it). */
  lastRouted = { parent: -1, ordinal: 0, owner: 0 };

  constructor(private readonly own: PartitionStore) {}

  get size(): number {
    return this.own.size;
  }

  /** Forgets what was routed: each level sends its new states afresh. */
  nextLevel(): void {
    this.routed = new StateStore();
  }

  has(hi: number, lo: number): boolean {
    return this.ownerOf(hi, lo) === this.own.partition ? this.own.has(hi, lo) : this.routed.has(hi, lo);
  }

  insert(hi: number, lo: number, parent: number, ordinal: number): number {
    const owner = this.ownerOf(hi, lo);
    if (owner === this.own.partition) return this.own.insert(hi, lo, parent, ordinal);
    if (this.routed.insert(hi, lo, -1, 0) < 0) return -1;
    this.lastRouted = { parent, ordinal, owner };
    return ROUTED;
  }

  ownerOf(hi: number, lo: number): number {
    return ownerOf(hi, lo, this.own.partitions);
  }
}
