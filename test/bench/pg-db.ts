/**
 * PostgreSQL helpers shared by the dataset, the baselines and our runner: clients with an error
 * listener, databases made and dropped on the target, row counts. Identifiers are quoted by pg's
 * escapeIdentifier only; values are always parameters.
 */
import { Client, escapeIdentifier } from 'pg';
import { withDatabase } from './endpoints.js';

/** Connects to `database` on the server of `url`. */
export async function connectPg(
  url: URL,
  database: string,
  applicationName = 'dr-bench',
): Promise<Client> {
  const client = new Client({
    connectionString: withDatabase(url, database).href,
    application_name: applicationName,
  });
  // A server-side disconnect would otherwise crash the process as an unhandled 'error' event;
  // the next query on the client fails and reports it.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Runs `fn` with a fresh client, closing it afterwards. */
export async function withPg<T>(
  url: URL,
  database: string,
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const client = await connectPg(url, database);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops `name` (disconnecting its sessions) and creates it empty. */
export async function recreateDatabase(url: URL, name: string): Promise<void> {
  await withPg(url, 'postgres', async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${escapeIdentifier(name)}`);
  });
}

/** Drops `name` if it exists. */
export async function dropDatabase(url: URL, name: string): Promise<void> {
  await withPg(url, 'postgres', async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
  });
}

/** `schema.table` quoted. */
export function qualified(schema: string, table: string): string {
  return `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;
}

/** The schema holding a table named `table` (tools choose: public, or the MySQL database name). */
export async function findTableSchema(client: Client, table: string): Promise<string | undefined> {
  const result = await client.query<{ table_schema: string }>(
    `SELECT table_schema FROM information_schema.tables
      WHERE table_name = $1 AND table_type = 'BASE TABLE'
        AND table_schema NOT IN ('pg_catalog', 'information_schema')
      ORDER BY table_schema = 'public' DESC, table_schema LIMIT 1`,
    [table],
  );
  return result.rows[0]?.table_schema;
}

/** Rows per table, wherever each table lives; a missing table counts as -1. */
export async function countTables(
  client: Client,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const schema = await findTableSchema(client, table);
    if (schema === undefined) {
      counts[table] = -1;
      continue;
    }
    const result = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${qualified(schema, table)}`,
    );
    counts[table] = Number(result.rows[0]?.n ?? -1);
  }
  return counts;
}

/** Size of a database in bytes (tables, TOAST and indexes). */
export async function databaseSize(client: Client, name: string): Promise<number> {
  const result = await client.query<{ size: string }>('SELECT pg_database_size($1) AS size', [
    name,
  ]);
  return Number(result.rows[0]?.size ?? 0);
}

/** `major.minor` of the server, e.g. "15.18". */
export async function serverVersion(client: Client): Promise<string> {
  const result = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return (result.rows[0]?.v ?? '?').split(' ')[0] ?? '?';
}

/**
 * Drops the replication slots of database `database` on the source (terminating a walsender
 * still holding one): a leaked slot pins WAL forever, and DROP DATABASE refuses while one exists.
 */
export async function dropSlotsOf(url: URL, database: string): Promise<string[]> {
  return withPg(url, 'postgres', async (client) => {
    const slots = await client.query<{ slot_name: string; active_pid: number | null }>(
      'SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = $1',
      [database],
    );
    for (const slot of slots.rows) {
      if (slot.active_pid !== null)
        await client.query('SELECT pg_terminate_backend($1)', [slot.active_pid]);
      // A terminated walsender releases its slot asynchronously; retry briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          await client.query('SELECT pg_drop_replication_slot($1)', [slot.slot_name]);
          break;
        } catch (error) {
          if (attempt >= 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
    return slots.rows.map((s) => s.slot_name);
  });
}

/** Names of the subscriptions living in database `database` of the server of `url`. */
export async function subscriptionsIn(url: URL, database: string): Promise<string[]> {
  return withPg(url, 'postgres', async (client) => {
    const result = await client.query<{ subname: string }>(
      'SELECT s.subname FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = $1',
      [database],
    );
    return result.rows.map((r) => r.subname);
  });
}

/** Disables every subscription in `database` (replication stops; the slots keep the changes). */
export async function disableSubscriptionsIn(url: URL, database: string): Promise<string[]> {
  const names = await subscriptionsIn(url, database);
  await withPg(url, database, async (client) => {
    for (const name of names)
      await client.query(`ALTER SUBSCRIPTION ${escapeIdentifier(name)} DISABLE`);
  });
  return names;
}

/**
 * Drops every subscription in `database`, detached from its slot first (DROP would otherwise
 * reach for the source to drop the slot, and fail when it cannot); the caller drops the slots on
 * the source. DROP DATABASE refuses while a subscription lives in the database.
 */
export async function dropSubscriptionsIn(url: URL, database: string): Promise<string[]> {
  const names = await subscriptionsIn(url, database);
  if (names.length === 0) return names;
  await withPg(url, database, async (client) => {
    for (const name of names) {
      const quoted = escapeIdentifier(name);
      await client.query(`ALTER SUBSCRIPTION ${quoted} DISABLE`);
      await client.query(`ALTER SUBSCRIPTION ${quoted} SET (slot_name = NONE)`);
      await client.query(`DROP SUBSCRIPTION ${quoted}`);
    }
  });
  return names;
}

/** Drops every publication in `database` (the benchmark's source database is its own). */
export async function dropPublicationsIn(url: URL, database: string): Promise<string[]> {
  return withPg(url, database, async (client) => {
    const result = await client.query<{ pubname: string }>('SELECT pubname FROM pg_publication');
    for (const { pubname } of result.rows)
      await client.query(`DROP PUBLICATION ${escapeIdentifier(pubname)}`);
    return result.rows.map((r) => r.pubname);
  });
}
