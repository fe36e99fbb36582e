/**
 * One side of one table for the generic verifier (libs/pipeline's TableChecksummer, matched
 * structurally): count and hash per key range pushed into SQL, key boundaries (the verifier walks `keyAt`: keyset
 * pagination over the primary key), and per-row hashes for the small ranges bisection ends in.
 * Every failure becomes REPL_VERIFY_QUERY_FAILED naming the table, the side and the server.
 */
import { formatTableRef, quoteIdent, quoteTable, type TableId } from '@database-replicator/core';
import type pg from 'pg';
import { canonicalRangeSql, canonicalRowHash, type CanonicalColumn } from './canonical-sql.js';
import type { PostgresClientPool } from './client-pool.js';
import {
  SqlParams,
  TABLE_ALIAS,
  keyOrder,
  keyText,
  rowHash,
  whereClause,
  type KeyColumn,
  type RowFilter,
  type TextKeyRange,
} from './range-sql.js';
import { verifyQueryFailed } from './verify-query-failed.js';

/** What {@link createPostgresChecksummer} needs to know about one side of a table. */
export type PostgresChecksummerOptions = Readonly<{
  pool: PostgresClientPool;
  side: 'source' | 'target';
  table: TableId;
  /** Columns hashed, in the source's order (both sides hash the same list). */
  columns: readonly string[];
  /** Primary-key columns with this side's types; empty for a table without a key. */
  key: readonly KeyColumn[];
  filter: RowFilter;
  /**
   * Cross-engine verify: the compared columns with their canonical renderings, which a source
   * engine can reproduce: ranges are then hashed by canonical-sql.ts's `canonicalRangeSql`, rows
   * by its `canonicalRowHash`. Default: `hashtextextended` of each row's text, summed.
   */
  canonical?: readonly CanonicalColumn[];
}>;

/** A side of a table; the shape of libs/pipeline's TableChecksummer. */
export type PostgresChecksummer = Readonly<{
  hashRange(range: TextKeyRange): Promise<Readonly<{ rows: number; hash: string }>>;
  keyAt(range: TextKeyRange, offset: number): Promise<readonly string[] | null>;
  rowHashes(
    range: TextKeyRange,
  ): Promise<readonly Readonly<{ key: readonly string[]; hash: string }>[]>;
}>;

type KeyRow = { key: string[] };

/** Creates the checksummer of one side of one table. */
export function createPostgresChecksummer(
  options: PostgresChecksummerOptions,
): PostgresChecksummer {
  const { pool, key, filter } = options;
  const from = `${quoteTable(options.table)} AS ${TABLE_ALIAS}`;
  const hash =
    options.canonical === undefined
      ? rowHash(options.columns)
      : canonicalRowHash(options.canonical);

  const run = async <R extends pg.QueryResultRow>(what: string, sql: string, params: SqlParams) => {
    try {
      return (await pool.query<R>(sql, params.values)).rows;
    } catch (error) {
      throw queryFailed(options, what, error);
    }
  };
  const keyAt = async (range: TextKeyRange, offset: number) => {
    const params = new SqlParams();
    const where = whereClause(key, range, filter, params);
    // The key text is built for the one row found, not for each row the offset skips.
    const columns = key.map((k) => quoteIdent(k.name)).join(', ');
    const found = `SELECT ${columns} FROM ${from} ${where} ORDER BY ${keyOrder(key)} LIMIT 1 OFFSET ${params.add(offset)}`;
    const sql = `SELECT ${keyText(key)} AS key FROM (${found}) AS ${TABLE_ALIAS}`;
    const rows = await run<KeyRow>('read a key boundary', sql, params);
    return rows[0]?.key ?? null;
  };

  return Object.freeze({
    async hashRange(range: TextKeyRange) {
      const params = new SqlParams();
      const where = whereClause(key, range, filter, params);
      // sum() over bigint accumulates exactly (128-bit) and returns numeric: no overflow.
      const sql =
        options.canonical === undefined
          ? `SELECT count(*)::text AS rows, COALESCE(sum(${hash}), 0)::text AS hash FROM ${from} ${where}`
          : canonicalRangeSql(options.canonical, { from, where, order: keyOrder(key) });
      const rows = await run<{ rows: string; hash: string }>('count and hash rows', sql, params);
      const row = rows[0];
      return Object.freeze({ rows: Number(row?.rows ?? 0), hash: row?.hash ?? '0' });
    },
    keyAt,
    async rowHashes(range: TextKeyRange) {
      const params = new SqlParams();
      const where = whereClause(key, range, filter, params);
      const sql = `SELECT ${keyText(key)} AS key, ${hash}::text AS hash FROM ${from} ${where} ORDER BY ${keyOrder(key)}`;
      const rows = await run<{ key: string[]; hash: string }>('hash single rows', sql, params);
      return Object.freeze(rows.map((r) => Object.freeze({ key: r.key, hash: r.hash })));
    },
  });
}

function queryFailed(options: PostgresChecksummerOptions, what: string, error: unknown) {
  const table = formatTableRef(options.table);
  return verifyQueryFailed(
    { what: `${what} of table ${table}`, side: options.side, where: options.pool.where, table },
    error,
  );
}
