/**
 * Catalog questions the dump needs answered about the source: the partitions under a
 * partitioned table (pg_dump's -T and --exclude-table-data apply to one relation, not to its
 * partitions), the views built on tables that are left out (they could not be restored), and
 * foreign keys from selected tables to tables that are left out (the constraint could not be
 * restored).
 */
import { replicatorError, formatTableRef, type TableId } from '@database-replicator/core';
import type pg from 'pg';

type NameRow = { schema: string; table: string };

function columns(ids: readonly TableId[]): [string[], string[]] {
  return [ids.map((id) => id.schema), ids.map((id) => id.table)];
}

function toIds(rows: readonly NameRow[]): readonly TableId[] {
  return Object.freeze(rows.map((r) => Object.freeze({ schema: r.schema, table: r.table })));
}

const PARTITIONS_SQL = `
SELECT n.nspname AS schema, c.relname AS table
  FROM unnest($1::text[], $2::text[]) AS r(schema, name)
  JOIN pg_namespace rn ON rn.nspname = r.schema
  JOIN pg_class rc ON rc.relnamespace = rn.oid AND rc.relname = r.name AND rc.relkind = 'p'
 CROSS JOIN LATERAL pg_partition_tree(rc.oid) AS t
  JOIN pg_class c ON c.oid = t.relid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE t.relid <> rc.oid
 ORDER BY 1, 2`;

/** Every partition (at any level) of the partitioned tables among `roots`. */
export async function listPartitions(
  client: pg.ClientBase,
  roots: readonly TableId[],
): Promise<readonly TableId[]> {
  if (roots.length === 0) return [];
  const { rows } = await client.query<NameRow>(PARTITIONS_SQL, columns(roots));
  return toIds(rows);
}

const DEPENDENT_VIEWS_SQL = `
WITH RECURSIVE dependent(oid) AS (
  SELECT c.oid
    FROM unnest($1::text[], $2::text[]) AS r(schema, name)
    JOIN pg_namespace n ON n.nspname = r.schema
    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = r.name
  UNION
  SELECT rw.ev_class
    FROM dependent
    JOIN pg_depend d ON d.refobjid = dependent.oid AND d.refclassid = 'pg_class'::regclass
                    AND d.classid = 'pg_rewrite'::regclass
    JOIN pg_rewrite rw ON rw.oid = d.objid
   WHERE rw.ev_class <> dependent.oid
)
SELECT n.nspname AS schema, c.relname AS table
  FROM dependent
  JOIN pg_class c ON c.oid = dependent.oid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm')
 ORDER BY 1, 2`;

/** Views and materialized views that read (directly or through other views) any of `tables`. */
export async function listDependentViews(
  client: pg.ClientBase,
  tables: readonly TableId[],
): Promise<readonly TableId[]> {
  if (tables.length === 0) return [];
  const { rows } = await client.query<NameRow>(DEPENDENT_VIEWS_SQL, columns(tables));
  return toIds(rows);
}

const FOREIGN_KEYS_SQL = `
SELECT con.conname AS name, sn.nspname AS from_schema, s.relname AS from_table,
       rn.nspname AS to_schema, r.relname AS to_table
  FROM pg_constraint con
  JOIN pg_class s ON s.oid = con.conrelid
  JOIN pg_namespace sn ON sn.oid = s.relnamespace
  JOIN pg_class r ON r.oid = con.confrelid
  JOIN pg_namespace rn ON rn.oid = r.relnamespace
 WHERE con.contype = 'f' AND con.conparentid = 0 AND NOT s.relispartition
 ORDER BY 2, 3, 1`;

type ForeignKeyRow = {
  name: string;
  from_schema: string;
  from_table: string;
  to_schema: string;
  to_table: string;
};

/**
 * @throws ReplicatorError `REPL_NATIVE_FOREIGN_KEY_OUTSIDE` when a table of `selected` has a
 *   foreign key to a table outside `selected`.
 */
export async function assertForeignKeysInside(
  client: pg.ClientBase,
  database: string,
  selected: readonly TableId[],
): Promise<void> {
  const keys = new Set(selected.map((id) => JSON.stringify([id.schema, id.table])));
  const { rows } = await client.query<ForeignKeyRow>(FOREIGN_KEYS_SQL);
  const outside = rows.filter(
    (row) =>
      keys.has(JSON.stringify([row.from_schema, row.from_table])) &&
      !keys.has(JSON.stringify([row.to_schema, row.to_table])),
  );
  const first = outside[0];
  if (first === undefined) return;
  const list = outside.map(
    (row) =>
      `${formatTableRef({ schema: row.from_schema, table: row.from_table })} (${row.name}) → ${formatTableRef({ schema: row.to_schema, table: row.to_table })}`,
  );
  throw replicatorError(
    'REPL_NATIVE_FOREIGN_KEY_OUTSIDE',
    `Database ${database}: foreign keys point to tables the filters leave out: ${list.join('; ')}`,
    {
      fix: `Include ${formatTableRef({ schema: first.to_schema, table: first.to_table })} with its rows, or leave ${formatTableRef({ schema: first.from_schema, table: first.from_table })} out.`,
      details: { database, constraint: first.name },
    },
  );
}
