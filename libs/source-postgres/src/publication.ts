/**
 * The job's publication: created once, before the slot (pgoutput decodes each change with the
 * catalog as it was when the change was written, so a publication created after the slot would
 * not exist for the changes in between), and afterwards the record of each table's row filter.
 * Time filters become fixed cutoffs when the publication is created (a publication's row filter
 * must be immutable); the snapshot reads the filters back from the publication, so the copy and
 * the stream select exactly the same rows, in every process and after every restart.
 */
import { tableKey, type Logger, type TablePlan } from '@database-replicator/core';
import { composeRowPredicate, createNativePublication } from '@database-replicator/postgres';
import type pg from 'pg';

/** What creating the publication needs. */
export type EnsurePublicationOptions = Readonly<{
  name: string;
  database: string;
  tables: readonly TablePlan[];
  fixReplicaIdentity: boolean;
  logger: Logger;
}>;

/**
 * Creates the publication FOR TABLE the planned tables, with their row and time filters as row
 * filters, unless it exists.
 *
 * @returns Whether it was created now.
 * @throws ReplicatorError `REPL_NATIVE_ROW_FILTER_UNSUPPORTED`, `REPL_NATIVE_REPLICA_IDENTITY`,
 *   `REPL_NATIVE_PUBLICATION_FAILED` (see `createNativePublication`).
 */
export async function ensurePublication(
  client: pg.ClientBase,
  options: EnsurePublicationOptions,
): Promise<boolean> {
  if (await publicationExists(client, options.name)) return false;
  const versionNum = await serverVersionNum(client);
  // One now() for every filter, so all windows end at the same instant.
  const { rows } = await client.query<{ now: string }>('SELECT now()::text AS now');
  const now = rows[0]?.now ?? '';
  const tables = [];
  for (const entry of options.tables) {
    tables.push({
      id: { schema: entry.id.schema, table: entry.id.table },
      predicate: composeRowPredicate(entry, await timeCutoffs(client, entry, now)),
    });
  }
  await createNativePublication(client, {
    name: options.name,
    database: options.database,
    tables,
    versionNum,
    fixIdentity: options.fixReplicaIdentity,
    logger: options.logger,
  });
  options.logger.info({ publication: options.name, tables: tables.length }, 'publication created');
  return true;
}

/** True when the publication exists in the connected database. */
export async function publicationExists(client: pg.ClientBase, name: string): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name]);
  return rows.length > 0;
}

/**
 * The row filter of each table of the publication, by `tableKey`; `undefined` when the
 * publication does not exist. Sources older than PostgreSQL 15 have no row filters.
 */
export async function readRowFilters(
  client: pg.ClientBase,
  name: string,
): Promise<ReadonlyMap<string, string> | undefined> {
  if (!(await publicationExists(client, name))) return undefined;
  if ((await serverVersionNum(client)) < 150000) return new Map();
  const { rows } = await client.query<{ schema: string; table: string; predicate: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, pg_get_expr(r.prqual, r.prrelid) AS predicate
       FROM pg_publication p
       JOIN pg_publication_rel r ON r.prpubid = p.oid
       JOIN pg_class c ON c.oid = r.prrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE p.pubname = $1 AND r.prqual IS NOT NULL`,
    [name],
  );
  return new Map(
    rows.map((row) => [tableKey({ schema: row.schema, table: row.table }), row.predicate]),
  );
}

async function serverVersionNum(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ version: number }>(
    "SELECT current_setting('server_version_num')::int AS version",
  );
  return rows[0]?.version ?? 0;
}

/** `now - window` of each time filter of `entry`, in plan order, as timestamptz text (UTC). */
async function timeCutoffs(
  client: pg.ClientBase,
  entry: TablePlan,
  now: string,
): Promise<string[]> {
  const cutoffs: string[] = [];
  for (const filter of entry.timeFilters) {
    const { rows } = await client.query<{ cutoff: string }>(
      'SELECT ($1::timestamptz - $2::interval)::text AS cutoff',
      [now, `${filter.last.amount} ${filter.last.unit}`],
    );
    cutoffs.push(rows[0]?.cutoff ?? '');
  }
  return cutoffs;
}
