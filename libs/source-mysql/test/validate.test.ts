import { describe, expect, it } from 'vitest';
import {
  evaluateMysqlValidation,
  type MysqlServerFacts,
  type MysqlValidationFacts,
} from '@database-replicator/source-mysql';

const HEALTHY: MysqlServerFacts = {
  where: 'db.internal:3306',
  user: "'repl'@'%'",
  version: '10.11.9-MariaDB',
  mariadb: true,
  logBin: true,
  binlogFormat: 'ROW',
  binlogRowImage: 'FULL',
  gtidMode: null,
  serverId: 1,
  binlogRetentionSeconds: 7 * 86_400,
  privileges: {
    global: ['SELECT', 'REPLICATION SLAVE', 'BINLOG MONITOR'],
    databases: {},
    tables: {},
  },
  tables: [{ id: { schema: 'shop', table: 'orders' }, rows: 10, bytes: 16_384 }],
};

function report(server: Partial<MysqlServerFacts>, estimatedSnapshotSeconds = 60) {
  const facts: MysqlValidationFacts = {
    server: { ...HEALTHY, ...server },
    estimatedSnapshotSeconds,
  };
  return evaluateMysqlValidation(facts);
}

function check(server: Partial<MysqlServerFacts>, id: string, estimate?: number) {
  const found = report(server, estimate).checks.find((row) => row.id === id);
  if (found === undefined) throw new Error(`no check ${id}`);
  return found;
}

describe('evaluateMysqlValidation', () => {
  it('passes a correctly configured server', () => {
    const result = report({});
    expect(result.ok).toBe(true);
    expect(result.checks.map((row) => [row.id, row.status])).toEqual([
      ['mysql-connect', 'ok'],
      ['mysql-binlog', 'ok'],
      ['mysql-binlog-format', 'ok'],
      ['mysql-binlog-row-image', 'ok'],
      ['mysql-gtid', 'ok'],
      ['mysql-server-id', 'ok'],
      ['mysql-replication-slave', 'ok'],
      ['mysql-replication-client', 'ok'],
      ['mysql-select', 'ok'],
      ['mysql-binlog-retention', 'ok'],
    ]);
  });

  it('fails binlog_format = MIXED with the fix', () => {
    const row = check({ binlogFormat: 'MIXED' }, 'mysql-binlog-format');
    expect(row.status).toBe('fail');
    expect(row.detail).toContain('MIXED');
    expect(row.fix).toContain("SET GLOBAL binlog_format = 'ROW'");
    expect(report({ binlogFormat: 'MIXED' }).ok).toBe(false);
  });

  it('fails binary logging off with the fix', () => {
    const row = check({ logBin: false }, 'mysql-binlog');
    expect(row.status).toBe('fail');
    expect(row.detail).toContain('db.internal:3306');
    expect(row.fix).toContain('log_bin');
    expect(row.fix).toContain('restart');
  });

  it('fails a minimal row image', () => {
    const row = check({ binlogRowImage: 'MINIMAL' }, 'mysql-binlog-row-image');
    expect(row).toMatchObject({ status: 'fail' });
    expect(row.fix).toContain("binlog_row_image = 'FULL'");
  });

  it('fails a missing REPLICATION SLAVE privilege with the GRANT to run', () => {
    const row = check(
      { privileges: { global: ['SELECT', 'BINLOG MONITOR'], databases: {}, tables: {} } },
      'mysql-replication-slave',
    );
    expect(row.status).toBe('fail');
    expect(row.fix).toBe("GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';");
  });

  it('accepts REPLICATION CLIENT under its MySQL name and fails it when missing', () => {
    const privileges = (global: string[]) => ({
      privileges: { global, databases: {}, tables: {} },
    });
    expect(
      check(
        privileges(['REPLICATION CLIENT', 'REPLICATION SLAVE', 'SELECT']),
        'mysql-replication-client',
      ).status,
    ).toBe('ok');
    const row = check(privileges(['REPLICATION SLAVE', 'SELECT']), 'mysql-replication-client');
    expect(row.status).toBe('fail');
    expect(row.fix).toBe("GRANT REPLICATION CLIENT ON *.* TO 'repl'@'%';");
  });

  it('checks SELECT per table through global, database and table grants', () => {
    const base = ['REPLICATION SLAVE', 'BINLOG MONITOR'];
    const missing = check(
      { privileges: { global: base, databases: {}, tables: {} } },
      'mysql-select',
    );
    expect(missing.status).toBe('fail');
    expect(missing.detail).toContain('shop.orders');
    expect(missing.fix).toBe("GRANT SELECT ON `shop`.* TO 'repl'@'%';");
    expect(
      check(
        { privileges: { global: base, databases: { shop: ['SELECT'] }, tables: {} } },
        'mysql-select',
      ).status,
    ).toBe('ok');
    expect(
      check(
        { privileges: { global: base, databases: {}, tables: { 'shop.orders': ['SELECT'] } } },
        'mysql-select',
      ).status,
    ).toBe('ok');
  });

  it('warns when MySQL runs without GTIDs and fails server_id 0', () => {
    expect(check({ mariadb: false, gtidMode: 'OFF' }, 'mysql-gtid').status).toBe('warn');
    expect(check({ mariadb: false, gtidMode: 'ON' }, 'mysql-gtid').status).toBe('ok');
    expect(check({ serverId: 0 }, 'mysql-server-id').status).toBe('fail');
  });

  it('judges binlog retention against the estimated snapshot time', () => {
    expect(check({ binlogRetentionSeconds: 3600 }, 'mysql-binlog-retention', 7200).status).toBe(
      'fail',
    );
    expect(check({ binlogRetentionSeconds: 3 * 3600 }, 'mysql-binlog-retention', 7200).status).toBe(
      'warn',
    );
    expect(check({ binlogRetentionSeconds: 86_400 }, 'mysql-binlog-retention', 7200).status).toBe(
      'ok',
    );
    expect(check({ binlogRetentionSeconds: null }, 'mysql-binlog-retention', 1e9).status).toBe(
      'ok',
    );
    const failed = check({ binlogRetentionSeconds: 3600 }, 'mysql-binlog-retention', 7200);
    expect(failed.fix).toContain('binlog_expire_logs_seconds = 86400');
  });

  it('skips every check when the server was not reached', () => {
    const result = evaluateMysqlValidation({
      server: { unreachable: 'connection refused by db.internal:3306', fix: 'Check the host.' },
      estimatedSnapshotSeconds: 0,
    });
    expect(result.ok).toBe(false);
    expect(result.checks[0]).toMatchObject({
      id: 'mysql-connect',
      status: 'fail',
      fix: 'Check the host.',
    });
    expect(result.checks.slice(1).every((row) => row.status === 'skipped')).toBe(true);
  });
});
