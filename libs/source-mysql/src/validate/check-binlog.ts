/**
 * The binlog settings the stream depends on: binary logging on, row format, full row images,
 * GTIDs, a server id.
 */
import { failed, passed, warned, type CheckOutcome } from './check-outcome.js';
import type { MysqlServerFacts } from './mysql-validation-facts.js';

const RESTART =
  'in the [mysqld] section of the server configuration (my.cnf) and restart the server';

/** Without a binlog there is nothing to stream. */
export function checkBinlogEnabled(server: MysqlServerFacts): CheckOutcome {
  if (server.logBin) return passed('binary logging is on');
  return failed(
    `binary logging is off on ${server.where}`,
    `Set log_bin = mysql-bin and a non-zero server_id ${RESTART}; binary logging cannot be turned on at runtime.`,
  );
}

/** Statement and mixed binlogs hold SQL text, not the changed rows. */
export function checkBinlogFormat(server: MysqlServerFacts): CheckOutcome {
  if (server.binlogFormat === 'ROW') return passed('binlog_format = ROW');
  return failed(
    `binlog_format is ${server.binlogFormat} on ${server.where}; the stream needs ROW (statement-based changes carry no row values)`,
    `Run SET GLOBAL binlog_format = 'ROW' and set binlog_format = ROW ${RESTART} so it persists; sessions already connected keep their format until they reconnect.`,
  );
}

/** MINIMAL/NOBLOB images leave columns out, which would read as NULL. */
export function checkBinlogRowImage(server: MysqlServerFacts): CheckOutcome {
  if (server.binlogRowImage === 'FULL') return passed('binlog_row_image = FULL');
  return failed(
    `binlog_row_image is ${server.binlogRowImage} on ${server.where}; the stream needs FULL (every column of every changed row)`,
    `Run SET GLOBAL binlog_row_image = 'FULL' and set binlog_row_image = FULL ${RESTART} so it persists.`,
  );
}

/** GTIDs let the stream resume on another server of the topology after a failover. */
export function checkGtidMode(server: MysqlServerFacts): CheckOutcome {
  if (server.mariadb) return passed('MariaDB GTIDs are always on; the stream resumes by GTID');
  if (server.gtidMode === 'ON') return passed('gtid_mode = ON');
  return warned(
    `gtid_mode is ${server.gtidMode ?? 'unknown'} on ${server.where}; the stream resumes by binlog file and offset, which do not survive a failover to a replica`,
    `Set gtid_mode = ON and enforce_gtid_consistency = ON ${RESTART} (or step gtid_mode through OFF_PERMISSIVE and ON_PERMISSIVE online).`,
  );
}

/** A binlog source needs a server id; the stream's own replica id must differ from it. */
export function checkServerId(server: MysqlServerFacts): CheckOutcome {
  if (server.serverId > 0) return passed(`server_id = ${server.serverId}`);
  return failed(
    `server_id is 0 on ${server.where}; a server without a server id does not serve its binlog to replicas`,
    `Set server_id to a unique non-zero number ${RESTART}.`,
  );
}
