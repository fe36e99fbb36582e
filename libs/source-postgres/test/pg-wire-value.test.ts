/**
 * The per-type wire encoding of PostgreSQL text output, table-driven, and its agreement with the
 * target writer: what the writer makes of an encoded value is text PostgreSQL reads back as the
 * same value.
 */
import { describe, expect, it } from 'vitest';
import { isReplicatorError, type JsonValue } from '@database-replicator/core';
import { toPostgresText } from '@database-replicator/postgres';
import {
  columnKindOf,
  encodePgWireValue,
  encodeTuple,
  wireTypeOf,
  type WireType,
} from '@database-replicator/source-postgres';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isReplicatorError(error) ? error.code : 'not a ReplicatorError';
  }
  return undefined;
}

describe('wireTypeOf', () => {
  it.each([
    [16, 'boolean'],
    [17, 'bytea'],
    [20, 'text'], // int8 stays text: JSON numbers are not 64-bit
    [21, 'integer'],
    [23, 'integer'],
    [114, 'json'],
    [700, 'float'],
    [701, 'float'],
    [1700, 'text'], // numeric
    [1114, 'text'], // timestamp
    [1184, 'text'], // timestamptz
    [1007, 'text'], // int4[]
    [3802, 'json'],
    [987654, 'text'], // a user type (enum, domain, composite)
  ] as const)('type %i travels as %s', (oid, wire) => {
    expect(wireTypeOf(oid)).toBe(wire);
  });
});

describe('encodePgWireValue', () => {
  const cases: readonly [string, string | null, WireType, JsonValue][] = [
    ['NULL of any type', null, 'integer', null],
    ['bool true', 't', 'boolean', true],
    ['bool false', 'f', 'boolean', false],
    ['int2 min', '-32768', 'integer', -32768],
    ['int4 max', '2147483647', 'integer', 2147483647],
    ['int8 max stays text', '9223372036854775807', 'text', '9223372036854775807'],
    [
      'numeric stays text',
      '-123456789012345678901234567890.000000001',
      'text',
      '-123456789012345678901234567890.000000001',
    ],
    ['float8 0.1', '0.1', 'float', 0.1],
    ['float8 large exponent', '1e+308', 'float', 1e308],
    ['float8 smallest subnormal', '5e-324', 'float', 5e-324],
    ['float4 shortest form', '1.1', 'float', 1.1],
    ['float NaN', 'NaN', 'float', 'NaN'],
    ['float Infinity', 'Infinity', 'float', 'Infinity'],
    ['float -Infinity', '-Infinity', 'float', '-Infinity'],
    ['float -0 keeps its sign as text', '-0', 'float', '-0'],
    ['bytea hex → base64', '\\x0102ff', 'bytea', 'AQL/'],
    ['empty bytea', '\\x', 'bytea', ''],
    [
      'jsonb object',
      '{"a": 1, "b": [true, null, "x\\"y"], "c": {"d": 1.5}}',
      'json',
      { a: 1, b: [true, null, 'x"y'], c: { d: 1.5 } },
    ],
    ['json scalar string', '"12345678901234567890"', 'json', '12345678901234567890'],
    [
      'json digits inside strings are not numbers',
      '{"12345678901234567890": "1e999"}',
      'json',
      { '12345678901234567890': '1e999' },
    ],
    ['json number with trailing zeros (same value)', '10.50', 'json', 10.5],
    ['json 2^53', '9007199254740992', 'json', 9007199254740992],
    ['text with tabs, newlines, unicode', 'a\tb\nc\\d "é" 😀', 'text', 'a\tb\nc\\d "é" 😀'],
    ['array text form stays text', '{1,NULL,"a,b"}', 'text', '{1,NULL,"a,b"}'],
    [
      'timestamp with microseconds stays text',
      '2024-02-29 23:59:59.999999+00',
      'text',
      '2024-02-29 23:59:59.999999+00',
    ],
  ];
  it.each(cases)('%s', (_name, text, wire, expected) => {
    expect(encodePgWireValue(text, wire)).toEqual(expected);
  });

  it.each([
    ['a bool other than t/f', 'yes', 'boolean', 'REPL_VALUE_INVALID'],
    ['bytea in escape form', '\\001abc', 'bytea', 'REPL_VALUE_INVALID'],
    ['bytea with an odd number of hex digits', '\\x012', 'bytea', 'REPL_VALUE_INVALID'],
    ['json integer beyond 2^53', '{"id": 12345678901234567890}', 'json', 'REPL_VALUE_UNSUPPORTED'],
    [
      'json number with 20 significant digits',
      '[0.12345678901234567891]',
      'json',
      'REPL_VALUE_UNSUPPORTED',
    ],
    ['json number out of double range', '1e400', 'json', 'REPL_VALUE_UNSUPPORTED'],
  ] as const)('refuses %s', (_name, text, wire, code) => {
    expect(codeOf(() => encodePgWireValue(text, wire))).toBe(code);
  });
});

describe('encodeTuple', () => {
  const columns = [
    { name: 'id', wire: 'integer' },
    { name: 'doc', wire: 'json' },
    { name: 'big', wire: 'text' },
    { name: 'raw', wire: 'bytea' },
  ] as const;

  it('lists values the source did not send as unchanged and leaves them out of the row', () => {
    const tuple = encodeTuple(
      { id: '7', doc: '{"a":1}', big: undefined, raw: null },
      columns,
      'public.t',
    );
    expect(tuple.row).toEqual({ id: 7, doc: { a: 1 }, raw: null });
    expect(Object.hasOwn(tuple.row, 'big')).toBe(false);
    expect(tuple.unchanged).toEqual(['big']);
    expect(Object.isFrozen(tuple.row)).toBe(true);
  });

  it('leaves out columns a key-only tuple does not carry', () => {
    expect(encodeTuple({ id: '7' }, columns, 'public.t')).toEqual({
      row: { id: 7 },
      unchanged: [],
    });
  });

  it('names table and column when a value cannot be encoded, without the value', () => {
    let caught: unknown;
    try {
      encodeTuple({ id: '1', doc: '{"n": 123456789012345678901}' }, columns, 'public.t');
    } catch (error) {
      caught = error;
    }
    expect(isReplicatorError(caught, 'REPL_VALUE_UNSUPPORTED')).toBe(true);
    const message = caught instanceof Error ? caught.message : '';
    expect(message).toContain('doc');
    expect(message).toContain('public.t');
    expect(message).not.toContain('123456789012345678901');
  });

  it('refuses binary tuple data', () => {
    expect(() => encodeTuple({ id: Buffer.from('1') }, columns, 'public.t')).toThrow(
      /not as PostgreSQL text/,
    );
  });
});

describe('agreement with the target writer (toPostgresText)', () => {
  it.each([
    ['\\x00ff10', 'bytea'],
    ['{"a": [1, 2.5, "x"]}', 'json'],
    ['-1.5e-7', 'float'],
    ['NaN', 'float'],
    ['-0', 'float'],
    ['32767', 'integer'],
    ['{"a b",NULL,"c\\"d"}', 'text'],
    ['9223372036854775807', 'text'],
  ] as const)('%s (%s) comes back as PostgreSQL text of the same value', (text, wire) => {
    const written = toPostgresText(encodePgWireValue(text, wire), columnKindOf(wire));
    if (wire === 'json') expect(JSON.parse(written ?? '')).toEqual(JSON.parse(text));
    else if (wire === 'float' || wire === 'integer') expect(Number(written)).toBe(Number(text));
    else expect(written).toBe(text);
    if (text === '-0') expect(written).toBe('-0');
  });
});
