/** The error for a target database that has no subscription to report on or cut over. */
import { replicatorError, type ReplicatorError } from '@database-replicator/core';

/**
 * `REPL_SUBSCRIPTION_NOT_FOUND` for the target `where` (host:port/database, never a password).
 */
export function subscriptionNotFoundError(where: string): ReplicatorError {
  return replicatorError(
    'REPL_SUBSCRIPTION_NOT_FOUND',
    `the target database ${where} has no subscription: init --enable-sync has not run for this target`,
    {
      fix: 'Run init --enable-sync for this source and target first, or point --target at the database that holds the subscription.',
      details: { target: where },
    },
  );
}
