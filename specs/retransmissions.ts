/**
 * The retransmission budget that the catalogue's channel models keep beside
 * an exported sender (a model bound, not part of the reducer): how many
 * times each frame, or each slot, was sent again.
 */

/** The counts with one more retransmission at `slot` (slots not yet seen count 0). */
export function countRetransmission(counts: readonly number[], slot: number): readonly number[] {
  return Array.from({ length: Math.max(counts.length, slot + 1) }, (_, k) => (counts[k] ?? 0) + (k === slot ? 1 : 0));
}
