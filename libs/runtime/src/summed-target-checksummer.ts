/**
 * The PostgreSQL side of verify for MongoDB sources: count and the sum of canonical row hashes
 * (libs/postgres `canonicalRowHash`, the first 60 bits of the MD5 of the canonical row text) per
 * key range, per-row hashes for bisection's leaves, keys as text. The canonical target digests a
 * range's rows in key order instead, which the MongoDB side cannot feed: it orders `_id` texts
 * in memory and keeps one hash per document (libs/source-mongodb mongo-checksummer.ts); a sum
 * does not depend on the order. Text keys compare bytewise (`COLLATE "C"`), as that side orders
 * them; key values travel as text and are cast to the column's type.
 */
import {
  formatTableRef,
  isReplicatorError,
  quoteIdent,
  quoteTable,
  replicatorError,
  type TableId,
} from '@database-replicator/core';
import type { TableChecksummer } from '@database-replicator/pipeline';
import {
  canonicalRowHash,
  type CanonicalColumn,
  type PostgresClientPool,
} from '@database-replicator/postgres';

/** One table as the summed target side compares it. */
export type SummedTargetTable = Readonly<{
  id: TableId;
  /** Compared columns in the source's order, with their canonical rendering. */
  columns: readonly CanonicalColumn[];
  /** Key columns in key order with their target type; `text` ones compare bytewise. */
  key: readonly Readonly<{ name: string; text: boolean; type: string }>[];
}>;

type KeyRange = Readonly<{ after: readonly string[] | null; upTo: readonly string[] | null }>;

class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Creates the target checksummer of `table` on `pool`. */
export function createSummedTargetChecksummer(
  pool: PostgresClientPool,
  table: SummedTargetTable,
): TableChecksummer {
  const from = quoteTable(table.id);
  const name = formatTableRef(table.id);
  const rowHash = canonicalRowHash(table.columns);
  const operands = table.key.map((k) => `${quoteIdent(k.name)}${k.text ? ' COLLATE "C"' : ''}`);
  const order = operands.join(', ');
  const keyText = `ARRAY[${table.key.map((k) => `${quoteIdent(k.name)}::text`).join(', ')}]::text[]`;

  const bound = (values: readonly string[], op: '>' | '<=', params: Params) => {
    const casts = table.key.map(
      (k, i) => `CAST(${params.add(values[i] ?? '')}::text AS ${k.type})`,
    );
    return operands.length === 1
      ? `${operands[0] ?? ''} ${op} ${casts[0] ?? ''}`
      : `(${order}) ${op} (${casts.join(', ')})`;
  };
  const where = (range: KeyRange, params: Params) => {
    const parts: string[] = [];
    if (range.after !== null) parts.push(bound(range.after, '>', params));
    if (range.upTo !== null) parts.push(bound(range.upTo, '<=', params));
    return parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`;
  };
  const run = async <R extends Record<string, unknown>>(
    what: string,
    sql: string,
    params: Params,
  ) => {
    try {
      return (await pool.query<R>(sql, params.values)).rows;
    } catch (error) {
      throw queryFailed(`${what} of table ${name}`, pool.where, name, error);
    }
  };
  const keyAt = async (range: KeyRange, offset: number) => {
    const params = new Params();
    const sql = `SELECT ${keyText} AS key FROM ${from} ${where(range, params)} ORDER BY ${order} LIMIT 1 OFFSET ${params.add(offset)}`;
    const rows = await run<{ key: string[] }>('read a key boundary', sql, params);
    return rows[0]?.key ?? null;
  };

  return Object.freeze({
    async hashRange(range: KeyRange) {
      const params = new Params();
      // sum() over bigint accumulates exactly and returns numeric: no overflow.
      const sql = `SELECT count(*)::text AS rows, COALESCE(sum(${rowHash}), 0)::text AS hash FROM ${from} ${where(range, params)}`;
      const rows = await run<{ rows: string; hash: string }>('count and hash rows', sql, params);
      return Object.freeze({ rows: Number(rows[0]?.rows ?? 0), hash: rows[0]?.hash ?? '0' });
    },
    keyAt,
    async rowHashes(range: KeyRange) {
      const params = new Params();
      const sql = `SELECT ${keyText} AS key, ${rowHash}::text AS hash FROM ${from} ${where(range, params)} ORDER BY ${order}`;
      const rows = await run<{ key: string[]; hash: string }>('hash single rows', sql, params);
      return rows.map((row) => Object.freeze({ key: row.key, hash: row.hash }));
    },
  });
}

function queryFailed(what: string, where: string, table: string, error: unknown): Error {
  if (isReplicatorError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return replicatorError(
    'REPL_VERIFY_QUERY_FAILED',
    `verify could not ${what} on the target (${where}): ${reason}`,
    { details: { side: 'target', host: where, table }, cause: error },
  );
}
