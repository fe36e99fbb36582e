/**
 * `database-replicator validate` with a MariaDB source, as a child process: the test server
 * passes (exit 0, every row ok); a user with only SELECT on the database fails (exit 1) and the
 * output names the GRANTs to run, in the text table and in --json, without its password.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createMysqlDatabase, type MysqlTestDatabase } from '../source-mysql/mysql-fixtures.js';
import { createTargetDatabase, type TargetDatabase } from './mysql-cli-tables.js';

const Report = z.object({
  ok: z.boolean(),
  checks: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      detail: z.string(),
      fix: z.string().nullable(),
    }),
  ),
});

describeWithServices(['mariadb', 'postgres'], 'validate with a MariaDB source', () => {
  let source: MysqlTestDatabase;
  let target: TargetDatabase;
  const user = `dr_val_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(8).toString('hex');

  beforeAll(async () => {
    source = await createMysqlDatabase('dr_mcli_val');
    target = await createTargetDatabase('dr_mcli_val');
    await source.query(
      'CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE `Other-T` (id int PRIMARY KEY)',
    );
    await source.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
    await source.query(`GRANT SELECT ON \`${source.name}\`.* TO ?@'%'`, [user]);
  });

  afterAll(async () => {
    await source?.query(`DROP USER IF EXISTS ?@'%'`, [user]);
    await source?.drop();
    await target?.drop();
  });

  function selectOnlyUrl(): string {
    const url = new URL(source.url.reveal());
    url.username = user;
    url.password = password;
    return url.toString();
  }

  it('passes on the test server: exit 0 and every row ok', async () => {
    const result = await runCliProcess(['validate'], {
      sourceUrl: source.url.reveal(),
      targetUrl: target.url,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^validate: 10 ok; ready to replicate$/m);
    expect(result.stdout).toMatch(/^binlog_format\s+ok\s+binlog_format = ROW/m);
    expect(result.stdout).toMatch(/^SELECT on tables\s+ok\s+SELECT on all 2 selected tables/m);
  });

  it('--include-tables narrows the tables judged', async () => {
    const result = await runCliProcess(['validate', '--include-tables', 'Other-T'], {
      sourceUrl: source.url.reveal(),
      targetUrl: target.url,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SELECT on all 1 selected tables/);
  });

  it('a user with only SELECT fails with exit 1 and the GRANTs to run', async () => {
    const urls = { sourceUrl: selectOnlyUrl(), targetUrl: target.url };
    const text = await runCliProcess(['validate'], urls);
    expect(text.exitCode, text.stderr).toBe(1);
    expect(text.stdout).toMatch(/^REPLICATION SLAVE privilege\s+fail\s/m);
    expect(text.stdout).toMatch(/^REPLICATION CLIENT privilege\s+fail\s/m);
    expect(text.stdout).toContain(`GRANT REPLICATION SLAVE ON *.* TO '${user}'@'%';`);
    expect(text.stdout).toContain(`GRANT REPLICATION CLIENT ON *.* TO '${user}'@'%';`);
    expect(text.stdout).toMatch(/^validate: 8 ok, 2 failed; fix the failed checks/m);
    expect(text.stdout + text.stderr).not.toContain(password);

    const json = await runCliProcess(['validate', '--json'], urls);
    expect(json.exitCode, json.stderr).toBe(1);
    const report = Report.parse(JSON.parse(json.stdout));
    expect(report.ok).toBe(false);
    expect(report.checks.filter((check) => check.status === 'fail').map((c) => c.id)).toEqual([
      'mysql-replication-slave',
      'mysql-replication-client',
    ]);
    expect(json.stdout).not.toContain(password);
  });

  it('an unreachable MariaDB is a failed row (exit 1), not an error', async () => {
    const result = await runCliProcess(['validate'], {
      sourceUrl: 'mysql://root:wrong-pw@127.0.0.1:1/none',
      targetUrl: target.url,
    });
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^source connection\s+fail\s/m);
    expect(result.stdout).toContain('9 not run');
    expect(result.stdout + result.stderr).not.toContain('wrong-pw');
  });
});
