/**
 * Statements on replication catalogs and objects (slots, subscriptions, publications,
 * sequences) with failures turned into one coded error that says which step failed on which
 * side, so a missing privilege reads as such instead of a bare server message.
 */
import { replicatorError } from '@database-replicator/core';
import type pg from 'pg';

/** Which end of the replication a statement runs on. */
export type ReplicationSide = 'source' | 'target';

const PRIVILEGE_FIX: Readonly<Record<ReplicationSide, string>> = {
  source:
    'Connect to the source as a superuser or a role with REPLICATION (dropping slots) and pg_monitor (reading walsender lag), then run the command again.',
  target:
    'Connect to the target as a superuser or the owner of the subscriptions and sequences, then run the command again.',
};

/**
 * Runs `sql` with `params` on one side and returns its rows.
 *
 * @param step - What the statement does, for the message ("reading subscriptions").
 * @throws ReplicatorError `REPL_REPLICATION_QUERY_FAILED` naming the step, the side and the
 *   SQLSTATE; `cause` holds the driver error.
 */
export async function queryReplication<Row extends pg.QueryResultRow>(
  client: pg.ClientBase,
  side: ReplicationSide,
  step: string,
  sql: string,
  params: readonly unknown[] = [],
): Promise<Row[]> {
  try {
    const result = await client.query<Row>(sql, [...params]);
    return result.rows;
  } catch (error) {
    const sqlstate = sqlStateOf(error);
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError(
      'REPL_REPLICATION_QUERY_FAILED',
      `${step} on the ${side} failed: ${reason}`,
      {
        ...(sqlstate === '42501' ? { fix: PRIVILEGE_FIX[side] } : {}),
        details: { side, step, ...(sqlstate === undefined ? {} : { sqlstate }) },
        cause: error,
      },
    );
  }
}

function sqlStateOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    return typeof error.code === 'string' ? error.code : undefined;
  }
  return undefined;
}
