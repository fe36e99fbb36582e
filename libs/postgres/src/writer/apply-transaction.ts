/**
 * The transaction around one apply: BEGIN, the work, COMMIT; on any failure ROLLBACK, offsets
 * included, and a `REPL_WRITER_APPLY_FAILED` naming the table unless the work threw a typed error.
 */
import {
  formatTableRef,
  isReplicatorError,
  replicatorError,
  type TableId,
} from '@database-replicator/core';
import type pg from 'pg';

/** Runs `work` in a transaction on `client`; `what` names the batch in the error message. */
export async function inApplyTransaction<T>(
  client: pg.ClientBase,
  table: TableId,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (isReplicatorError(error)) throw error;
    const name = formatTableRef(table);
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError(
      'REPL_WRITER_APPLY_FAILED',
      `applying ${what} to ${name} failed: ${reason}`,
      {
        details: { table: name },
        cause: error,
      },
    );
  }
}
