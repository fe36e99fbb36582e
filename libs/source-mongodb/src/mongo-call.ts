/**
 * Driver failures as coded errors naming what was being done and where. Messages carry the
 * server's message, never the URL (it may hold credentials).
 */
import { MongoError } from 'mongodb';
import { isReplicatorError, replicatorError } from '@database-replicator/core';

/**
 * Runs `body`; a driver failure becomes `REPL_MONGO_QUERY_FAILED`.
 *
 * @throws ReplicatorError `REPL_MONGO_QUERY_FAILED`; a ReplicatorError thrown by `body` passes
 *   unchanged.
 */
export async function mongoCall<T>(doing: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw mongoFailure(doing, error);
  }
}

/** The coded error of a failure while `doing`; ReplicatorErrors pass unchanged. */
export function mongoFailure(doing: string, error: unknown): Error {
  if (isReplicatorError(error)) return error;
  return replicatorError('REPL_MONGO_QUERY_FAILED', `${doing} failed: ${reasonOf(error)}`, {
    cause: error,
    details: { mongoCode: codeOf(error) },
  });
}

/** The server's numeric error code, or `null`. */
export function codeOf(error: unknown): number | null {
  return error instanceof MongoError && typeof error.code === 'number' ? error.code : null;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
