/**
 * Crash in the middle of a MariaDB snapshot: `init` is killed with SIGKILL once the target holds
 * some but not all of a 150,000-row table; `init` again resumes after the recorded progress
 * (`_replicator.job_tables.rows_copied` and the resumed run's "table snapshot started" line prove
 * it did not start over) and the target ends with every key once and equal to the source.
 */
import { quoteIdent } from '@database-replicator/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { describeWithServices } from '../../support/describe-with-services.js';
import { queryOnce } from '../../support/postgres-databases.js';
import { createMysqlDatabase, type MysqlTestDatabase } from '../source-mysql/mysql-fixtures.js';
import { jobIdFromLog, logLines, startCli, type CliChild } from '../pipeline-cli/cli-child.js';
import {
  expectEveryKeyOnce,
  expectPartialProgress,
  waitForPartialCopy,
  type PauseSource,
} from '../pipeline-cli/partial-copy.js';
import { createTargetDatabase, type TargetDatabase } from './mysql-cli-tables.js';

const ROWS = 150_000;

const Digest = z.object({ n: z.coerce.number(), digest: z.string().nullable() });

describeWithServices(['mariadb', 'postgres'], 'MariaDB init killed mid-snapshot', () => {
  let source: MysqlTestDatabase;
  let target: TargetDatabase;
  const children: CliChild[] = [];
  const big = (): string => `${quoteIdent(source.name)}.big`;

  beforeAll(async () => {
    source = await createMysqlDatabase('dr_mcli_kill');
    target = await createTargetDatabase('dr_mcli_kill');
    await source.query(`
      CREATE TABLE big (id bigint NOT NULL PRIMARY KEY, tenant int NOT NULL, payload varchar(200),
        at datetime(6));
      INSERT INTO big SELECT seq, seq % 97, REPEAT(MD5(seq), 4),
        TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_${ROWS};`);
  }, 60_000);

  afterAll(async () => {
    for (const child of children) await child.stop();
    await source?.drop();
    await target?.drop();
  });

  /** Holds a write lock on `big`: each snapshot page is one statement, so reads wait. */
  const lockSourceTable: PauseSource = async () => {
    const connection = await source.connect();
    await connection.query('LOCK TABLES big WRITE');
    return async () => {
      await connection.query('UNLOCK TABLES');
      await connection.end();
    };
  };

  it('resumes after the recorded progress and ends equal, every key once', async () => {
    const urls = { sourceUrl: source.url.reveal(), targetUrl: target.url };
    const first = startCli(['init'], urls);
    children.push(first);
    // The kill lands while the source table is locked: the snapshot cannot finish meanwhile.
    // Progress is saved once a second and the reader runs ahead of it by whole pages, so the
    // first saved progress is the moment to stop at; by the next save the table may be read.
    const resume = await waitForPartialCopy(
      first,
      { url: target.url, tableSql: big(), tableName: 'big' },
      1,
      lockSourceTable,
    );
    first.signal('SIGKILL');
    const killed = await first.exit(10_000);
    await resume();
    expect(killed.exitCode).toBeUndefined();
    const jobId = jobIdFromLog(killed.stderr);

    const recorded = await expectPartialProgress(
      target.url,
      jobId,
      { schema: source.name, table: 'big' },
      ROWS,
    );

    const second = startCli(['init'], urls);
    children.push(second);
    const outcome = await second.exit(90_000);
    expect(outcome.exitCode, outcome.stderr.slice(-3000)).toBe(0);
    expect(jobIdFromLog(outcome.stderr)).toBe(jobId);
    const started = logLines(outcome.stderr, 'table snapshot started');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ table: `${source.name}.big`, rows: recorded.rows });
    expect(started[0]?.['resumeAfter']).toEqual(recorded.after);

    await expectEveryKeyOnce(target.url, big(), ROWS);
    // Independent digests of every row on both sides, in the same text form (25 MB of text:
    // GROUP_CONCAT would cut it at 1 MB by default).
    await source.query('SET SESSION group_concat_max_len = 1073741824');
    const [mysqlDigest] = await source.rows(
      `
      SELECT COUNT(*) AS n, MD5(GROUP_CONCAT(CONCAT_WS('|', id, tenant, payload,
        DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f')) ORDER BY id SEPARATOR '\\n')) AS digest
      FROM big`,
      [],
    );
    const pgDigest = await queryOnce(
      target.url,
      `SELECT count(*) AS n, md5(string_agg(concat_ws('|', id, tenant, payload,
         to_char(at, 'YYYY-MM-DD HH24:MI:SS.US')), E'\\n' ORDER BY id)) AS digest FROM ${big()}`,
    );
    expect(Digest.parse(pgDigest.rows[0])).toEqual(Digest.parse(mysqlDigest));
  }, 180_000);
});
