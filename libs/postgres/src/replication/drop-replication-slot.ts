/**
 * Cutover step (with --drop-slot): drop a subscription's slot on the source so it stops
 * retaining WAL. A slot cannot be dropped while a walsender holds it; after the subscription
 * is disabled its walsender normally exits on its own, and one that lingers is terminated.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isReplicatorError, replicatorError, type Logger } from '@database-replicator/core';
import type pg from 'pg';
import { queryReplication } from './replication-query.js';

/** Options of {@link dropReplicationSlot}. */
export type DropSlotOptions = Readonly<{
  /** How long to keep trying while the slot is held, milliseconds. Default 30000. */
  timeoutMs?: number;
  logger?: Logger;
  signal?: AbortSignal;
}>;

const SLOT_SQL = `
SELECT active_pid FROM pg_replication_slots
 WHERE slot_name = $1 AND database = current_database()`;

/** SQLSTATE 55006 object_in_use: the slot became active between our look and the drop. */
const OBJECT_IN_USE = '55006';

/**
 * Drops logical slot `slotName` of the source's current database, terminating the walsender
 * that holds it if needed.
 *
 * @returns `dropped`, or `missing` when no such slot exists (already dropped).
 * @throws ReplicatorError `REPL_SLOT_DROP_FAILED` when the slot stays held for `timeoutMs`,
 *   `REPL_REPLICATION_QUERY_FAILED` when a statement fails (e.g. no REPLICATION privilege).
 */
export async function dropReplicationSlot(
  source: pg.ClientBase,
  slotName: string,
  options: DropSlotOptions = {},
): Promise<'dropped' | 'missing'> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const rows = await queryReplication<{ active_pid: number | null }>(
      source,
      'source',
      `reading slot ${slotName}`,
      SLOT_SQL,
      [slotName],
    );
    const row = rows[0];
    if (row === undefined) return 'missing';
    if (row.active_pid === null) {
      if (await tryDrop(source, slotName)) return 'dropped';
    } else {
      options.logger?.warn(
        { slot: slotName, pid: row.active_pid },
        'terminating the walsender still holding the slot',
      );
      await queryReplication(
        source,
        'source',
        `terminating the walsender of slot ${slotName}`,
        'SELECT pg_terminate_backend($1)',
        [row.active_pid],
      );
    }
    if (Date.now() >= deadline) {
      throw replicatorError(
        'REPL_SLOT_DROP_FAILED',
        `replication slot "${slotName}" on the source stays in use; it was not dropped`,
        {
          details: { slot: slotName },
        },
      );
    }
    await sleep(100, undefined, options.signal === undefined ? {} : { signal: options.signal });
  }
}

async function tryDrop(source: pg.ClientBase, slotName: string): Promise<boolean> {
  try {
    await queryReplication(
      source,
      'source',
      `dropping slot ${slotName}`,
      'SELECT pg_drop_replication_slot($1)',
      [slotName],
    );
    return true;
  } catch (error) {
    if (isReplicatorError(error) && error.details?.['sqlstate'] === OBJECT_IN_USE) return false;
    throw error;
  }
}
