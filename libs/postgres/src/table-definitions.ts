/**
 * What another PostgreSQL database needs to recreate a table: each column's type as DDL text,
 * the secondary indexes as runnable statements, and the columns of the replica identity index.
 * Read with `search_path` set to `pg_catalog` so that every user type, table and index is
 * schema-qualified in the text (`public.mood`, `ON public.orders`), whatever the session's path.
 */
import { quoteTable, type TableId } from '@database-replicator/core';
import type pg from 'pg';

/** One column as the target creates it. */
export type PostgresColumnDefinition = Readonly<{
  name: string;
  /** `format_type(atttypid, atttypmod)`: `numeric(12,2)`, `text[]`, `public.mood`. */
  type: string;
  nullable: boolean;
  /** `atttypid`: the column's own type (a domain, not its base type). */
  typeOid: number;
}>;

/** One table's definition. */
export type PostgresTableDefinition = Readonly<{
  id: TableId;
  /** Columns in attribute order; dropped and generated columns left out (as `listTables`). */
  columns: readonly PostgresColumnDefinition[];
  /**
   * Valid indexes other than the primary key, as `CREATE [UNIQUE] INDEX IF NOT EXISTS name ON
   * schema.table …` (never `ON ONLY`: the target table is a plain table), by index name.
   */
  indexes: readonly string[];
  /** Columns of the REPLICA IDENTITY USING INDEX index, in index order; empty otherwise. */
  replicaIdentityColumns: readonly string[];
}>;

const COLUMNS_SQL = `
SELECT r.name AS ref, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       NOT a.attnotnull AS nullable, a.atttypid::int8::float8 AS type_oid
  FROM unnest($1::text[]) AS r(name)
  JOIN pg_attribute a ON a.attrelid = to_regclass(r.name)
 WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
 ORDER BY r.name, a.attnum`;

const INDEXES_SQL = `
SELECT r.name AS ref, pg_get_indexdef(i.indexrelid) AS definition
  FROM unnest($1::text[]) AS r(name)
  JOIN pg_index i ON i.indrelid = to_regclass(r.name)
  JOIN pg_class ic ON ic.oid = i.indexrelid
 WHERE NOT i.indisprimary AND i.indisvalid
 ORDER BY r.name, ic.relname`;

const IDENTITY_SQL = `
SELECT r.name AS ref, a.attname AS name
  FROM unnest($1::text[]) AS r(name)
  JOIN pg_index i ON i.indexrelid = pg_get_replica_identity_index(to_regclass(r.name))
  CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
 WHERE (SELECT relreplident FROM pg_class WHERE oid = i.indrelid) = 'i'
 ORDER BY r.name, k.ord`;

type ColumnRow = { ref: string; name: string; type: string; nullable: boolean; type_oid: number };

/**
 * Reads the definitions of `tables` (a table that does not exist is left out). Runs in its own
 * transaction, so `client` must not be inside one.
 */
export async function readTableDefinitions(
  client: pg.ClientBase,
  tables: readonly TableId[],
): Promise<readonly PostgresTableDefinition[]> {
  const refs = tables.map((id) => quoteTable({ schema: id.schema, table: id.table }));
  await client.query('BEGIN READ ONLY');
  try {
    await client.query("SET LOCAL search_path = 'pg_catalog'");
    const columns = await client.query<ColumnRow>(COLUMNS_SQL, [refs]);
    const indexes = await client.query<{ ref: string; definition: string }>(INDEXES_SQL, [refs]);
    const identity = await client.query<{ ref: string; name: string }>(IDENTITY_SQL, [refs]);
    await client.query('COMMIT');
    const columnsOf = groupByRef(columns.rows);
    const indexesOf = groupByRef(indexes.rows);
    const identityOf = groupByRef(identity.rows);
    return Object.freeze(
      tables.flatMap((id, index) => {
        const ref = refs[index] ?? '';
        const own = columnsOf.get(ref) ?? [];
        if (own.length === 0) return [];
        return [
          Object.freeze({
            id,
            columns: Object.freeze(own.map(columnOf)),
            indexes: Object.freeze(
              (indexesOf.get(ref) ?? []).map((row) => ifNotExists(row.definition)),
            ),
            replicaIdentityColumns: Object.freeze(
              (identityOf.get(ref) ?? []).map((row) => row.name),
            ),
          }),
        ];
      }),
    );
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function groupByRef<R extends { ref: string }>(rows: readonly R[]): Map<string, R[]> {
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const list = groups.get(row.ref);
    if (list === undefined) groups.set(row.ref, [row]);
    else list.push(row);
  }
  return groups;
}

function columnOf(row: ColumnRow): PostgresColumnDefinition {
  return Object.freeze({
    name: row.name,
    type: row.type,
    nullable: row.nullable,
    typeOid: row.type_oid,
  });
}

/** `CREATE [UNIQUE] INDEX name ON [ONLY] t …` → `CREATE [UNIQUE] INDEX IF NOT EXISTS name ON t …`. */
function ifNotExists(definition: string): string {
  return definition
    .replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS ')
    .replace(/ ON ONLY /, ' ON ');
}
