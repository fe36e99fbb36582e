import {
  isReplicatorError,
  replicatorError,
  type ReplicatorError,
} from '@database-replicator/core';

/** Where a failed verify statement ran and what it was for. */
export type VerifyQueryContext = Readonly<{
  /** What verify could not do, e.g. "count and hash rows of table public.t". */
  what: string;
  side: 'source' | 'target';
  /** `host:port/database`. */
  where: string;
  table?: string;
}>;

/**
 * REPL_VERIFY_QUERY_FAILED for a failed statement, keeping the driver error as `cause`; coded
 * errors (a failed connect is REPL_CONNECT_FAILED or REPL_AUTH_FAILED) pass through unchanged.
 */
export function verifyQueryFailed(context: VerifyQueryContext, error: unknown): ReplicatorError {
  if (isReplicatorError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return replicatorError(
    'REPL_VERIFY_QUERY_FAILED',
    `verify could not ${context.what} on the ${context.side} (${context.where}): ${reason}`,
    {
      details: {
        side: context.side,
        host: context.where,
        ...(context.table === undefined ? {} : { table: context.table }),
      },
      cause: error,
    },
  );
}
