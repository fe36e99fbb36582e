/**
 * The connection a job store runs on: a single client, whose calls are queued so that one call's
 * transaction never interleaves with another call's statements, or a PostgresClientPool, where
 * each call takes a client of its own (calls then run in parallel, and `FOR UPDATE SKIP LOCKED`
 * arbitrates between them as it does between processes).
 */
import type pg from 'pg';
import type { PostgresClientPool } from '../verify/client-pool.js';

/** What {@link createPostgresJobStore} runs on; the `_replicator` schema must be migrated. */
export type JobStoreConnection = pg.ClientBase | PostgresClientPool;

/** Runs a body with a client to itself. */
export type JobDatabase = Readonly<{
  run<T>(body: (client: pg.ClientBase) => Promise<T>): Promise<T>;
}>;

/** Wraps `connection` so each call has a client to itself for its duration. */
export function jobDatabase(connection: JobStoreConnection): JobDatabase {
  if ('use' in connection) return Object.freeze({ run: (body) => connection.use(body) });
  let tail: Promise<unknown> = Promise.resolve();
  return Object.freeze({
    run<T>(body: (client: pg.ClientBase) => Promise<T>): Promise<T> {
      const result = tail.then(() => body(connection));
      // The queue only orders calls; each caller sees its own failure.
      tail = result.catch(() => undefined);
      return result;
    },
  });
}

/** Runs `body` in a transaction on `client`: COMMIT if it resolves, ROLLBACK if it throws. */
export async function inTransaction<T>(client: pg.ClientBase, body: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await body();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // The original failure is what the caller needs; a failed ROLLBACK means the connection
    // is gone, which the next statement reports.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * A statement sent with the extended protocol, which refuses more than one statement: DDL text
 * that came from a source lib (column types, index statements) cannot smuggle in a second one.
 * `queryMode` is a pg option that @types/pg does not declare.
 */
export function singleStatement(text: string): pg.QueryConfig {
  const config = { text, queryMode: 'extended' };
  return config;
}
