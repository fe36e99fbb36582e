/**
 * MySQL/MariaDB positions as this source writes and reads them (ARCHITECTURE §4): the executed
 * GTID set after the transaction, the binlog file and the transaction's end offset, and the row
 * change's index in the transaction. The start position P0 is read so that its three parts agree:
 * MariaDB maps the file/offset of `SHOW MASTER STATUS` to its GTID position with
 * `BINLOG_GTID_POS`; MySQL prints both in one `SHOW MASTER STATUS` (`SHOW BINARY LOG STATUS`
 * from 8.2).
 */
import {
  replicatorError,
  type BinlogPosition,
  type SourcePosition,
} from '@database-replicator/core';
import type { RowDataPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { mysqlError, mysqlQuery } from './mysql-query.js';
import { readNumber, readOptionalText, readText, type CatalogRow } from './row-reader.js';

/** The frozen position. */
export function binlogPosition(
  gtidSet: string,
  file: string,
  pos: number,
  eventIndex = 0,
): BinlogPosition {
  return Object.freeze({ kind: 'mysql', gtidSet, file, pos, eventIndex });
}

/**
 * `position` as a binlog position.
 *
 * @throws ReplicatorError `REPL_POSITION_MISMATCH` for a position of another source kind.
 */
export function requireBinlogPosition(position: SourcePosition, what: string): BinlogPosition {
  if (position.kind !== 'mysql') {
    throw replicatorError(
      'REPL_POSITION_MISMATCH',
      `${what} got a ${position.kind} position; a MySQL source only takes MySQL positions`,
      { details: { kind: position.kind } },
    );
  }
  return position;
}

/**
 * The current end of the binlog as a position (event index 0).
 *
 * @throws ReplicatorError `REPL_MYSQL_BINLOG_UNAVAILABLE` when binary logging is off,
 *   `REPL_MYSQL_QUERY_FAILED` when a statement fails (e.g. without REPLICATION CLIENT).
 */
export async function readStartPosition(
  connection: Connection,
  mariadb: boolean,
): Promise<BinlogPosition> {
  const status = await readBinlogStatus(connection);
  const file = readText(status, 'File', 'binlog status');
  const pos = readNumber(status, 'Position', 'binlog status');
  if (!mariadb) {
    const executed = readOptionalText(status, 'Executed_Gtid_Set', 'binlog status') ?? '';
    return binlogPosition(executed.replace(/\s/g, ''), file, pos);
  }
  const [rows] = await mysqlQuery(connection, 'reading the GTID position of the binlog end', (c) =>
    c.query<RowDataPacket[]>('SELECT BINLOG_GTID_POS(?, ?) AS gtid', [file, pos]),
  );
  const gtid = rows[0] === undefined ? null : readOptionalText(rows[0], 'gtid', 'BINLOG_GTID_POS');
  return binlogPosition(gtid ?? '', file, pos);
}

async function readBinlogStatus(connection: Connection): Promise<CatalogRow> {
  const doing = 'reading the binlog position (SHOW MASTER STATUS)';
  let rows: RowDataPacket[];
  try {
    [rows] = await connection.query<RowDataPacket[]>('SHOW MASTER STATUS');
  } catch (error) {
    // MySQL 8.4 removed SHOW MASTER STATUS in favour of SHOW BINARY LOG STATUS (8.2+).
    if (Reflect.get(Object(error), 'errno') !== 1064) throw mysqlError(error, doing);
    [rows] = await mysqlQuery(connection, doing, (c) =>
      c.query<RowDataPacket[]>('SHOW BINARY LOG STATUS'),
    );
  }
  const status = rows[0];
  if (status === undefined) {
    throw replicatorError(
      'REPL_MYSQL_BINLOG_UNAVAILABLE',
      'The MySQL source has binary logging off (SHOW MASTER STATUS is empty), so changes cannot be streamed',
    );
  }
  return status;
}
