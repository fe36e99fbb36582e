/**
 * Deterministic pseudo-random numbers derived from a row number, so every engine's generator
 * computes the same value for the same (seed, column, row) without sharing any state: the data is
 * produced in a different order, in a different process or not at all (sampling) and still agrees.
 */

/** murmur3's 32-bit finaliser: a bijection on uint32 with good avalanche. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uint32 for (seed, stream, index); `stream` names a column so columns are independent. */
export function hash32(seed: number, stream: number, index: number): number {
  return mix32((mix32((index ^ Math.imul(stream, 0x9e3779b9)) >>> 0) + seed) >>> 0);
}

/** An integer in [0, bound) for (seed, stream, index). The modulo bias is irrelevant here. */
export function pick(seed: number, stream: number, index: number, bound: number): number {
  return hash32(seed, stream, index) % bound;
}

/**
 * Fills `target` with xorshift32 output started from `start` (a hash32 value): for bulk values
 * (several KB per row) one hash per byte would dominate the generation time.
 */
export function fillPseudoRandom(target: Buffer, start: number): void {
  let x = start >>> 0 || 0x6d2b79f5; // xorshift32 must not start at 0
  let i = 0;
  for (; i + 4 <= target.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    target.writeUInt32LE(x >>> 0, i);
  }
  for (; i < target.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    target[i] = x & 0xff;
  }
}
