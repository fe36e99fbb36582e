/**
 * How far native logical replication into the target database has got, for verify's re-check
 * of mismatches while changes stream (libs/pipeline's ReplicationProgress, matched
 * structurally). Discovered from the catalogs alone: the enabled subscriptions of the target's
 * current database whose slot exists on the source database. A transaction is applied on the
 * target once its slot's `confirmed_flush_lsn` has passed its commit, and a walsender that has
 * caught up tells the subscriber its WAL end, so an idle slot follows `pg_current_wal_lsn()`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@database-replicator/core';
import type pg from 'pg';
import type { PostgresClientPool } from './client-pool.js';
import { verifyQueryFailed } from './verify-query-failed.js';

/** Source position and catch-up wait over the slots of the target's subscriptions. */
export type PostgresReplicationProgress = Readonly<{
  /** Slots waited for. */
  slots: readonly string[];
  /** `pg_current_wal_lsn()` of the source, as text. */
  sourcePosition(): Promise<string>;
  /** Polls until every slot's `confirmed_flush_lsn` ≥ `position`; false after `timeoutMs`. */
  waitUntilApplied(position: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}>;

const POLL_INTERVAL_MS = 100;

const SUBSCRIPTIONS_SQL = `
SELECT subname AS name, subslotname AS slot
  FROM pg_subscription
 WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND subenabled AND subslotname IS NOT NULL`;

const SLOTS_SQL = `
SELECT slot_name AS slot FROM pg_replication_slots
 WHERE slot_name = ANY($1) AND slot_type = 'logical' AND database = current_database()`;

const CAUGHT_UP_SQL = `
SELECT count(*) FILTER (WHERE confirmed_flush_lsn >= $2::pg_lsn) AS applied, count(*) AS slots
  FROM pg_replication_slots WHERE slot_name = ANY($1)`;

async function query<R extends pg.QueryResultRow>(
  pool: PostgresClientPool,
  side: 'source' | 'target',
  what: string,
  sql: string,
  params: readonly unknown[] = [],
): Promise<R[]> {
  try {
    return (await pool.query<R>(sql, params)).rows;
  } catch (error) {
    throw verifyQueryFailed({ what, side, where: pool.where }, error);
  }
}

/**
 * The progress of the subscriptions replicating from `source` into `target`; null when there
 * are none (verify then reports mismatches without re-checking).
 */
export async function findReplicationProgress(
  source: PostgresClientPool,
  target: PostgresClientPool,
  logger?: Logger,
): Promise<PostgresReplicationProgress | null> {
  const subscriptions = await query<{ name: string; slot: string }>(
    target,
    'target',
    'list the subscriptions',
    SUBSCRIPTIONS_SQL,
  );
  if (subscriptions.length === 0) return null;
  const wanted = subscriptions.map((r) => r.slot);
  const found = await query<{ slot: string }>(
    source,
    'source',
    'find replication slots',
    SLOTS_SQL,
    [wanted],
  );
  const slots = Object.freeze(found.map((r) => r.slot));
  if (slots.length === 0) return null;
  logger?.info(
    { slots },
    'changes stream into the target; mismatches are re-checked after catch-up',
  );
  return Object.freeze({
    slots,
    async sourcePosition() {
      const rows = await query<{ lsn: string }>(
        source,
        'source',
        'read the current WAL position',
        'SELECT pg_current_wal_lsn()::text AS lsn',
      );
      return rows[0]?.lsn ?? '0/0';
    },
    async waitUntilApplied(position: string, timeoutMs: number, signal?: AbortSignal) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rows = await query<{ applied: string; slots: string }>(
          source,
          'source',
          'read replication slot progress',
          CAUGHT_UP_SQL,
          [slots, position],
        );
        const row = rows[0];
        // A slot dropped meanwhile stops counting: nothing left to wait for on it.
        if (row !== undefined && row.applied === row.slots) return true;
        if (Date.now() >= deadline) return false;
        await sleep(POLL_INTERVAL_MS, undefined, signal === undefined ? {} : { signal });
      }
    },
  });
}
