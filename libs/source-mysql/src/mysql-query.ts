/**
 * One place that turns a failed MySQL statement into a `ReplicatorError` saying what was being
 * done, with the server's message and the driver error as the cause: authentication failures and
 * unreachable servers get their own codes, since their fixes differ.
 */
import {
  isReplicatorError,
  replicatorError,
  type ReplicatorError,
} from '@database-replicator/core';

const AUTH_ERRNOS: ReadonlySet<number> = new Set([
  1044, // ER_DBACCESS_DENIED_ERROR
  1045, // ER_ACCESS_DENIED_ERROR
  1698, // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
]);
const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
]);

/**
 * Runs `run` on `target`, wrapping any driver failure.
 *
 * @param doing - What the statement does, for the message: `reading the column list`.
 * @throws ReplicatorError `REPL_AUTH_FAILED`, `REPL_CONNECT_FAILED` or `REPL_MYSQL_QUERY_FAILED`.
 */
export async function mysqlQuery<C, T>(
  target: C,
  doing: string,
  run: (target: C) => Promise<T>,
): Promise<T> {
  try {
    return await run(target);
  } catch (error) {
    throw mysqlError(error, doing);
  }
}

/** A driver failure as a `ReplicatorError` (a `ReplicatorError` passes unchanged). */
export function mysqlError(error: unknown, doing: string): ReplicatorError {
  if (isReplicatorError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const errno: unknown =
    typeof error === 'object' && error !== null ? Reflect.get(error, 'errno') : undefined;
  const code: unknown =
    typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
  if (typeof errno === 'number' && AUTH_ERRNOS.has(errno)) {
    return replicatorError(
      'REPL_AUTH_FAILED',
      `MySQL rejected the login while ${doing}: ${message}`,
      {
        cause: error,
      },
    );
  }
  if (typeof code === 'string' && CONNECT_CODES.has(code)) {
    return replicatorError(
      'REPL_CONNECT_FAILED',
      `MySQL could not be reached while ${doing}: ${message}`,
      {
        cause: error,
      },
    );
  }
  return replicatorError('REPL_MYSQL_QUERY_FAILED', `MySQL failed while ${doing}: ${message}`, {
    ...(typeof code === 'string' ? { details: { code } } : {}),
    cause: error,
  });
}
