/**
 * Cutover step: stop a subscription so the target can take writes. `ALTER SUBSCRIPTION …
 * DISABLE` only asks the workers to exit; they finish the transaction in hand first, so this
 * waits until none runs: after it returns, no replicated change lands on the target any more
 * (which the sequence step relies on when it reads the largest key).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { quoteIdent, replicatorError } from '@database-replicator/core';
import type pg from 'pg';
import { queryReplication } from './replication-query.js';

/** Options of {@link disableSubscription}. */
export type DisableSubscriptionOptions = Readonly<{
  /** How long to wait for the workers to exit, milliseconds. Default 30000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}>;

const RUNNING_WORKERS_SQL = `
SELECT count(*)::int AS workers
  FROM pg_stat_subscription w
  JOIN pg_subscription s ON s.oid = w.subid
 WHERE s.subname = $1 AND w.pid IS NOT NULL
   AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/**
 * Disables subscription `name` of the target's current database and waits until its apply and
 * table-sync workers have exited. Disabling a disabled subscription is a no-op.
 *
 * @throws ReplicatorError `REPL_SUBSCRIPTION_STILL_RUNNING` when a worker outlives `timeoutMs`,
 *   `REPL_REPLICATION_QUERY_FAILED` when the statement fails.
 */
export async function disableSubscription(
  target: pg.ClientBase,
  name: string,
  options: DisableSubscriptionOptions = {},
): Promise<void> {
  await queryReplication(
    target,
    'target',
    `disabling subscription ${name}`,
    `ALTER SUBSCRIPTION ${quoteIdent(name)} DISABLE`,
  );
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const rows = await queryReplication<{ workers: number }>(
      target,
      'target',
      `reading the workers of subscription ${name}`,
      RUNNING_WORKERS_SQL,
      [name],
    );
    if ((rows[0]?.workers ?? 0) === 0) return;
    if (Date.now() >= deadline) {
      throw replicatorError(
        'REPL_SUBSCRIPTION_STILL_RUNNING',
        `subscription "${name}" is disabled but its workers are still running`,
        { details: { subscription: name } },
      );
    }
    await sleep(100, undefined, options.signal === undefined ? {} : { signal: options.signal });
  }
}
