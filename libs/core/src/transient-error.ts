/**
 * Which failures are worth retrying, as data (STYLE: retryability comes from one table).
 * A failure is transient if the error, or any error in its `cause` chain (or an
 * AggregateError's `errors`), carries one of these markers.
 */

/** SQLSTATE classes (first two characters) that are transient as a whole. */
const TRANSIENT_SQLSTATE_CLASSES: ReadonlySet<string> = new Set([
  '08', // connection exception: the connection broke or could not be made
]);

/** Individual transient SQLSTATEs (PostgreSQL `code`, mysql2 `sqlState`). */
const TRANSIENT_SQLSTATES: ReadonlySet<string> = new Set([
  '40001', // serialization_failure (also MySQL deadlock): retry the transaction
  '40P01', // deadlock_detected
  '53300', // too_many_connections: a slot frees up
  '57P01', // admin_shutdown: server restarting or failing over
  '57P02', // crash_shutdown: server restarting after a crash
  '57P03', // cannot_connect_now: server starting up or in recovery
]);

/** Node.js errno codes of network failures that a new attempt may not meet. */
const TRANSIENT_ERRNOS: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN', // DNS temporarily unavailable
]);

/** mysql2 `code`s and their numeric `errno`s. */
const TRANSIENT_MYSQL_CODES: ReadonlySet<string> = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR', // too many connections
  'PROTOCOL_CONNECTION_LOST',
]);
const TRANSIENT_MYSQL_ERRNOS: ReadonlySet<number> = new Set([
  1213, // ER_LOCK_DEADLOCK
  1205, // ER_LOCK_WAIT_TIMEOUT
  1040, // ER_CON_COUNT_ERROR
]);

/** MongoDB driver error labels that promise a retry can succeed. */
const TRANSIENT_MONGO_LABELS: ReadonlySet<string> = new Set([
  'TransientTransactionError',
  'RetryableWriteError',
  'ResumableChangeStreamError',
]);

/** Our own codes for "the other side is unavailable for now". */
const TRANSIENT_REPLICATOR_CODES: ReadonlySet<string> = new Set(['REPL_COORDINATOR_UNAVAILABLE']);

/** node-postgres raises these without a code when a connection dies under it. */
const TRANSIENT_PG_MESSAGES: ReadonlySet<string> = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
]);

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Errors nested deeper than this are not inspected (guards against pathological chains). */
const MAX_CHAIN = 16;

/**
 * True if `error` is a transient failure (connection loss, deadlock, serialization failure,
 * server restart, too many connections, DNS hiccup) that a retry may overcome. Looks through
 * `cause` chains and AggregateError members; unknown shapes are not transient.
 */
export function isTransientError(error: unknown): boolean {
  const pending: unknown[] = [error];
  const seen = new Set<unknown>();
  while (pending.length > 0 && seen.size < MAX_CHAIN) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    if (hasTransientMarker(current)) return true;
    pending.push(Reflect.get(current, 'cause'));
    const members: unknown = Reflect.get(current, 'errors');
    if (Array.isArray(members)) pending.push(...members);
  }
  return false;
}

function hasTransientMarker(error: object): boolean {
  const code: unknown = Reflect.get(error, 'code');
  const sqlState: unknown = Reflect.get(error, 'sqlState');
  const errno: unknown = Reflect.get(error, 'errno');
  const labels: unknown = Reflect.get(error, 'errorLabels');
  const message: unknown = Reflect.get(error, 'message');
  return (
    (typeof code === 'string' && isTransientCode(code)) ||
    (code === undefined && typeof message === 'string' && TRANSIENT_PG_MESSAGES.has(message)) ||
    (typeof sqlState === 'string' && isTransientSqlState(sqlState)) ||
    (typeof errno === 'number' && TRANSIENT_MYSQL_ERRNOS.has(errno)) ||
    (Array.isArray(labels) &&
      labels.some((label) => typeof label === 'string' && TRANSIENT_MONGO_LABELS.has(label)))
  );
}

function isTransientCode(code: string): boolean {
  return (
    TRANSIENT_ERRNOS.has(code) ||
    TRANSIENT_MYSQL_CODES.has(code) ||
    TRANSIENT_REPLICATOR_CODES.has(code) ||
    isTransientSqlState(code)
  );
}

function isTransientSqlState(state: string): boolean {
  return (
    SQLSTATE.test(state) &&
    (TRANSIENT_SQLSTATES.has(state) || TRANSIENT_SQLSTATE_CLASSES.has(state.slice(0, 2)))
  );
}
