import { jsonbText } from '@database-replicator/core';
import { describe, expect, it } from 'vitest';

// Expected texts are what PostgreSQL 15 prints for `'<input>'::jsonb::text`.
describe('jsonbText', () => {
  it('orders object keys by UTF-8 byte length, then bytes, with jsonb spacing', () => {
    expect(jsonbText({ bb: 1, a: { é: 1, z: 2 }, B: [1, 2] })).toBe(
      '{"B": [1, 2], "a": {"z": 2, "é": 1}, "bb": 1}',
    );
    // U+1F600 (4 UTF-8 bytes, a surrogate pair in UTF-16) sorts after U+FFFD (3 bytes) by bytes.
    expect(jsonbText({ '\u{1F600}': 1, '\uFFFDa': 2 })).toBe('{"\uFFFDa": 2, "\u{1F600}": 1}');
  });

  it('prints numbers as numeric does, never with an exponent', () => {
    expect(jsonbText([1e21, 1e-7, 12345678.9, 0.1, 2.5e-3])).toBe(
      '[1000000000000000000000, 0.0000001, 12345678.9, 0.1, 0.0025]',
    );
  });

  it('escapes quote, backslash and C0 controls as jsonb does', () => {
    expect(jsonbText('a"b\\c\n\t\u0001é')).toBe('"a\\"b\\\\c\\n\\t\\u0001é"');
    expect(jsonbText([null, true, false, 'x', {}])).toBe('[null, true, false, "x", {}]');
  });
});
