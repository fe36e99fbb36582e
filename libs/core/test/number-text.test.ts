import { describe, expect, it } from 'vitest';
import { numberText } from '@database-replicator/core';
import { seededRandom } from '../../../test/support/seeded-random.js';

/** `count` seeded numbers in [0, 1), so a failure names a value that reproduces. */
function seeded(count: number, seed: number): number[] {
  return Array.from({ length: count }, seededRandom(seed));
}

function mismatches(values: Iterable<number>): string[] {
  const found: string[] = [];
  for (const value of values) {
    const text = numberText(value);
    if (text !== String(value)) found.push(`${String(value)} gave ${text}`);
  }
  return found;
}

describe('numberText', () => {
  it('is String(value) at the edges of the two-decimal path', () => {
    const edges = [
      0,
      -0,
      0.01,
      -0.01,
      0.05,
      0.1,
      0.07,
      1.005,
      2.675,
      5,
      -5,
      12.3,
      12.05,
      12.5,
      -12.05,
      100.1,
      1e-7,
      0.001,
      123.456,
      0.30000000000000004,
      9_999_999_999_999.99,
      -9_999_999_999_999.99,
      99_999_999_999_999.9,
      1e15,
      1e16,
      2 ** 53,
      2 ** 53 + 2,
      1e21,
      1e300,
      Number.MIN_VALUE,
      Number.MAX_VALUE,
      Number.EPSILON,
      Number.NaN,
      Infinity,
      -Infinity,
    ];
    expect(mismatches(edges)).toEqual([]);
    expect(numberText(12.05)).toBe('12.05');
    expect(numberText(-0)).toBe('0');
  });

  it('is String(value) for money-like values', () => {
    const cents = seeded(200_000, 7).map((r) => Math.round((r - 0.5) * 2e10) / 100);
    expect(mismatches(cents)).toEqual([]);
  });

  it('is String(value) for doubles of every magnitude', () => {
    const random = seeded(200_000, 11);
    const values = random.map((r, index) => (r - 0.5) * 10 ** ((index % 36) - 18));
    expect(mismatches(values)).toEqual([]);
  });
});
