/**
 * Fixed numbers and names of the MySQL/MariaDB source.
 */

/** Default number of SQL connections (catalog, snapshot pages). */
export const DEFAULT_CONNECTIONS = 4;

/** Events per stream step: a larger transaction is split into several steps (bounded memory). */
export const MAX_STEP_EVENTS = 2000;

/** Least time between two heartbeat steps of an idle stream, in milliseconds. */
export const HEARTBEAT_INTERVAL_MS = 1000;

/** Row events held between the binlog connection and a slow consumer before it is paused. */
export const QUEUE_MAX_EVENTS = 20_000;

/** Binlog bytes held between the binlog connection and a slow consumer before it is paused. */
export const QUEUE_MAX_BYTES = 64 * 1024 * 1024;

/** Consecutive failed binlog connections before the stream gives up. */
export const RECONNECT_ATTEMPTS = 10;

/** Ceiling of the first reconnect delay and cap of any delay, in milliseconds. */
export const RECONNECT_BASE_DELAY_MS = 200;
export const RECONNECT_MAX_DELAY_MS = 30_000;

/** How long `stop()` of a binlog connection may take before it is abandoned, in milliseconds. */
export const STOP_TIMEOUT_MS = 5000;

/** Databases that hold the server's own catalog and are never replicated. */
export const SYSTEM_DATABASES: readonly string[] = Object.freeze([
  'information_schema',
  'mysql',
  'performance_schema',
  'sys',
]);

/**
 * Session time zone of every connection: TIMESTAMP values are read in UTC, so the snapshot and
 * the binlog (decoded with `timezone: 'Z'`) print the same instant the same way.
 */
export const SESSION_TIME_ZONE_SQL = "SET time_zone = '+00:00'";

/** Range of binlog replica ids picked when none is configured (never the source's own). */
export const SERVER_ID_MIN = 1_000_000;
export const SERVER_ID_MAX = 2 ** 31 - 1;

/**
 * Binlog connection failures worth a reconnect, besides `isTransientError`'s: the server killed
 * or restarted the dump connection. Anything else (a purged binlog, a decoding error, a missing
 * privilege) fails the stream.
 */
export const RECONNECT_MYSQL_ERRNOS: ReadonlySet<number> = new Set([
  1053, // ER_SERVER_SHUTDOWN
  1927, // ER_CONNECTION_KILLED (MariaDB)
  2006, // CR_SERVER_GONE_ERROR
  2013, // CR_SERVER_LOST
]);
export const RECONNECT_MYSQL_CODES: ReadonlySet<string> = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
]);

/**
 * Snapshot throughput `validate` assumes for its retention check when no estimate is given, in
 * bytes of table data (data and indexes) per second: deliberately low, so the check errs safe.
 */
export const ASSUMED_SNAPSHOT_BYTES_PER_SECOND = 20 * 1024 * 1024;
