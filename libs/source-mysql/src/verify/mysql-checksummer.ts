/**
 * One MySQL/MariaDB table as the source side of cross-engine verify (libs/pipeline's
 * TableChecksummer, matched structurally). Count and hash per key range run in MySQL; the row
 * text is the canonical text of mysql-canonical-sql.ts and the row hash the first 60 bits of
 * its MD5, which the PostgreSQL side computes alike. A table with JSON columns is hashed in Node
 * instead: MySQL sends each row's canonical pieces with the JSON text, Node renders the JSON as
 * jsonb prints it and hashes (the slower path, docs/verify.md).
 */
import { createHash } from 'node:crypto';
import { quoteMysqlIdent, type TableId } from '@database-replicator/core';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { mysqlQuery } from '../mysql-query.js';
import type { MysqlWireColumn } from '../mysql-wire-value.js';
import { jsonDocumentText } from './jsonb-text.js';
import { mysqlCanonicalPiece, mysqlCanonicalText, mysqlKeyText } from './mysql-canonical-sql.js';
import { mysqlKeyOrder, mysqlRangeWhere, type MysqlKeyRange } from './mysql-range-sql.js';

/** A side of a table; the shape of libs/pipeline's TableChecksummer. */
export type MysqlChecksummer = Readonly<{
  planBoundaries(chunkRows: number): AsyncIterable<readonly string[]>;
  hashRange(range: MysqlKeyRange): Promise<Readonly<{ rows: number; hash: string }>>;
  keyAt(range: MysqlKeyRange, offset: number): Promise<readonly string[] | null>;
  rowHashes(
    range: MysqlKeyRange,
  ): Promise<readonly Readonly<{ key: readonly string[]; hash: string }>[]>;
}>;

/** What {@link createMysqlChecksummer} needs. */
export type MysqlChecksummerOptions = Readonly<{
  pool: Pool;
  table: TableId;
  /** Compared columns in source order. */
  columns: readonly MysqlWireColumn[];
  /** Key columns in key order. */
  keyColumns: readonly MysqlWireColumn[];
}>;

const SEPARATOR = '\u001f';

/** The first 60 bits of the MD5 of `text`, as PostgreSQL's `('x' || substr(md5(t), 1, 15))::bit(60)::bigint`. */
function hashOf(text: string): bigint {
  return createHash('md5').update(text, 'utf8').digest().readBigUInt64BE(0) >> 4n;
}

function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'string' ? value : String(value);
}

function jsonPiece(raw: string | null): string {
  if (raw === null) return 'N';
  const text = jsonDocumentText(raw);
  // A JSON null document is replicated as SQL NULL.
  return text === null ? 'N' : `v${text}`;
}

/** Creates the checksummer of one MySQL table. */
export function createMysqlChecksummer(options: MysqlChecksummerOptions): MysqlChecksummer {
  const { pool, columns, keyColumns } = options;
  const from = `${quoteMysqlIdent(options.table.schema)}.${quoteMysqlIdent(options.table.table)}`;
  const where = `${options.table.schema}.${options.table.table}`;
  const texts = columns.map(mysqlCanonicalText);
  const inNode = texts.some((text) => text === null);
  const keyList = keyColumns.map(mysqlKeyText).join(', ');
  const order = mysqlKeyOrder(keyColumns);
  const pieces = texts.map((text, i) =>
    text === null
      ? `CAST(${quoteMysqlIdent(columns[i]?.name ?? '')} AS CHAR)`
      : mysqlCanonicalPiece(text),
  );
  const rowText =
    pieces.length === 0 ? "''" : `CONCAT_WS(CHAR(31 USING utf8mb4), ${pieces.join(', ')})`;
  const rowHash = `CAST(CONV(SUBSTRING(MD5(${rowText}), 1, 15), 16, 10) AS UNSIGNED)`;

  const select = (doing: string, sql: string, values: readonly unknown[]) =>
    mysqlQuery(pool, `${doing} of ${where} for verify`, async (p) => {
      const [rows] = await p.query<RowDataPacket[]>({
        sql,
        values: [...values],
        rowsAsArray: true,
      });
      return rows.map((row: unknown) => (Array.isArray(row) ? row : []));
    });
  const keyOf = (row: readonly unknown[]) => keyColumns.map((_, i) => cellText(row[i]) ?? '');
  // Node path: the row's pieces follow the key columns; JSON pieces arrive as raw text.
  const nodeHash = (row: readonly unknown[]) =>
    hashOf(
      texts
        .map((text, i) => {
          const cell = cellText(row[keyColumns.length + i]);
          return text === null ? jsonPiece(cell) : (cell ?? 'N');
        })
        .join(SEPARATOR),
    );
  const nodeRows = async (range: MysqlKeyRange) => {
    const condition = mysqlRangeWhere(keyColumns, range);
    const keys = keyList === '' ? '' : `${keyList}, `;
    const sql = `SELECT ${keys}${pieces.join(', ')} FROM ${from} ${condition.sql} ORDER BY ${order}`;
    return select('reading rows', sql, condition.values);
  };
  const keyAt = async (range: MysqlKeyRange, offset: number) => {
    const condition = mysqlRangeWhere(keyColumns, range);
    const sql = `SELECT ${keyList} FROM ${from} ${condition.sql} ORDER BY ${order} LIMIT 1 OFFSET ?`;
    const rows = await select('reading a key boundary', sql, [...condition.values, offset]);
    const row = rows[0];
    return row === undefined ? null : keyOf(row);
  };

  return Object.freeze({
    async *planBoundaries(chunkRows: number) {
      let after: readonly string[] | null = null;
      for (;;) {
        const boundary = await keyAt({ after, upTo: null }, chunkRows - 1);
        if (boundary === null) return;
        yield boundary;
        after = boundary;
      }
    },
    async hashRange(range: MysqlKeyRange) {
      if (inNode) {
        const rows = await nodeRows(range);
        const sum = rows.reduce((total, row) => total + nodeHash(row), 0n);
        return Object.freeze({ rows: rows.length, hash: sum.toString() });
      }
      const condition = mysqlRangeWhere(keyColumns, range);
      const sql = `SELECT COUNT(*), CAST(COALESCE(SUM(${rowHash}), 0) AS CHAR) FROM ${from} ${condition.sql}`;
      const [row] = await select('counting and hashing rows', sql, condition.values);
      return Object.freeze({
        rows: Number(cellText(row?.[0]) ?? 0),
        hash: cellText(row?.[1]) ?? '0',
      });
    },
    keyAt,
    async rowHashes(range: MysqlKeyRange) {
      if (inNode) {
        const rows = await nodeRows(range);
        return rows.map((row) =>
          Object.freeze({ key: keyOf(row), hash: nodeHash(row).toString() }),
        );
      }
      const condition = mysqlRangeWhere(keyColumns, range);
      const sql = `SELECT ${keyList}, CAST(${rowHash} AS CHAR) FROM ${from} ${condition.sql} ORDER BY ${order}`;
      const rows = await select('hashing single rows', sql, condition.values);
      return rows.map((row) =>
        Object.freeze({ key: keyOf(row), hash: cellText(row[keyColumns.length]) ?? '0' }),
      );
    },
  });
}
