/**
 * A purged binlog: the server no longer holds the events after the checkpoint (PURGE BINARY LOGS,
 * binlog_expire_logs_seconds). Retrying that resume point would fail forever and resuming
 * anywhere else would silently skip changes, so it becomes `REPL_MYSQL_BINLOG_PURGED`, which the
 * source reports as lost history (`ChangeSource.isHistoryLost`): the pipeline copies the tables
 * again from a new start. Found before connecting when the checkpoint's file left SHOW BINARY
 * LOGS, or from the server's refusal (error 1236) once the binlog connection asks for it.
 */
import {
  isReplicatorError,
  replicatorError,
  type BinlogPosition,
  type ReplicatorError,
} from '@database-replicator/core';
import type { RowDataPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { mysqlError } from './mysql-query.js';
import { readText } from './row-reader.js';

/** ER_MASTER_FATAL_ERROR_READING_BINLOG: the server refused the requested binlog start. */
const FATAL_READING_BINLOG = 1236;

/**
 * The messages of error 1236 that mean the start is gone (MySQL: file or GTIDs purged; MariaDB:
 * GTID state not in any binlog); other 1236 messages (a corrupt event, a slave with more GTIDs
 * than the master) are not lost history.
 */
const PURGED_MESSAGE =
  /could not find first log file name|binlog truncated|purged|could not find gtid state/i;

/** ER_SPECIFIC_ACCESS_DENIED_ERROR: SHOW BINARY LOGS needs REPLICATION CLIENT (BINLOG MONITOR). */
const ACCESS_DENIED = 1227;

/**
 * Throws `REPL_MYSQL_BINLOG_PURGED` when the binlog file of `from` is no longer on the server.
 * Positions that resume by MariaDB GTID are left to the server: their events may well be in a
 * later file, so a missing file does not prove them lost. Without the privilege to list the
 * binlogs the check is skipped: the server's own refusal is classified by {@link purgedBinlogError}.
 */
export async function checkBinlogRetained(
  connection: Connection,
  from: BinlogPosition,
  sourceName: string,
): Promise<void> {
  const byMariadbGtid = from.gtidSet !== '' && !from.gtidSet.includes(':');
  if (byMariadbGtid) return;
  let rows: RowDataPacket[];
  try {
    [rows] = await connection.query<RowDataPacket[]>('SHOW BINARY LOGS');
  } catch (error) {
    if (Reflect.get(Object(error), 'errno') === ACCESS_DENIED) return;
    throw mysqlError(error, 'listing the binlog files (SHOW BINARY LOGS)');
  }
  const files = rows.map((row) => readText(row, 'Log_name', 'binary logs'));
  if (files.includes(from.file)) return;
  throw purged(sourceName, from, `its file ${from.file} is no longer among the server's binlogs`);
}

/**
 * `error` (from the binlog stream) as `REPL_MYSQL_BINLOG_PURGED` when the server refused the start
 * because its binlog is gone, else `undefined`.
 */
export function purgedBinlogError(
  error: unknown,
  from: BinlogPosition,
  sourceName: string,
): ReplicatorError | undefined {
  if (isReplicatorError(error, 'REPL_MYSQL_BINLOG_PURGED')) return error;
  const cause = isReplicatorError(error, 'REPL_MYSQL_STREAM_FAILED') ? error.cause : error;
  if (typeof cause !== 'object' || cause === null) return undefined;
  const message: unknown = Reflect.get(cause, 'message');
  if (Reflect.get(cause, 'errno') !== FATAL_READING_BINLOG) return undefined;
  if (typeof message !== 'string' || !PURGED_MESSAGE.test(message)) return undefined;
  return purged(sourceName, from, `the server says: ${message.replace(/\.\s*$/, '')}`, error);
}

function purged(
  sourceName: string,
  from: BinlogPosition,
  why: string,
  cause?: unknown,
): ReplicatorError {
  const gtid = from.gtidSet === '' ? '' : ` (GTID ${from.gtidSet})`;
  return replicatorError(
    'REPL_MYSQL_BINLOG_PURGED',
    `MySQL source ${sourceName} cannot resume its binlog stream at ${from.file}:${from.pos}${gtid}: ${why}; the tables must be copied again`,
    {
      details: { file: from.file, pos: from.pos },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}
