/**
 * Judges {@link MysqlValidationFacts}: every check in report order, each outcome made a row.
 * When the server was not reached, the connection row carries the failure and every other check
 * is `skipped`. Pure.
 */
import {
  checkBinlogEnabled,
  checkBinlogFormat,
  checkBinlogRowImage,
  checkGtidMode,
  checkServerId,
} from './check-binlog.js';
import { failed, passed, type CheckOutcome } from './check-outcome.js';
import { checkReplicationClient, checkReplicationSlave, checkSelect } from './check-privileges.js';
import { checkBinlogRetention } from './check-retention.js';
import type {
  MysqlServerFacts,
  MysqlValidationCheck,
  MysqlValidationFacts,
  MysqlValidationReport,
} from './mysql-validation-facts.js';

type Run = (server: MysqlServerFacts, facts: MysqlValidationFacts) => CheckOutcome;

const CHECKS: readonly (readonly [id: string, title: string, run: Run])[] = [
  ['mysql-binlog', 'binary logging', (s) => checkBinlogEnabled(s)],
  ['mysql-binlog-format', 'binlog_format', (s) => checkBinlogFormat(s)],
  ['mysql-binlog-row-image', 'binlog_row_image', (s) => checkBinlogRowImage(s)],
  ['mysql-gtid', 'GTID mode', (s) => checkGtidMode(s)],
  ['mysql-server-id', 'server_id', (s) => checkServerId(s)],
  ['mysql-replication-slave', 'REPLICATION SLAVE privilege', (s) => checkReplicationSlave(s)],
  ['mysql-replication-client', 'REPLICATION CLIENT privilege', (s) => checkReplicationClient(s)],
  ['mysql-select', 'SELECT on tables', (s) => checkSelect(s)],
  [
    'mysql-binlog-retention',
    'binlog retention',
    (s, facts) => checkBinlogRetention(s, facts.estimatedSnapshotSeconds),
  ],
];

/** The report of `facts`; `ok` is false when any check failed. */
export function evaluateMysqlValidation(facts: MysqlValidationFacts): MysqlValidationReport {
  const { server } = facts;
  const reached = 'where' in server ? server : undefined;
  const connect: CheckOutcome =
    reached === undefined && 'unreachable' in server
      ? failed(server.unreachable, server.fix)
      : passed(`connected to ${reached?.where ?? 'the source'} (${reached?.version ?? ''})`);
  const checks: MysqlValidationCheck[] = [row('mysql-connect', 'source connection', connect)];
  for (const [id, title, run] of CHECKS) {
    checks.push(
      reached === undefined
        ? Object.freeze({
            id,
            title,
            status: 'skipped',
            detail: 'the source was not reached',
            fix: null,
          })
        : row(id, title, run(reached, facts)),
    );
  }
  return Object.freeze({
    ok: checks.every((check) => check.status !== 'fail'),
    checks: Object.freeze(checks),
  });
}

function row(id: string, title: string, outcome: CheckOutcome): MysqlValidationCheck {
  return Object.freeze({ id, title, ...outcome });
}
