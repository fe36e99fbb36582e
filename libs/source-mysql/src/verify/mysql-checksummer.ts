/**
 * One MySQL/MariaDB table as the source side of cross-engine verify (libs/pipeline's
 * TableChecksummer, matched structurally), hashing the canonical row text of mysql-row-text.ts
 * as libs/postgres canonical-sql.ts does on the target. A range is one `MD5(GROUP_CONCAT(…))` of
 * its row texts in key order (mysql-checksum-sql.ts) rather than an MD5 per row, which is what
 * costs most in MariaDB; with JSON columns, MariaDB hashes the SQL parts and sends the range's
 * raw JSON documents as one string, which Node renders as jsonb prints them and hashes. A single
 * row is hashed by the first 60 bits of its MD5.
 *
 * Ranges are planned to hold about `textBudgetBytes` of row text, since both engines build a
 * range's text in memory. Should a range's text still not come back (GROUP_CONCAT past
 * `max_allowed_packet`, documents that do not split into one per row), its rows are read and
 * hashed in Node instead: slower, same hash.
 */
import type { TableId } from '@database-replicator/core';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { mysqlQuery } from '../mysql-query.js';
import type { MysqlWireColumn } from '../mysql-wire-value.js';
import { mysqlChecksumSql } from './mysql-checksum-sql.js';
import { mysqlRangeWhere, type MysqlCondition, type MysqlKeyRange } from './mysql-range-sql.js';
import {
  cellText,
  createJsonPieces,
  digestJsonParts,
  digestRows,
  rowTextOf,
} from './mysql-row-text.js';
import type { RangeSizing } from './range-sizing.js';
import { rowHash60 } from '@database-replicator/pipeline';

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
  /** Key columns in key order (replication refuses tables without one). */
  keyColumns: readonly MysqlWireColumn[];
  /** How ranges are sized, and whether the key index is scanned in key order. */
  sizing: RangeSizing;
  /** Compared columns declared NOT NULL (their row text skips the NULL test). Default none. */
  notNull?: ReadonlySet<string>;
}>;

/** The session setting the digests need: GROUP_CONCAT cuts at 1 MiB by default. */
export const GROUP_CONCAT_SQL = 'SET SESSION group_concat_max_len = 4294967295';

/** Creates the checksummer of one MySQL table. */
export function createMysqlChecksummer(options: MysqlChecksummerOptions): MysqlChecksummer {
  const { pool, keyColumns, sizing } = options;
  const sql = mysqlChecksumSql(
    options.table,
    options.columns,
    keyColumns,
    sizing.scanOrdered,
    options.notNull,
  );
  const { layout } = sql;
  const jsonPieces = createJsonPieces();
  const where = `${options.table.schema}.${options.table.table}`;
  const rangeRows = Math.max(1, Math.floor(sizing.textBudgetBytes / sizing.rowTextBytes));
  const select = (
    doing: string,
    range: MysqlKeyRange,
    build: (condition: MysqlCondition) => string,
    extra: readonly unknown[] = [],
  ) => {
    const condition = mysqlRangeWhere(keyColumns, range);
    return mysqlQuery(pool, `${doing} of ${where} for verify`, async (p) => {
      const [rows] = await p.query<RowDataPacket[]>({
        sql: build(condition),
        values: [...condition.values, ...extra],
        rowsAsArray: true,
      });
      return rows.map((row: unknown): readonly unknown[] => (Array.isArray(row) ? row : []));
    });
  };
  const keyOf = (row: readonly unknown[]) => keyColumns.map((_, i) => cellText(row[i]) ?? '');
  const keyAt = async (range: MysqlKeyRange, offset: number) => {
    const [row] = await select('reading a key boundary', range, sql.keyAt, [offset]);
    return row === undefined ? null : keyOf(row);
  };

  return Object.freeze({
    async *planBoundaries(chunkRows: number) {
      const step = Math.min(chunkRows, rangeRows);
      let after: readonly string[] | null = null;
      for (;;) {
        const boundary = await keyAt({ after, upTo: null }, step - 1);
        if (boundary === null) return;
        yield boundary;
        after = boundary;
      }
    },
    async hashRange(range: MysqlKeyRange) {
      const [row] = await select('counting and hashing rows', range, sql.range);
      const rows = Number(cellText(row?.[0]) ?? 0);
      if (rows === 0) return Object.freeze({ rows, hash: '' });
      const sqlParts = cellText(row?.[1]);
      const jsonParts =
        layout.jsonPart === null
          ? ''
          : digestJsonParts(layout, cellText(row?.[2]), rows, jsonPieces);
      if (sqlParts !== null && jsonParts !== null) {
        return Object.freeze({ rows, hash: sqlParts + jsonParts });
      }
      const read = await select('reading rows', range, (c) => sql.rows(c, false));
      return digestRows(layout, read, jsonPieces);
    },
    keyAt,
    async rowHashes(range: MysqlKeyRange) {
      if (layout.jsonPart === null) {
        const rows = await select('hashing single rows', range, sql.rowHashes);
        const at = keyColumns.length;
        return rows.map((row) =>
          Object.freeze({ key: keyOf(row), hash: cellText(row[at]) ?? '0' }),
        );
      }
      const rows = await select('reading rows', range, (c) => sql.rows(c, true));
      return rows.map((row) =>
        Object.freeze({
          key: keyOf(row),
          hash: rowHash60(rowTextOf(layout, row, keyColumns.length, jsonPieces)).toString(),
        }),
      );
    },
  });
}
