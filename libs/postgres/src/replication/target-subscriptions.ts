/**
 * The subscriptions of the target's current database, read from the catalogs only (no state of
 * our own), so `status` and `cutover` work whoever created them.
 *
 * Columns are the ones PostgreSQL 10–17 share, with branches on server_version_num for the rest:
 * `pg_stat_subscription` has a row per worker (apply, table sync and, from 16, parallel apply);
 * the apply worker is the one with `relid IS NULL` (and `leader_pid IS NULL` from 16).
 * `pg_stat_subscription_stats` exists from 15. `subconninfo` is never read: it may hold a
 * password, and only superusers may read it.
 */
import type { TableId } from '@database-replicator/core';
import type pg from 'pg';
import { queryReplication } from './replication-query.js';
import { serverVersionNum } from './server-version.js';
import { tableSyncStateOf, type TableSyncState } from './table-sync-state.js';

/** One table of a subscription. */
export type SubscriptionTable = Readonly<{
  table: TableId;
  state: TableSyncState;
  /** `srsublsn`: where the apply worker takes over (set in `synchronized` and `ready`). */
  lsn: string | null;
}>;

/** A subscription as the target's catalogs describe it. */
export type TargetSubscription = Readonly<{
  name: string;
  enabled: boolean;
  /** Slot on the source; null after `SET (slot_name = NONE)`. */
  slotName: string | null;
  publications: readonly string[];
  /** Process id of the apply worker; null when it does not run. */
  workerPid: number | null;
  /** Last WAL location received from the source. */
  receivedLsn: string | null;
  /** WAL end carried by the last keepalive the worker processed. */
  latestEndLsn: string | null;
  /** When the source sent that keepalive (ISO 8601). */
  latestEndTime: string | null;
  /** Seconds from `latestEndTime` to now, on the target's clock. */
  secondsSinceLatestEnd: number | null;
  /** When the worker last heard from the source (ISO 8601). */
  lastMessageReceiptTime: string | null;
  /** Failed apply attempts since stats were reset (PostgreSQL 15+); null when unknown. */
  applyErrorCount: number | null;
  /** Failed table copies since stats were reset (PostgreSQL 15+); null when unknown. */
  syncErrorCount: number | null;
  tables: readonly SubscriptionTable[];
}>;

type SubscriptionRow = {
  oid: string;
  name: string;
  enabled: boolean;
  slot_name: string | null;
  publications: string[];
  pid: number | null;
  received_lsn: string | null;
  latest_end_lsn: string | null;
  latest_end_time: string | null;
  seconds_since_latest_end: number | null;
  last_msg_receipt_time: string | null;
  apply_error_count: number | null;
  sync_error_count: number | null;
};

type TableRow = { subid: string; schema: string; table: string; state: string; lsn: string | null };

const CURRENT_DATABASE = '(SELECT oid FROM pg_database WHERE datname = current_database())';

function subscriptionsSql(version: number): string {
  const applyWorker =
    version >= 160000 ? 'w.relid IS NULL AND w.leader_pid IS NULL' : 'w.relid IS NULL';
  const stats =
    version >= 150000
      ? 'LEFT JOIN pg_stat_subscription_stats e ON e.subid = s.oid'
      : 'LEFT JOIN (SELECT NULL::oid AS subid, NULL::int8 AS apply_error_count, NULL::int8 AS sync_error_count) e ON false';
  return `
SELECT s.oid::text AS oid, s.subname AS name, s.subenabled AS enabled, s.subslotname AS slot_name,
       s.subpublications AS publications, w.pid, w.received_lsn::text AS received_lsn,
       w.latest_end_lsn::text AS latest_end_lsn,
       to_char(w.latest_end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS latest_end_time,
       extract(epoch FROM now() - w.latest_end_time)::float8 AS seconds_since_latest_end,
       to_char(w.last_msg_receipt_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_msg_receipt_time,
       e.apply_error_count::float8 AS apply_error_count, e.sync_error_count::float8 AS sync_error_count
  FROM pg_subscription s
  LEFT JOIN pg_stat_subscription w ON w.subid = s.oid AND ${applyWorker}
  ${stats}
 WHERE s.subdbid = ${CURRENT_DATABASE}
 ORDER BY s.subname`;
}

const TABLES_SQL = `
SELECT r.srsubid::text AS subid, n.nspname AS schema, c.relname AS table,
       r.srsubstate::text AS state, r.srsublsn::text AS lsn
  FROM pg_subscription_rel r
  JOIN pg_subscription s ON s.oid = r.srsubid
  JOIN pg_class c ON c.oid = r.srrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE s.subdbid = ${CURRENT_DATABASE}
 ORDER BY 2, 3`;

/**
 * Lists the subscriptions of the connected (target) database with their apply worker and
 * tables; empty when there are none.
 *
 * @throws ReplicatorError `REPL_REPLICATION_QUERY_FAILED` when the catalogs cannot be read.
 */
export async function readTargetSubscriptions(
  target: pg.ClientBase,
): Promise<readonly TargetSubscription[]> {
  const version = await serverVersionNum(target);
  const subscriptions = await queryReplication<SubscriptionRow>(
    target,
    'target',
    'reading subscriptions',
    subscriptionsSql(version),
  );
  const tables = await queryReplication<TableRow>(
    target,
    'target',
    'reading subscription tables',
    TABLES_SQL,
  );
  return Object.freeze(subscriptions.map((row) => toSubscription(row, tables)));
}

function toSubscription(row: SubscriptionRow, tables: readonly TableRow[]): TargetSubscription {
  return Object.freeze({
    name: row.name,
    enabled: row.enabled,
    slotName: row.slot_name,
    publications: Object.freeze([...row.publications]),
    workerPid: row.pid,
    receivedLsn: row.received_lsn,
    latestEndLsn: row.latest_end_lsn,
    latestEndTime: row.latest_end_time,
    secondsSinceLatestEnd: row.seconds_since_latest_end,
    lastMessageReceiptTime: row.last_msg_receipt_time,
    applyErrorCount: row.apply_error_count,
    syncErrorCount: row.sync_error_count,
    tables: Object.freeze(
      tables
        .filter((t) => t.subid === row.oid)
        .map((t) =>
          Object.freeze({
            table: Object.freeze({ schema: t.schema, table: t.table }),
            state: tableSyncStateOf(t.state),
            lsn: t.lsn,
          }),
        ),
    ),
  });
}
