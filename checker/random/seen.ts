/** Flag: the fingerprint was generated (its invariants checked). */
export const SEEN = 1;
/** Flag: the state was expanded (its successors checked). */
export const EXPANDED = 2;

/**
 * Flags per 64-bit fingerprint in an open-addressing table of typed arrays.
 * Hand-rolled for speed (one lookup per generated successor); the checker's
 * StateStore keeps parent links a walk does not need.
 */
export class FingerprintFlags {
  private mask = (1 << 12) - 1;
  private keys = new Int32Array((this.mask + 1) * 2);
  private flags = new Uint8Array(this.mask + 1);
  size = 0;

  /** ORs `flag` into the fingerprint's flags and returns the flags it had (0: never seen). */
  mark(hi: number, lo: number, flag: number): number {
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const f = this.flags[i]!;
      if (f === 0) {
        this.keys[2 * i] = hi;
        this.keys[2 * i + 1] = lo;
        this.flags[i] = flag;
        if (++this.size * 2 > this.mask) this.grow();
        return 0;
      }
      if (this.keys[2 * i] === (hi | 0) && this.keys[2 * i + 1] === (lo | 0)) {
        this.flags[i] = f | flag;
        return f;
      }
      i = (i + 1) & this.mask;
    }
  }

  get bytes(): number {
    return this.keys.byteLength + this.flags.byteLength;
  }

  private grow(): void {
    const { keys, flags } = this;
    this.mask = this.mask * 2 + 1;
    this.keys = new Int32Array((this.mask + 1) * 2);
    this.flags = new Uint8Array(this.mask + 1);
    this.size = 0;
    for (let i = 0; i < flags.length; i++) if (flags[i] !== 0) this.mark(keys[2 * i]!, keys[2 * i + 1]!, flags[i]!);
  }
}
