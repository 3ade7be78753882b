/**
 * mulberry32: a small seeded generator of numbers in [0, 1), for everything in
 * the runtime that must repeat from a seed (nemesis schedules, workloads, the
 * Maelstrom harness). Not for anything that needs good statistics.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
