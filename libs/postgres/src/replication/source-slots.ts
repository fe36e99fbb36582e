/**
 * The source side of native replication: the logical slots of the source's current database
 * and the walsender holding each, plus the source's current WAL position. `wal_status` exists
 * from PostgreSQL 13; walsender lag columns from 10.
 */
import { replicatorError } from '@database-replicator/core';
import type pg from 'pg';
import { queryReplication } from './replication-query.js';
import { serverVersionNum } from './server-version.js';

/** A logical replication slot and its walsender, if one holds it. */
export type SourceSlot = Readonly<{
  name: string;
  active: boolean;
  /** Process id of the walsender holding the slot; null when inactive. */
  activePid: number | null;
  restartLsn: string | null;
  confirmedFlushLsn: string | null;
  /** `reserved`, `extended`, `unreserved` or `lost`; null before PostgreSQL 13. */
  walStatus: string | null;
  /** The walsender's `replay_lag` in seconds; null when not measured or not visible. */
  replayLagSeconds: number | null;
}>;

/** What {@link readSourceSlots} returns. */
export type SourceSlots = Readonly<{
  /** `pg_current_wal_lsn()`, read after the slots so lag is never understated. */
  currentLsn: string;
  /** Slots of the source's current database, by name. */
  slots: ReadonlyMap<string, SourceSlot>;
}>;

type SlotRow = {
  name: string;
  active: boolean;
  active_pid: number | null;
  restart_lsn: string | null;
  confirmed_flush_lsn: string | null;
  wal_status: string | null;
  replay_lag_seconds: number | null;
};

function slotsSql(version: number): string {
  const walStatus = version >= 130000 ? 's.wal_status' : 'NULL::text';
  return `
SELECT s.slot_name::text AS name, s.active, s.active_pid, s.restart_lsn::text AS restart_lsn,
       s.confirmed_flush_lsn::text AS confirmed_flush_lsn, ${walStatus} AS wal_status,
       extract(epoch FROM r.replay_lag)::float8 AS replay_lag_seconds
  FROM pg_replication_slots s
  LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
 WHERE s.slot_type = 'logical' AND s.database = current_database() AND s.slot_name = ANY($1::text[])`;
}

/**
 * Reads the slots named `slotNames` in the connected (source) database, then the current WAL
 * position. Slots of other databases are left out: a slot of the same name there belongs to
 * another publisher database.
 *
 * @throws ReplicatorError `REPL_REPLICATION_QUERY_FAILED` when the views cannot be read.
 */
export async function readSourceSlots(
  source: pg.ClientBase,
  slotNames: readonly string[],
): Promise<SourceSlots> {
  const version = await serverVersionNum(source);
  const rows = await queryReplication<SlotRow>(
    source,
    'source',
    'reading replication slots',
    slotsSql(version),
    [slotNames],
  );
  const currentLsn = await readCurrentLsn(source);
  const slots = new Map(
    rows.map((row) => [
      row.name,
      Object.freeze({
        name: row.name,
        active: row.active,
        activePid: row.active_pid,
        restartLsn: row.restart_lsn,
        confirmedFlushLsn: row.confirmed_flush_lsn,
        walStatus: row.wal_status,
        replayLagSeconds: row.replay_lag_seconds,
      }),
    ]),
  );
  return Object.freeze({ currentLsn, slots });
}

/**
 * `pg_current_wal_lsn()` of the source: the position up to which WAL has been written.
 *
 * @throws ReplicatorError `REPL_REPLICATION_QUERY_FAILED`, e.g. on a standby (in recovery).
 */
export async function readCurrentLsn(source: pg.ClientBase): Promise<string> {
  const rows = await queryReplication<{ lsn: string }>(
    source,
    'source',
    'reading the current WAL position',
    'SELECT pg_current_wal_lsn()::text AS lsn',
  );
  const lsn = rows[0]?.lsn;
  if (lsn === undefined) {
    throw replicatorError(
      'REPL_REPLICATION_QUERY_FAILED',
      'pg_current_wal_lsn() returned no row on the source',
    );
  }
  return lsn;
}
