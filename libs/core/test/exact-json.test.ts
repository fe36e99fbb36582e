/**
 * parseExactJson: JSON documents without silent rounding, and without losing keys that are
 * special to JavaScript objects.
 */
import { describe, expect, it } from 'vitest';
import { isReplicatorError, parseExactJson } from '@database-replicator/core';

describe('parseExactJson', () => {
  it('keeps a "__proto__" key as an own property instead of dropping it', () => {
    const value = parseExactJson('{"__proto__": {"a": 1}, "b": [{"__proto__": 2}]}');
    expect(Object.keys(value ?? {})).toEqual(['__proto__', 'b']);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"a":1},"b":[{"__proto__":2}]}');
  });

  it('refuses a number a JSON number cannot hold exactly', () => {
    try {
      parseExactJson('{"n": 12345678901234567890123}');
      expect.unreachable('accepted');
    } catch (error) {
      expect(isReplicatorError(error, 'REPL_VALUE_UNSUPPORTED')).toBe(true);
    }
    expect(parseExactJson('[1.5, -2e3, "12345678901234567890123"]')).toEqual([
      1.5,
      -2000,
      '12345678901234567890123',
    ]);
  });
});
