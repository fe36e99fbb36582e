/**
 * `validateMysql` against the real MariaDB: the test server passes every check; a user without
 * the replication privileges gets the GRANTs to run; an estimate beyond the binlog retention
 * fails the retention check; an unreachable server fails the connection row and skips the rest.
 */
import { randomBytes } from 'node:crypto';
import { Secret } from '@database-replicator/core';
import { validateMysql, type MysqlValidationReport } from '@database-replicator/source-mysql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createMysqlDatabase, type MysqlTestDatabase } from './mysql-fixtures.js';

function status(report: MysqlValidationReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((check) => [check.id, check.status]));
}

describeWithServices(['mariadb'], 'MySQL source: validate', () => {
  let mysqlDb: MysqlTestDatabase;
  const user = `dr_validate_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(8).toString('hex');

  beforeAll(async () => {
    mysqlDb = await createMysqlDatabase('mysql_validate');
    await mysqlDb.query('CREATE TABLE t (id int PRIMARY KEY)');
    await mysqlDb.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await mysqlDb.query(`GRANT SELECT ON \`${mysqlDb.name}\`.* TO '${user}'@'%'`);
  });

  afterAll(async () => {
    await mysqlDb?.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await mysqlDb?.drop();
  });

  it('passes every check on the test server', async () => {
    const report = await validateMysql(mysqlDb.url);
    expect(report.checks.filter((check) => check.status !== 'ok')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.find((check) => check.id === 'mysql-select')?.detail).toContain(
      '1 selected',
    );
  });

  it('fails the replication privileges of a user without them, with the GRANT to run', async () => {
    const url = new URL(mysqlDb.url.reveal());
    url.username = user;
    url.password = password;
    const report = await validateMysql(new Secret(url.toString()));
    expect(report.ok).toBe(false);
    expect(status(report)).toMatchObject({
      'mysql-connect': 'ok',
      'mysql-replication-slave': 'fail',
      'mysql-replication-client': 'fail',
      'mysql-select': 'ok',
    });
    const fixes = report.checks.map((check) => check.fix);
    expect(fixes).toContain(`GRANT REPLICATION SLAVE ON *.* TO '${user}'@'%';`);
    expect(fixes).toContain(`GRANT REPLICATION CLIENT ON *.* TO '${user}'@'%';`);
    expect(JSON.stringify(report)).not.toContain(password);
  });

  it('fails retention shorter than the estimated snapshot', async () => {
    const report = await validateMysql(mysqlDb.url, { estimatedSnapshotSeconds: 30 * 86_400 });
    const row = report.checks.find((check) => check.id === 'mysql-binlog-retention');
    expect(row).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('binlog_expire_logs_seconds'),
    });
  });

  it('reports an unreachable server and skips the other checks', async () => {
    const report = await validateMysql(new Secret('mysql://root:secret-pw@127.0.0.1:1/none'));
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ id: 'mysql-connect', status: 'fail' });
    expect(report.checks.slice(1).every((check) => check.status === 'skipped')).toBe(true);
    expect(JSON.stringify(report)).not.toContain('secret-pw');
  });
});
