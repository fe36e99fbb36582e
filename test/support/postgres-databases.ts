/**
 * A fresh pair of databases per test file: `<prefix>_<random>` on the source cluster and on the
 * target cluster, dropped afterwards with everything that pins them (subscriptions, slots,
 * publications). Tests never share a database, so files run in parallel.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { requiredEnv } from './describe-with-services.js';

export interface TestDatabases {
  readonly name: string;
  /** URL of the fresh database on the source cluster (contains the test password). */
  readonly sourceUrl: string;
  /** URL of the fresh database on the target cluster. */
  readonly targetUrl: string;
  /** Runs SQL on the fresh source database. */
  source(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** Runs SQL on the fresh target database. */
  target(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** Drops subscriptions, slots and both databases; asserts nothing else holds them. */
  drop(): Promise<void>;
}

function urlWithDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function withClient<T>(url: string, body: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** Runs one statement against a URL with a short-lived connection. */
export function queryOnce(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult> {
  return withClient(url, (c) => c.query(sql, params));
}

export async function createTestDatabases(prefix: string): Promise<TestDatabases> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const sourceAdmin = requiredEnv('PG_SOURCE_URL');
  const targetAdmin = requiredEnv('PG_TARGET_URL');
  await queryOnce(sourceAdmin, `CREATE DATABASE "${name}"`);
  await queryOnce(targetAdmin, `CREATE DATABASE "${name}"`);
  const sourceUrl = urlWithDatabase(sourceAdmin, name);
  const targetUrl = urlWithDatabase(targetAdmin, name);
  return {
    name,
    sourceUrl,
    targetUrl,
    source: (sql, params) => queryOnce(sourceUrl, sql, params),
    target: (sql, params) => queryOnce(targetUrl, sql, params),
    drop: async () => {
      await dropSubscriptions(targetUrl);
      await dropSlots(sourceAdmin, name);
      await queryOnce(targetAdmin, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await queryOnce(sourceAdmin, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function dropSubscriptions(targetUrl: string): Promise<void> {
  await withClient(targetUrl, async (c) => {
    const { rows } = await c.query<{ subname: string }>(
      'SELECT subname FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())',
    );
    for (const { subname } of rows) {
      // Detach from the slot first so dropping the subscription never reaches for the source.
      await c.query(`ALTER SUBSCRIPTION "${subname}" DISABLE`);
      await c.query(`ALTER SUBSCRIPTION "${subname}" SET (slot_name = NONE)`);
      await c.query(`DROP SUBSCRIPTION "${subname}"`);
    }
  });
}

async function dropSlots(sourceAdmin: string, database: string): Promise<void> {
  await withClient(sourceAdmin, async (c) => {
    await c.query(
      'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL',
      [database],
    );
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const { rows } = await c.query<{ slot_name: string; active: boolean }>(
        'SELECT slot_name, active FROM pg_replication_slots WHERE database = $1',
        [database],
      );
      if (rows.length === 0) return;
      for (const row of rows.filter((r) => !r.active)) {
        await c.query('SELECT pg_drop_replication_slot($1)', [row.slot_name]);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`replication slots of ${database} stayed active`);
  });
}

/**
 * Every table of a database as sorted text lines, for an independent equality check: each
 * table dumped `ORDER BY` all its columns with `psql`-free SQL, so the comparison does not
 * depend on any code under test.
 */
export async function dumpAllTables(url: string): Promise<Record<string, string[]>> {
  return withClient(url, async (c) => {
    await c.query("SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET bytea_output = 'hex'");
    const { rows: tables } = await c.query<{ q: string; n: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS q, schemaname || '.' || tablename AS n
         FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema', '_replicator')
        ORDER BY 2`,
    );
    const result: Record<string, string[]> = {};
    for (const { q, n } of tables) {
      const { rows } = await c.query<{ r: string }>(`SELECT t::text AS r FROM ${q} t ORDER BY 1`);
      result[n] = rows.map((r) => r.r);
    }
    return result;
  });
}
