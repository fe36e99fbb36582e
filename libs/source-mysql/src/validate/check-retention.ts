/**
 * Binlog retention against the snapshot: the stream starts at the position recorded before the
 * snapshot, so every binlog written while the snapshot runs must still exist when it ends.
 */
import { failed, formatSeconds, passed, warned, type CheckOutcome } from './check-outcome.js';
import type { MysqlServerFacts } from './mysql-validation-facts.js';

/** Margin over the estimate below which retention is only a warning. */
const SAFETY_FACTOR = 3;

export function checkBinlogRetention(
  server: MysqlServerFacts,
  estimatedSnapshotSeconds: number,
): CheckOutcome {
  const retention = server.binlogRetentionSeconds;
  const estimate = formatSeconds(estimatedSnapshotSeconds);
  const variable = server.mariadb
    ? 'binlog_expire_logs_seconds (or expire_logs_days)'
    : 'binlog_expire_logs_seconds';
  const wanted = Math.ceil((estimatedSnapshotSeconds * SAFETY_FACTOR) / 86_400) * 86_400;
  const fix = `Set ${variable} to at least ${wanted} (${formatSeconds(wanted)}) for the duration of the migration: SET GLOBAL binlog_expire_logs_seconds = ${wanted}.`;
  if (retention === null)
    return passed(`binlogs never expire; the snapshot is estimated at ${estimate}`);
  if (retention <= estimatedSnapshotSeconds) {
    return failed(
      `binlogs are kept ${formatSeconds(retention)} on ${server.where}, less than the estimated snapshot time of ${estimate}: the stream's start would be purged before the snapshot ends`,
      fix,
    );
  }
  if (retention < estimatedSnapshotSeconds * SAFETY_FACTOR) {
    return warned(
      `binlogs are kept ${formatSeconds(retention)}, under ${SAFETY_FACTOR}× the estimated snapshot time of ${estimate}; a slow snapshot or a paused stream could lose its start`,
      fix,
    );
  }
  return passed(
    `binlogs are kept ${formatSeconds(retention)}; the snapshot is estimated at ${estimate}`,
  );
}
