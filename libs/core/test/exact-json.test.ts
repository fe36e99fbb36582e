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

  it('checks every number that may be inexact: long digit runs, fractions and exponents', () => {
    const refused = [
      '[0.1234567890123456789]',
      '{"a": {"b": [1, 2, 90071992547409931]}}',
      '[1e400]',
      '[-1.5E-400]',
    ];
    for (const text of refused) {
      expect(() => parseExactJson(text), text).toThrow(/more precision or range/);
    }
    // 15 significant digits always survive a double; 17 may, and are checked.
    expect(parseExactJson('[123456789012345, -0.12345678901234, 9007199254740993e-16]')).toEqual([
      123456789012345, -0.12345678901234, 0.9007199254740993,
    ]);
  });

  it('refuses text that is not JSON', () => {
    for (const text of ['{"a": 1', 'undefined', "{'a': 1}", '']) {
      try {
        parseExactJson(text);
        expect.unreachable(`accepted ${text}`);
      } catch (error) {
        expect(isReplicatorError(error, 'REPL_VALUE_INVALID')).toBe(true);
      }
    }
  });
});
