/**
 * The columns of every user table of one side, with their types and collations, read in one
 * query. Types cast key boundaries (which travel as text) back to each side's own column type;
 * collations decide whether both sides order text keys alike.
 */
import { tableKey, type TableId } from '@database-replicator/core';
import type { PostgresClientPool } from './client-pool.js';

/** One column of a table. */
export type ColumnShape = Readonly<{
  name: string;
  /** `format_type()`, e.g. `numeric(30,10)`, usable in a cast. */
  type: string;
  /** Collation name (the database's for `default`); null for types without collation. */
  collation: string | null;
  /** A generated column (computed from the others, so never compared). */
  generated: boolean;
  /** Position in the primary key, from 1; null when not a key column. */
  keyPosition: number | null;
}>;

/** Columns of every table of a database, keyed by {@link tableKey}. */
export type TableColumns = ReadonlyMap<string, readonly ColumnShape[]>;

const COLUMNS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       CASE WHEN a.attcollation = 0 THEN NULL
            WHEN co.collname = 'default'
              THEN (SELECT datcollate FROM pg_database WHERE datname = current_database())
            ELSE co.collname END AS collation,
       a.attgenerated <> '' AS generated,
       (SELECT k.ord::int4
          FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         WHERE i.indrelid = c.oid AND i.indisprimary AND k.attnum = a.attnum) AS key_position
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
 ORDER BY n.nspname, c.relname, a.attnum`;

type ColumnRow = {
  schema: string;
  table: string;
  // Null for a table without columns (the LEFT JOIN keeps the table itself).
  name: string | null;
  type: string | null;
  collation: string | null;
  generated: boolean | null;
  key_position: number | null;
};

/**
 * Reads the columns of every table; a table with no columns maps to an empty list. (Columns
 * and keys come from here rather than listTables, whose name[] columns pg returns unparsed.)
 */
export async function readTableColumns(pool: PostgresClientPool): Promise<TableColumns> {
  const { rows } = await pool.query<ColumnRow>(COLUMNS_SQL);
  const tables = new Map<string, ColumnShape[]>();
  for (const row of rows) {
    const key = tableKey({ schema: row.schema, table: row.table });
    const columns = tables.get(key) ?? [];
    tables.set(key, columns);
    if (row.name !== null && row.type !== null) {
      columns.push(
        Object.freeze({
          name: row.name,
          type: row.type,
          collation: row.collation,
          generated: row.generated === true,
          keyPosition: row.key_position,
        }),
      );
    }
  }
  return tables;
}

/** The columns of `id`, or undefined when the side has no such table. */
export function columnsOf(tables: TableColumns, id: TableId): readonly ColumnShape[] | undefined {
  return tables.get(tableKey({ schema: id.schema, table: id.table }));
}

/** Columns compared: every non-generated column, in attribute order. */
export function comparedColumns(columns: readonly ColumnShape[]): readonly string[] {
  return columns.filter((c) => !c.generated).map((c) => c.name);
}

/** Primary-key columns in key order; empty for a table without a primary key. */
export function primaryKeyOf(columns: readonly ColumnShape[]): readonly string[] {
  return columns
    .filter((c) => c.keyPosition !== null)
    .sort((a, b) => (a.keyPosition ?? 0) - (b.keyPosition ?? 0))
    .map((c) => c.name);
}
