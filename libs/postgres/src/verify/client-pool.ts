/**
 * A small pool of connections to one server for verify: up to `size` clients, opened on demand
 * with connectPostgres (so every session has the settings that make text forms comparable),
 * one statement per checkout. A client whose statement failed for any reason other than an SQL
 * error is closed rather than reused, since its connection may be broken.
 *
 * States: open (hands out clients) → closed (`close()` ended idle clients; busy ones are ended
 * when returned; further checkouts reject).
 */
import type { Logger, Secret } from '@database-replicator/core';
import type pg from 'pg';
import { connectPostgres, hostOf, type PostgresClient } from '../connection.js';

/** A bounded set of connections; see {@link createClientPool}. */
export type PostgresClientPool = Readonly<{
  /** `host:port/database`, for messages. */
  where: string;
  /** Runs one statement on a pooled client. */
  query<R extends pg.QueryResultRow>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** Runs `body` with one pooled client to itself (for helpers that take a client). */
  use<T>(body: (client: PostgresClient) => Promise<T>): Promise<T>;
  /** Ends every client; waits for none. Never throws. */
  close(): Promise<void>;
}>;

/** Options of {@link createClientPool}. */
export type ClientPoolOptions = Readonly<{
  /** Most clients open at once (at least 1). */
  size: number;
  applicationName?: string;
  logger?: Logger;
}>;

// money's text form follows lc_monetary, which servers may set differently.
const VERIFY_SESSION = "SET lc_monetary = 'C'";

type Waiter = (client: PostgresClient | null) => void;

function isSqlError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    /^[0-9A-Z]{5}$/.test(error.code) &&
    !error.code.startsWith('08')
  );
}

/** Creates a pool; no connection is opened until the first query. */
export function createClientPool(url: Secret, options: ClientPoolOptions): PostgresClientPool {
  const size = Math.max(1, Math.floor(options.size));
  const idle: PostgresClient[] = [];
  const waiting: Waiter[] = [];
  let open = 0;
  let closed = false;
  const ending = new Set<Promise<void>>();
  const end = (client: PostgresClient): void => {
    const done = client.close().finally(() => ending.delete(done));
    ending.add(done);
  };

  const connect = async (): Promise<PostgresClient> => {
    try {
      const client = await connectPostgres(url, {
        applicationName: options.applicationName ?? 'database-replicator verify',
        ...(options.logger === undefined ? {} : { logger: options.logger }),
      });
      await client.query(VERIFY_SESSION);
      return client;
    } catch (error) {
      // A slot freed by a failed connect goes to the next waiter, who tries for itself.
      open -= 1;
      waiting.shift()?.(null);
      throw error;
    }
  };
  const checkout = async (): Promise<PostgresClient> => {
    if (closed) throw new Error(`verify connection pool for ${hostOf(url)} is closed`);
    const ready = idle.pop();
    if (ready !== undefined) return ready;
    if (open < size) {
      open += 1;
      return connect();
    }
    const handed = await new Promise<PostgresClient | null>((resolve) => waiting.push(resolve));
    if (handed !== null) return handed;
    if (closed) throw new Error(`verify connection pool for ${hostOf(url)} is closed`);
    open += 1;
    return connect();
  };
  const checkin = (client: PostgresClient, healthy: boolean): void => {
    if (!healthy || closed) {
      open -= 1;
      end(client);
      waiting.shift()?.(null);
      return;
    }
    const next = waiting.shift();
    if (next === undefined) idle.push(client);
    else next(client);
  };

  const use = async <T>(body: (client: PostgresClient) => Promise<T>): Promise<T> => {
    const client = await checkout();
    let healthy = true;
    try {
      return await body(client);
    } catch (error) {
      healthy = isSqlError(error);
      throw error;
    } finally {
      checkin(client, healthy);
    }
  };

  return Object.freeze({
    where: hostOf(url),
    use,
    query: <R extends pg.QueryResultRow>(sql: string, params: readonly unknown[] = []) =>
      use((client) => client.query<R>(sql, [...params])),
    async close() {
      closed = true;
      idle.splice(0).forEach(end);
      waiting.splice(0).forEach((wake) => wake(null));
      await Promise.all([...ending]);
    },
  });
}
