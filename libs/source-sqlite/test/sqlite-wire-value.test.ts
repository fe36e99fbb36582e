import { describe, expect, it } from 'vitest';
import {
  encodeSqliteValue,
  isSqliteValue,
  type SqliteValue,
  type SqliteValueKind,
  type WireColumn,
} from '@database-replicator/source-sqlite';
import { isReplicatorError, type JsonValue } from '@database-replicator/core';

function column(kind: SqliteValueKind, key = false): WireColumn {
  return { table: 'items', name: 'c', declaredType: 'DECLARED', kind, key };
}

/** [kind, stored value, wire value]; docs/type-mapping.md "SQLite" documents each rule. */
const ENCODED: readonly (readonly [SqliteValueKind, SqliteValue, JsonValue])[] = [
  ['bigint', 9223372036854775807n, '9223372036854775807'],
  ['bigint', -9223372036854775808n, '-9223372036854775808'],
  ['bigint', 0n, '0'],
  ['bigint', 42, '42'],
  ['bigint', '+0017', '17'],
  ['double', 0.1, 0.1],
  ['double', 0.30000000000000004, 0.30000000000000004],
  ['double', Number.POSITIVE_INFINITY, 'Infinity'],
  ['double', Number.NEGATIVE_INFINITY, '-Infinity'],
  ['double', 9007199254740993n, '9007199254740993'],
  ['double', '1.5e3', '1.5e3'],
  ['numeric', 12.5, 12.5],
  ['numeric', 123456789012345678n, '123456789012345678'],
  ['numeric', '12.50', '12.50'],
  ['boolean', 0n, false],
  ['boolean', 1n, true],
  ['boolean', -3n, true],
  ['boolean', 0.0, false],
  ['boolean', 'Yes', true],
  ['boolean', 'f', false],
  ['date', '2024-02-29', '2024-02-29'],
  ['timestamptz', '2024-01-02 03:04:05', '2024-01-02T03:04:05+00:00'],
  ['timestamptz', '2024-01-02T03:04:05.123456Z', '2024-01-02T03:04:05.123456+00:00'],
  ['timestamptz', '2024-01-02 03:04', '2024-01-02T03:04:00+00:00'],
  ['timestamptz', '2024-01-02', '2024-01-02T00:00:00+00:00'],
  ['timestamptz', '2024-01-02 03:04:05+05:30', '2024-01-02T03:04:05+05:30'],
  ['timestamptz', 1700000000n, '2023-11-14T22:13:20.000Z'],
  ['timestamptz', 2460310.5, '2024-01-01T00:00:00.000Z'],
  ['text', 'héllo 🌍', 'héllo 🌍'],
  ['text', '', ''],
  ['text', 7n, '7'],
  ['text', 1.5, '1.5'],
  ['bytea', Buffer.from([0, 255, 16]), 'AP8Q'],
  ['bytea', Buffer.alloc(0), ''],
  ['bytea', 'abc', 'YWJj'],
];

/** [kind, stored value]: values the column's PostgreSQL type cannot hold. */
const REFUSED: readonly (readonly [SqliteValueKind, SqliteValue])[] = [
  ['bigint', 'abc'],
  ['bigint', 1.5],
  ['bigint', '9223372036854775808'],
  ['bigint', Buffer.from([1])],
  ['double', 'abc'],
  ['numeric', 'twelve'],
  ['boolean', 'maybe'],
  ['boolean', Buffer.from([1])],
  ['date', '2024-01-02 03:04:05'],
  ['date', 20240102n],
  ['timestamptz', 'yesterday'],
  ['timestamptz', 253402300800n],
  ['timestamptz', Buffer.from([1])],
  ['text', Buffer.from('abc')],
  ['text', 'nul\u0000inside'],
  ['bytea', 5n],
];

describe('encodeSqliteValue', () => {
  it.each(ENCODED)('encodes a %s value %s as %s', (kind, value, wire) => {
    expect(encodeSqliteValue(value, column(kind))).toEqual(wire);
  });

  it('passes NULL through, except in a key column', () => {
    expect(encodeSqliteValue(null, column('text'))).toBeNull();
    expect(() => encodeSqliteValue(null, column('text', true))).toThrow(/primary-key/);
  });

  it.each(REFUSED)(
    'refuses a %s column holding %s, naming table, column and type',
    (kind, value) => {
      let caught: unknown;
      try {
        encodeSqliteValue(value, column(kind));
      } catch (error) {
        caught = error;
      }
      expect(isReplicatorError(caught, 'REPL_SQLITE_VALUE_INVALID')).toBe(true);
      const message = caught instanceof Error ? caught.message : '';
      expect(message).toContain('"items"');
      expect(message).toContain('"c"');
      expect(message).toContain('DECLARED');
      if (typeof value === 'string' && value.length > 0) expect(message).not.toContain(value);
    },
  );

  it('recognises the values better-sqlite3 returns', () => {
    for (const value of [null, 1n, 1.5, 'x', Buffer.from([1])])
      expect(isSqliteValue(value)).toBe(true);
    for (const value of [undefined, true, {}, new Uint8Array(1)])
      expect(isSqliteValue(value)).toBe(false);
  });
});
