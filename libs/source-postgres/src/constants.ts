/**
 * Fixed numbers and names of the PostgreSQL source.
 */

/** Events per stream step: a larger transaction is split into several steps (bounded memory). */
export const MAX_STEP_EVENTS = 2000;

/** Least time between two heartbeat steps of an idle stream, in milliseconds. */
export const HEARTBEAT_INTERVAL_MS = 1000;

/**
 * Interval of unsolicited standby status updates, in milliseconds. While the consumer is slow the
 * socket is paused and keepalive requests go unread; these updates keep the walsender from
 * ending the connection at `wal_sender_timeout` (60 s by default).
 */
export const STATUS_INTERVAL_MS = 10_000;

/** Decoded pgoutput messages held between the socket and a slow consumer. */
export const QUEUE_MAX_MESSAGES = 10_000;

/** Bytes of decoded pgoutput messages held between the socket and a slow consumer. */
export const QUEUE_MAX_BYTES = 64 * 1024 * 1024;

/** Default number of SQL connections (snapshot pages, catalog, slot). */
export const DEFAULT_CONNECTIONS = 4;

/** `application_name` of every connection, shown in pg_stat_activity. */
export const APPLICATION_NAME = 'database-replicator source';

/**
 * Session settings of the walsender, passed as startup options: pgoutput prints values with the
 * walsender's settings, and the stream must carry the same text forms as the snapshot, whose
 * sessions `connectPostgres` and the client pool set up the same way.
 */
export const WALSENDER_OPTIONS = [
  '-c TimeZone=UTC',
  '-c DateStyle=ISO,YMD',
  '-c IntervalStyle=postgres',
  '-c extra_float_digits=3',
  '-c bytea_output=hex',
  '-c lc_monetary=C',
].join(' ');

/** Slot and publication names: what PostgreSQL allows for slots, and safe in START_REPLICATION. */
export const REPLICATION_NAME = /^[a-z0-9_]{1,63}$/;

/**
 * How long a stream waits for another walsender to release the slot, in milliseconds: a process
 * that just stopped or was killed holds it until the server notices the closed connection.
 */
export const SLOT_RELEASE_TIMEOUT_MS = 15_000;
