import { describe, expect, it } from 'vitest';
import { mapSqliteType, sqliteAffinity } from '@database-replicator/source-sqlite';

/** declared type → [PostgreSQL type, value kind, SQLite affinity]; docs/type-mapping.md "SQLite". */
const CASES: readonly (readonly [string, string, string, string])[] = [
  ['', 'text', 'text', 'BLOB'],
  ['INTEGER', 'bigint', 'bigint', 'INTEGER'],
  ['int', 'bigint', 'bigint', 'INTEGER'],
  ['BIGINT', 'bigint', 'bigint', 'INTEGER'],
  ['TINYINT', 'bigint', 'bigint', 'INTEGER'],
  ['UNSIGNED BIG INT', 'bigint', 'bigint', 'INTEGER'],
  ['INT8', 'bigint', 'bigint', 'INTEGER'],
  ['FLOATING POINT', 'bigint', 'bigint', 'INTEGER'],
  ['TEXT', 'text', 'text', 'TEXT'],
  ['VARCHAR(64)', 'text', 'text', 'TEXT'],
  ['NATIVE CHARACTER(70)', 'text', 'text', 'TEXT'],
  ['CLOB', 'text', 'text', 'TEXT'],
  ['BLOB', 'bytea', 'bytea', 'BLOB'],
  ['REAL', 'double precision', 'double', 'REAL'],
  ['DOUBLE PRECISION', 'double precision', 'double', 'REAL'],
  ['FLOAT', 'double precision', 'double', 'REAL'],
  ['NUMERIC', 'numeric', 'numeric', 'NUMERIC'],
  ['NUMERIC(12,2)', 'numeric(12,2)', 'numeric', 'NUMERIC'],
  ['decimal( 10 , 0 )', 'numeric(10,0)', 'numeric', 'NUMERIC'],
  ['DECIMAL(7)', 'numeric(7)', 'numeric', 'NUMERIC'],
  ['DECIMAL(2,5)', 'numeric', 'numeric', 'NUMERIC'],
  ['NUMERIC(0)', 'numeric', 'numeric', 'NUMERIC'],
  ['NUMERIC(1001,2)', 'numeric', 'numeric', 'NUMERIC'],
  ['BOOLEAN', 'boolean', 'boolean', 'NUMERIC'],
  ['bool', 'boolean', 'boolean', 'NUMERIC'],
  ['DATE', 'date', 'date', 'NUMERIC'],
  ['DATETIME', 'timestamp with time zone', 'timestamptz', 'NUMERIC'],
  ['TIMESTAMP', 'timestamp with time zone', 'timestamptz', 'NUMERIC'],
  ['timestamp(6)', 'timestamp with time zone', 'timestamptz', 'NUMERIC'],
  ['JSON', 'text', 'text', 'NUMERIC'],
  ['UUID', 'text', 'text', 'NUMERIC'],
  ['TIME', 'text', 'text', 'NUMERIC'],
  ['ANY', 'text', 'text', 'NUMERIC'],
];

describe('mapSqliteType', () => {
  it.each(CASES)('maps %j to %s', (declared, type, kind, affinity) => {
    expect(mapSqliteType(declared)).toEqual({ type, kind, affinity });
  });

  it('derives the affinity by SQLite rules, in rule order', () => {
    expect(sqliteAffinity('CHARINT')).toBe('INTEGER');
    expect(sqliteAffinity('BLOBTEXT')).toBe('TEXT');
    expect(sqliteAffinity('  ')).toBe('BLOB');
    expect(sqliteAffinity('DOUBLE')).toBe('REAL');
    expect(sqliteAffinity('MONEY')).toBe('NUMERIC');
  });
});
