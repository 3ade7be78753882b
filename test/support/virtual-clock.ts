/**
 * A virtual clock for tests of time limits: `performance.now()` advances by
 * `stepMs` at every read, so a limit is reached after a known number of
 * reads whatever the machine's speed, and a test asserts how soon after its
 * deadline a search stopped in clock reads, not in wall-clock time.
 */
export function withVirtualClock<T>(run: () => T, stepMs = 1): { readonly result: T; readonly reads: number } {
  const real = performance.now;
  let now = 0;
  let reads = 0;
  performance.now = () => {
    reads++;
    now += stepMs;
    return now;
  };
  try {
    return { result: run(), reads };
  } finally {
    performance.now = real;
  }
}
