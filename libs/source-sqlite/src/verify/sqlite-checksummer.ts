/**
 * One SQLite table as the source side of cross-engine verify (libs/pipeline's TableChecksummer,
 * matched structurally). Each call is one statement on the read-only connection, so one short
 * read transaction (a writer in rollback-journal mode waits for it at most). Rows of a key range
 * are read in key order through the key's index and hashed in Node as libs/postgres
 * canonical-sql.ts hashes the stored target rows (libs/pipeline range-digest.ts): each cell becomes its
 * canonical text (sqlite-canonical-text.ts), the row text is those texts joined by U+001F, and
 * a range's hash the MD5 of its row texts in key order; a table without a usable key is hashed
 * as the sum of its row hashes.
 */
import type Database from 'better-sqlite3';
import { quoteIdent } from '@database-replicator/core';
import type { SqliteTableInfo } from '../introspect.js';
import { sqliteCall } from '../open-sqlite.js';
import { storedValue } from '../snapshot.js';
import { createRangeDigest, rowHash60 } from '@database-replicator/pipeline';
import { canonicalCell } from './sqlite-canonical-text.js';
import { keyBindValue, keyText, type SqliteVerifyKeyColumn } from './sqlite-verify-key.js';

/** A key range as the verifier passes it: text key values, open ends as null. */
export type SqliteKeyRange = Readonly<{
  after: readonly string[] | null;
  upTo: readonly string[] | null;
}>;

/** A side of a table; the shape of libs/pipeline's TableChecksummer. */
export type SqliteChecksummer = Readonly<{
  hashRange(range: SqliteKeyRange): Promise<Readonly<{ rows: number; hash: string }>>;
  keyAt(range: SqliteKeyRange, offset: number): Promise<readonly string[] | null>;
  rowHashes(
    range: SqliteKeyRange,
  ): Promise<readonly Readonly<{ key: readonly string[]; hash: string }>[]>;
}>;

/** What {@link createSqliteChecksummer} needs. */
export type SqliteChecksummerOptions = Readonly<{
  db: Database.Database;
  file: string;
  table: SqliteTableInfo;
  /** Key columns in key order; empty: the table is only counted and hashed as a whole. */
  key: readonly SqliteVerifyKeyColumn[];
}>;

const SEPARATOR = '\u001f';

type Condition = Readonly<{ sql: string; values: readonly unknown[] }>;

function bound(
  key: readonly SqliteVerifyKeyColumn[],
  values: readonly string[],
  op: '>' | '<=',
): Condition {
  const bind = key.map((column, i) => keyBindValue(values[i] ?? '', column));
  if (key.length === 1) return { sql: `${key[0]?.operand ?? ''} ${op} ?`, values: bind };
  // Row values: SQLite (3.15+) compares them column by column and serves them from the index.
  const operands = key.map((column) => column.operand).join(', ');
  return { sql: `(${operands}) ${op} (${key.map(() => '?').join(', ')})`, values: bind };
}

function rangeWhere(key: readonly SqliteVerifyKeyColumn[], range: SqliteKeyRange): Condition {
  const parts: Condition[] = [];
  if (range.after !== null) parts.push(bound(key, range.after, '>'));
  if (range.upTo !== null) parts.push(bound(key, range.upTo, '<='));
  if (parts.length === 0) return { sql: '', values: [] };
  return {
    sql: `WHERE ${parts.map((p) => p.sql).join(' AND ')}`,
    values: parts.flatMap((p) => p.values),
  };
}

/**
 * Count and hash of `rows`: the digest of their texts in the order read (a keyed table, read in
 * key order), or the sum of their row hashes (a table compared as a whole, in no shared order).
 */
function hashRows(
  rows: Iterable<unknown>,
  keyed: boolean,
  textOf: (row: readonly unknown[]) => string,
): Readonly<{ rows: number; hash: string }> {
  if (!keyed) {
    let count = 0;
    let sum = 0n;
    for (const row of rows) {
      if (!Array.isArray(row)) continue;
      count += 1;
      sum += rowHash60(textOf(row));
    }
    return Object.freeze({ rows: count, hash: sum.toString() });
  }
  const digest = createRangeDigest();
  for (const row of rows) if (Array.isArray(row)) digest.add(textOf(row));
  return Object.freeze({ rows: digest.rows, hash: digest.hex() });
}

/** Creates the checksummer of one SQLite table. */
export function createSqliteChecksummer(options: SqliteChecksummerOptions): SqliteChecksummer {
  const { db, file, table, key } = options;
  const from = quoteIdent(table.name);
  const columns = table.columns.map((column) => column.source).join(', ');
  const keyList = key.map((column) => column.operand).join(', ');
  const order = key.length === 0 ? '' : `ORDER BY ${keyList}`;
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql).raw(true);
      statements.set(sql, statement);
    }
    return statement;
  };
  const rowText = (row: readonly unknown[], offset: number) => {
    let text = '';
    for (let i = 0; i < table.columns.length; i += 1) {
      const column = table.columns[i];
      if (column === undefined) continue;
      const cell = canonicalCell(storedValue(row[offset + i], table), column);
      text = `${text}${i === 0 ? '' : SEPARATOR}${cell === null ? 'N' : `v${cell}`}`;
    }
    return text;
  };
  const rows = (doing: string, sql: string, values: readonly unknown[]) =>
    sqliteCall(file, `${doing} of table "${table.name}" for verify`, () =>
      prepared(sql)
        .all(...values)
        .filter((row): row is unknown[] => Array.isArray(row)),
    );
  const keyOf = (row: readonly unknown[]) => key.map((_, i) => keyText(row[i]));
  // Async so that a failing statement rejects rather than throws at the call.
  const keyAt = async (range: SqliteKeyRange, offset: number) => {
    const where = rangeWhere(key, range);
    const sql = `SELECT ${keyList} FROM ${from} ${where.sql} ${order} LIMIT 1 OFFSET ?`;
    const [row] = rows('reading a key boundary', sql, [...where.values, offset]);
    return row === undefined ? null : keyOf(row);
  };

  return Object.freeze({
    async hashRange(range: SqliteKeyRange) {
      const where = rangeWhere(key, range);
      const sql = `SELECT ${columns} FROM ${from} ${where.sql} ${order}`;
      const doing = `counting and hashing rows of table "${table.name}" for verify`;
      return sqliteCall(file, doing, () =>
        hashRows(prepared(sql).iterate(...where.values), key.length > 0, (row) => rowText(row, 0)),
      );
    },
    keyAt,
    async rowHashes(range: SqliteKeyRange) {
      const where = rangeWhere(key, range);
      const sql = `SELECT ${keyList}, ${columns} FROM ${from} ${where.sql} ${order}`;
      const found = rows('hashing single rows', sql, where.values);
      return found.map((row) =>
        Object.freeze({ key: keyOf(row), hash: rowHash60(rowText(row, key.length)).toString() }),
      );
    },
  });
}
