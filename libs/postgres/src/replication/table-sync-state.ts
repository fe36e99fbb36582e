/**
 * The per-table state of a subscription (`pg_subscription_rel.srsubstate`), by name. A table
 * moves init → copying → copied → synchronized → ready; only `ready` tables are maintained by
 * the subscription's apply worker alone, so only they count as caught up.
 */

/**
 * State of one table of a subscription:
 * - `init` (`i`): waiting for a table-sync worker.
 * - `copying` (`d`): the initial copy is running.
 * - `copied` (`f`, PostgreSQL 14+): the copy finished, changes since its start are being applied.
 * - `synchronized` (`s`): caught up; the apply worker takes over at the recorded LSN.
 * - `ready` (`r`): replicated by the apply worker.
 * - `unknown`: a code this version does not know (a newer server).
 */
export type TableSyncState = 'init' | 'copying' | 'copied' | 'synchronized' | 'ready' | 'unknown';

const STATE_BY_CODE: Readonly<Record<string, TableSyncState>> = {
  i: 'init',
  d: 'copying',
  f: 'copied',
  s: 'synchronized',
  r: 'ready',
};

/** The {@link TableSyncState} of a `srsubstate` code; `unknown` for codes not listed. */
export function tableSyncStateOf(code: string): TableSyncState {
  return STATE_BY_CODE[code] ?? 'unknown';
}
