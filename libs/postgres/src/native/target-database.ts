/**
 * Target-side preparation: the target database of each source database (created when a filter
 * names a database the target server lacks), the check that a fresh run does not overwrite
 * tables it did not create, and the clean-up before a restore is redone.
 */
import { quoteIdent, quoteTable, type Logger, type TableId } from '@database-replicator/core';
import type pg from 'pg';

/**
 * Creates database `name` on the target server if it does not exist. `client` is connected to
 * any database of that server.
 *
 * @returns Whether it was created.
 */
export async function ensureTargetDatabase(
  client: pg.ClientBase,
  name: string,
  logger: Logger,
): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if ((rowCount ?? 0) > 0) return false;
  await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
  logger.info({ database: name }, 'target database created');
  return true;
}

const EXISTING_SQL = `
SELECT n.nspname AS schema, c.relname AS table
  FROM unnest($1::text[], $2::text[]) AS w(schema, name)
  JOIN pg_namespace n ON n.nspname = w.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.name
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
 ORDER BY 1, 2`;

/** The relations among `tables` that exist in the target database `client` is connected to. */
export async function findExistingTables(
  client: pg.ClientBase,
  tables: readonly TableId[],
): Promise<readonly TableId[]> {
  if (tables.length === 0) return [];
  const { rows } = await client.query<{ schema: string; table: string }>(EXISTING_SQL, [
    tables.map((t) => t.schema),
    tables.map((t) => t.table),
  ]);
  return rows.map((r) => Object.freeze({ schema: r.schema, table: r.table }));
}

/**
 * Drops `tables` (and what depends on them: views, foreign keys of other tables) so that a
 * restore can be redone from the start. pg_restore --clean alone cannot: it would drop a table
 * before the foreign keys pointing to it.
 */
export async function dropTargetTables(
  client: pg.ClientBase,
  tables: readonly TableId[],
): Promise<void> {
  if (tables.length === 0) return;
  await client.query(`DROP TABLE IF EXISTS ${tables.map(quoteTable).join(', ')} CASCADE`);
}

/** Empties `tables`, to load their filtered rows again. */
export async function truncateTargetTables(
  client: pg.ClientBase,
  tables: readonly TableId[],
): Promise<void> {
  if (tables.length === 0) return;
  await client.query(`TRUNCATE ${tables.map(quoteTable).join(', ')}`);
}
