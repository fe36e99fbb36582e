/**
 * What a PostgreSQL database holds, as far as replication cares: its user tables with their
 * primary keys, replica identity and size, and its sequences.
 */
import type { TableId } from '@database-replicator/core';
import type pg from 'pg';

/** REPLICA IDENTITY of a table: default (primary key), index, full, nothing. */
export type ReplicaIdentity = 'default' | 'index' | 'full' | 'nothing';

/** One user table. */
export type PostgresTableInfo = Readonly<{
  id: TableId;
  /** Primary-key columns in key order; empty for a keyless table. */
  primaryKey: readonly string[];
  /** All columns in attribute order (dropped and generated columns left out). */
  columns: readonly string[];
  replicaIdentity: ReplicaIdentity;
  /** Planner estimate (`reltuples`); -1 when never analysed. */
  estimatedRows: number;
  /** Size including TOAST and indexes, in bytes. */
  totalBytes: number;
  partitioned: boolean;
}>;

const IDENTITY: Readonly<Record<string, ReplicaIdentity>> = {
  d: 'default',
  i: 'index',
  f: 'full',
  n: 'nothing',
};

// Partitions are reached through their root (publish_via_partition_root, pg_dump), so only
// roots and plain tables are listed. Our own state schema is never replicated.
const TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS table, c.relreplident AS identity,
       c.reltuples::float8 AS estimated_rows, pg_total_relation_size(c.oid)::float8 AS total_bytes,
       c.relkind = 'p' AS partitioned,
       COALESCE((SELECT array_agg(a.attname::text ORDER BY k.ord)
                   FROM pg_index i
                   CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                  WHERE i.indrelid = c.oid AND i.indisprimary), '{}') AS primary_key,
       COALESCE((SELECT array_agg(a.attname::text ORDER BY a.attnum)
                   FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND a.attgenerated = ''), '{}') AS columns
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_replicator')
   AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.objid = c.oid AND d.deptype = 'e')
 ORDER BY 1, 2`;

type TableRow = {
  schema: string;
  table: string;
  identity: string;
  estimated_rows: number;
  total_bytes: number;
  partitioned: boolean;
  primary_key: string[];
  columns: string[];
};

/** Lists the user tables of the connected database (extension-owned tables left out). */
export async function listTables(client: pg.ClientBase): Promise<readonly PostgresTableInfo[]> {
  const { rows } = await client.query<TableRow>(TABLES_SQL);
  return Object.freeze(
    rows.map((row) =>
      Object.freeze({
        id: Object.freeze({ schema: row.schema, table: row.table }),
        primaryKey: Object.freeze(row.primary_key),
        columns: Object.freeze(row.columns),
        replicaIdentity: IDENTITY[row.identity] ?? 'default',
        estimatedRows: row.estimated_rows,
        totalBytes: row.total_bytes,
        partitioned: row.partitioned,
      }),
    ),
  );
}

/** One sequence and its current value. */
export type PostgresSequenceInfo = Readonly<{
  schema: string;
  name: string;
  /** `last_value` as a decimal string (sequences are 64-bit); null when never called. */
  lastValue: string | null;
  /** The column that owns it (`OWNED BY`, serial and identity columns), if any. */
  ownedBy: Readonly<{ schema: string; table: string; column: string }> | null;
}>;

const SEQUENCES_SQL = `
SELECT s.schemaname AS schema, s.sequencename AS name, s.last_value::text AS last_value,
       tn.nspname AS owner_schema, t.relname AS owner_table, a.attname AS owner_column
  FROM pg_sequences s
  JOIN pg_class c ON c.relname = s.sequencename
  JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname
  LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass
                        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  LEFT JOIN pg_class t ON t.oid = d.refobjid
  LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
  LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
 WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema', '_replicator')
 ORDER BY 1, 2`;

type SequenceRow = {
  schema: string;
  name: string;
  last_value: string | null;
  owner_schema: string | null;
  owner_table: string | null;
  owner_column: string | null;
};

/** Lists the sequences of the connected database with their values and owning columns. */
export async function listSequences(
  client: pg.ClientBase,
): Promise<readonly PostgresSequenceInfo[]> {
  const { rows } = await client.query<SequenceRow>(SEQUENCES_SQL);
  return Object.freeze(
    rows.map((row) =>
      Object.freeze({
        schema: row.schema,
        name: row.name,
        lastValue: row.last_value,
        ownedBy:
          row.owner_schema !== null && row.owner_table !== null && row.owner_column !== null
            ? Object.freeze({
                schema: row.owner_schema,
                table: row.owner_table,
                column: row.owner_column,
              })
            : null,
      }),
    ),
  );
}
