import { jsonbText, parseExactJson } from '@database-replicator/core';
import { jsonDocumentText } from '@database-replicator/source-mysql';
import { describe, expect, it } from 'vitest';

// Documents for both parse paths: plain ones take JSON.parse, ones with a run of 16 digits or an
// exponent take parseExactJson's digit check.
const DOCUMENTS = [
  '{"channel":"store","priority":3,"gift":false,"tags":["repeat"]}',
  '{"bb": 1.50, "a": [true, null, "x\\u00e9"], "c": {}, "é": "\\n\\t\\"q\\\\"}',
  '[1e21, 1e-7, -0, 12345678.9, 0.1]',
  '{"big": 1234567890123456, "s": "digits 12345678901234567 in a string"}',
  '{"aaa": 1, "b": 2, "aa": {"zz": [], "y": {"k": "\\u0001"}}}',
  '"just a string"',
  '42',
];

describe('jsonDocumentText', () => {
  it('renders every document as jsonbText of the exact parse does', () => {
    for (const raw of DOCUMENTS) {
      expect(jsonDocumentText(raw), raw).toBe(jsonbText(parseExactJson(raw)));
    }
  });

  it('orders keys by byte length, then bytes, with jsonb spacing', () => {
    expect(jsonDocumentText('{"bb": 1, "a": {"é": 1, "z": 2}, "B": [1,2]}')).toBe(
      '{"B": [1, 2], "a": {"z": 2, "é": 1}, "bb": 1}',
    );
  });

  it('returns null for a JSON null document (replicated as SQL NULL)', () => {
    expect(jsonDocumentText('null')).toBeNull();
  });

  it('refuses a number a double cannot hold, as replication does', () => {
    expect(() => jsonDocumentText('{"n": 12345678901234567890}')).toThrow(/precision/);
    expect(() => jsonDocumentText('{"n": 1}}')).toThrow();
  });
});
