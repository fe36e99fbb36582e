/**
 * `verify` MariaDB → PostgreSQL while `sync --via pipeline` applies a writer's changes: ranges
 * and rows that differ only because changes are in flight are re-checked once the target's
 * stored binlog position (`_replicator.offsets`) has passed the source's, so verify reports no
 * difference while the writer runs, and still names a real difference made on the target.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { quoteIdent } from '@database-replicator/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { queryOnce } from '../../support/postgres-databases.js';
import { createTargetDatabase, type TargetDatabase } from '../mysql-cli/mysql-cli-tables.js';
import { startCli, type CliChild } from '../pipeline-cli/cli-child.js';
import { createMysqlDatabase, type MysqlTestDatabase } from '../source-mysql/mysql-fixtures.js';

const ROWS = 20_000;
// The writer leaves keys up to here alone, so a change made there on the target is real.
const UNTOUCHED = 100;

const reportSchema = z.object({
  ok: z.boolean(),
  tables: z.array(
    z.object({
      status: z.string(),
      missing: z.array(z.record(z.string(), z.string())),
      extra: z.array(z.record(z.string(), z.string())),
      different: z.array(z.record(z.string(), z.string())),
      mismatchedRanges: z.number(),
      notes: z.array(z.string()),
    }),
  ),
});

type Writer = Readonly<{ stop(): Promise<number> }>;

/** Updates, inserts and deletes keys above UNTOUCHED, one statement every few milliseconds. */
function startWriter(source: MysqlTestDatabase): Writer {
  let running = true;
  let changes = 0;
  let next = ROWS + 1;
  const loop = (async () => {
    while (running) {
      const id = UNTOUCHED + 1 + Math.floor(Math.random() * (ROWS - UNTOUCHED));
      const step = changes % 3;
      if (step === 0)
        await source.query('UPDATE big SET v = ?, n = n + 1 WHERE id = ?', [`w${changes}`, id]);
      if (step === 1)
        await source.query('INSERT INTO big VALUES (?, ?, 1, ?)', [next++, 'new', '{"w": 1}']);
      if (step === 2) await source.query('DELETE FROM big WHERE id = ?', [id]);
      changes += 1;
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return changes;
    },
  };
}

async function verify(urls: { sourceUrl: string; targetUrl: string }) {
  const result = await runCliProcess(['verify', '--json'], urls);
  expect([0, 1], result.stderr.slice(-2000)).toContain(result.exitCode);
  return { exitCode: result.exitCode, report: reportSchema.parse(JSON.parse(result.stdout)) };
}

describeWithServices(
  ['postgres', 'mariadb'],
  'verify MariaDB → PostgreSQL while sync applies',
  () => {
    let source: MysqlTestDatabase;
    let target: TargetDatabase;
    let urls: { sourceUrl: string; targetUrl: string };
    let sync: CliChild | undefined;

    beforeAll(async () => {
      source = await createMysqlDatabase('verify_mys');
      target = await createTargetDatabase('verify_mys');
      await source.query(
        `CREATE TABLE big (id bigint PRIMARY KEY, v varchar(32), n int, j json);
       INSERT INTO big SELECT seq, CONCAT('value ', seq), seq % 97,
         JSON_OBJECT('k', seq, 'tags', JSON_ARRAY('a', 'b')) FROM seq_1_to_${ROWS};`,
      );
      urls = { sourceUrl: source.url.reveal(), targetUrl: target.url };
      const init = await runCliProcess(['init', '-y'], urls);
      expect(init.exitCode, init.stderr.slice(-2000)).toBe(0);
    }, 120_000);

    afterAll(async () => {
      await sync?.stop();
      await source?.drop();
      await target?.drop();
    });

    it('reports nothing while changes stream, and a real change on the target', async () => {
      sync = startCli(['sync', '--via', 'pipeline'], urls);
      const big = `${quoteIdent(source.name)}.big`;
      // Streaming runs once a row inserted now reaches the target.
      await source.query(`INSERT INTO big VALUES (${ROWS + 100_000}, 'sentinel', 0, NULL)`);
      const deadline = Date.now() + 60_000;
      while (
        (await queryOnce(target.url, `SELECT 1 FROM ${big} WHERE id = $1`, [ROWS + 100_000]))
          .rowCount === 0
      ) {
        if (Date.now() > deadline)
          throw new Error(`sync did not stream\n${sync.stderr().slice(-3000)}`);
        await sleep(200);
      }
      const writer = startWriter(source);
      try {
        await sleep(1000);
        const clean = await verify(urls);
        expect(clean.report.tables[0]?.different).toEqual([]);
        expect(clean.report.tables[0]?.missing).toEqual([]);
        expect(clean.report.tables[0]?.extra).toEqual([]);
        expect(clean.exitCode).toBe(0);

        await queryOnce(target.url, `UPDATE ${big} SET v = 'real' WHERE id = 7`);
        const real = await verify(urls);
        expect(real.exitCode).toBe(1);
        expect(real.report.tables[0]?.different).toEqual([{ id: '7' }]);
        expect(real.report.tables[0]?.missing).toEqual([]);
        expect(real.report.tables[0]?.extra).toEqual([]);
      } finally {
        const changes = await writer.stop();
        expect(changes).toBeGreaterThan(10);
      }
    }, 180_000);
  },
);
