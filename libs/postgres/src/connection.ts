/**
 * Opening PostgreSQL connections from a secret URL. Every client gets an `error` listener at
 * creation (an idle client whose server goes away emits one, and an unhandled emit crashes the
 * process), and connection failures become coded errors that name the host, never the password.
 */
import pg from 'pg';
import { isTransientError, replicatorError, Secret, type Logger } from '@database-replicator/core';

/** A connected client; `close()` ends it and never throws. */
export type PostgresClient = pg.Client & { close(): Promise<void> };

/** Options of {@link connectPostgres}. */
export type ConnectOptions = Readonly<{
  /** `application_name`, shown in pg_stat_activity. Default 'database-replicator'. */
  applicationName?: string;
  /** Open a logical-replication walsender connection (`replication=database`). Default false. */
  replication?: boolean;
  /** Database to connect to instead of the URL's. */
  database?: string;
  /** Logger for errors emitted after connecting. */
  logger?: Logger;
  /** Connect timeout in milliseconds. Default 10000. */
  connectTimeoutMs?: number;
}>;

// Sessions read dates, times and intervals as text in one fixed form so that values and hashes
// compare byte for byte between source and target.
const SESSION_SETTINGS =
  "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'";

/**
 * Connects to the PostgreSQL server `url` points at.
 *
 * @throws ReplicatorError `REPL_AUTH_FAILED` (wrong user or password), `REPL_CONNECT_FAILED`
 *   (host unreachable, database missing, too many connections…); `cause` holds the driver error.
 */
export async function connectPostgres(
  url: Secret,
  options: ConnectOptions = {},
): Promise<PostgresClient> {
  // pg lets the connection string win over a `database` option, so the URL itself is rewritten.
  const effective = options.database === undefined ? url : withDatabase(url, options.database);
  const client = new pg.Client({
    connectionString: effective.reveal(),
    application_name: options.applicationName ?? 'database-replicator',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    ...(options.replication === true ? { replication: 'database' } : {}),
  });
  client.on('error', (error) => {
    options.logger?.error({ err: error, host: hostOf(url) }, 'postgres connection error');
  });
  try {
    await client.connect();
    if (options.replication !== true) await client.query(SESSION_SETTINGS);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectError(url, error, options.database);
  }
  return Object.assign(client, {
    close: async () => {
      await client.end().catch(() => undefined);
    },
  });
}

/** `host:port/database` of a URL, for messages; never carries the password. */
export function hostOf(url: Secret, database?: string): string {
  const parsed = new URL(url.reveal());
  return `${parsed.hostname}:${parsed.port || '5432'}/${database ?? databaseOf(url)}`;
}

function sqlState(error: unknown): string | undefined {
  if (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string'
  ) {
    return error.code;
  }
  return undefined;
}

function connectError(url: Secret, error: unknown, database: string | undefined) {
  const where = hostOf(url, database);
  const code = sqlState(error);
  const reason = error instanceof Error ? error.message : String(error);
  if (code === '28P01' || code === '28000') {
    return replicatorError(
      'REPL_AUTH_FAILED',
      `PostgreSQL at ${where} rejected the credentials: ${reason}`,
      {
        fix: 'Check the user name and password in the URL, PGPASSFILE or the environment, and pg_hba.conf on the server.',
        details: { host: where },
        cause: error,
      },
    );
  }
  const hint =
    code === '3D000'
      ? 'Create the database or correct its name in the URL.'
      : isTransientError(error)
        ? 'Check that the server runs and accepts TCP connections at that host and port (listen_addresses, firewall).'
        : 'Check the URL and that the server accepts connections from this host.';
  return replicatorError(
    'REPL_CONNECT_FAILED',
    `cannot connect to PostgreSQL at ${where}: ${reason}`,
    {
      fix: hint,
      details: { host: where, ...(code === undefined ? {} : { sqlstate: code }) },
      cause: error,
    },
  );
}

/** The URL with another database name, e.g. to reach `postgres` for CREATE DATABASE. */
export function withDatabase(url: Secret, database: string): Secret {
  const parsed = new URL(url.reveal());
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return new Secret(parsed.toString());
}

/** The database a URL names; `postgres` when it names none (libpq would use the user name). */
export function databaseOf(url: Secret): string {
  const name = decodeURIComponent(new URL(url.reveal()).pathname.replace(/^\//, ''));
  return name === '' ? 'postgres' : name;
}
