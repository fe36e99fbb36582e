/**
 * `verify` of a MariaDB source while `init --enable-sync` streams its binlog into the target
 * over Kafka (the embedded pipeline, a CLI child process) and a writer keeps inserting, updating
 * and deleting: rows in flight must never be reported (verify waits until the target has applied
 * up to the binlog position it read, exactly: the extractor's checkpoint and the loader's
 * stored positions of every partition it sent to), while a row changed only on the target must
 * be. On Kafka the checkpoint is stored as soon as the broker has the events, before the loader
 * applied them, and a trigger slows every apply on the target down, so the stored positions per
 * partition are what the wait turns on. The writer
 * also writes to another database: those transactions move the binlog end past the last
 * replicated one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { quoteIdent, quoteMysqlIdent } from '@database-replicator/core';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import { queryOnce } from '../../support/postgres-databases.js';
import { createTargetDatabase, type TargetDatabase } from '../mysql-cli/mysql-cli-tables.js';
import { startCli, type CliChild } from '../pipeline-cli/cli-child.js';
import { deleteJobTopics, kafkaBusFlag } from '../pipeline-cli/kafka-topics.js';
import { createMysqlDatabase, type MysqlTestDatabase } from '../source-mysql/mysql-fixtures.js';
import { eventually, expectClean, expectOnlyDifferent, verifyJson } from './streaming-verify.js';

const ROWS = 20_000;
const BLOCK = 40;
const DRIFTED = 12_345;
const RUNS = 2;

/**
 * Where the next writer goes on (the first key of its next block), and which writer writes: a
 * new one takes over, so one left running by a failed test stops.
 */
type WriterCursor = { start: number; writer: number };

/**
 * Writes until stopped, one transaction per block of keys every 100 ms: 30 updates, 5 deletes
 * and 5 inserts of new keys, each key changed at most once (over every writer of `cursor`), so a
 * key that differs on both sides of a catch-up can only be a real difference; then a
 * transaction in another database. The block of `DRIFTED` is skipped: only the target changes
 * that row. Each writer has its own connection, closed when it ends.
 */
function startWriter(source: MysqlTestDatabase, foreign: string, cursor: WriterCursor) {
  const id = (cursor.writer += 1);
  let stopped = false;
  let blocks = 0;
  const block = async (connection: mysql.Connection, start: number) => {
    await connection.beginTransaction();
    if (start + BLOCK <= ROWS) {
      await connection.query('UPDATE items SET v = v + 1 WHERE id BETWEEN ? AND ?', [
        start,
        start + 29,
      ]);
      await connection.query('DELETE FROM items WHERE id BETWEEN ? AND ?', [
        start + 30,
        start + 34,
      ]);
    }
    const inserts = [0, 1, 2, 3, 4].map((i) => [ROWS + start + i, i]);
    await connection.query('INSERT INTO items (id, v) VALUES ?', [inserts]);
    await connection.commit();
    await connection.query(`INSERT INTO ${quoteMysqlIdent(foreign)}.noise (n) VALUES (?)`, [start]);
  };
  const done = (async () => {
    const connection = await source.connect();
    try {
      while (!stopped && cursor.writer === id) {
        const start = cursor.start;
        cursor.start += BLOCK;
        if (start <= DRIFTED && DRIFTED < start + BLOCK) continue;
        await block(connection, start);
        blocks += 1;
        await sleep(100);
      }
    } finally {
      await connection.end();
    }
  })();
  // Observed by `stop`; a writer a failed test left running must not crash the file.
  done.catch(() => undefined);
  return {
    blocks: () => blocks,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

describeWithServices(
  ['postgres', 'mariadb', 'kafka'],
  'MariaDB verify while sync streams over Kafka',
  () => {
    let source: MysqlTestDatabase;
    let foreign: MysqlTestDatabase;
    let target: TargetDatabase;
    let cli: CliChild | undefined;
    let urls: { sourceUrl: string; targetUrl: string };
    const cursor: WriterCursor = { start: 1, writer: 0 };
    const writers: { stop(): Promise<void> }[] = [];

    beforeAll(async () => {
      source = await createMysqlDatabase('dr_vstream');
      foreign = await createMysqlDatabase('dr_vstream_other');
      target = await createTargetDatabase('dr_vstream');
      await source.query(
        `CREATE TABLE items (id bigint PRIMARY KEY, v int NOT NULL, note varchar(40));
         INSERT INTO items (id, v) SELECT seq, seq FROM seq_1_to_${ROWS};`,
      );
      await foreign.query('CREATE TABLE noise (id int AUTO_INCREMENT PRIMARY KEY, n int)');
      urls = { sourceUrl: source.url.reveal(), targetUrl: target.url };
      cli = startCli(['init', '--enable-sync', '--bus', kafkaBusFlag()], urls);
      await cli.waitFor(/"msg":"snapshot done"/, 90_000);
      await eventually('the snapshot on the target', async () => {
        const count = await queryOnce(
          target.url,
          `SELECT count(*)::int AS n FROM ${quoteIdent(source.name)}.items`,
        ).then(
          (result) => Number(result.rows[0]?.['n']),
          () => -1,
        );
        return count === ROWS;
      });
      // A slow target (each apply statement takes 0.2 s longer): the loader then lags behind
      // the checkpoints, which Kafka lets the extractor store as soon as the broker has the
      // events, so only the stored positions per partition tell what is applied.
      const table = `${quoteIdent(source.name)}.items`;
      await queryOnce(
        target.url,
        `CREATE FUNCTION ${quoteIdent(source.name)}.slow_apply() RETURNS trigger LANGUAGE plpgsql
           AS $$ BEGIN PERFORM pg_sleep(0.2); RETURN NULL; END $$;
         CREATE TRIGGER slow_apply AFTER INSERT OR UPDATE OR DELETE ON ${table}
           FOR EACH STATEMENT EXECUTE FUNCTION ${quoteIdent(source.name)}.slow_apply();`,
      );
    }, 150_000);

    afterAll(async () => {
      // A writer a failed test left running.
      for (const writer of writers) await writer.stop().catch(() => undefined);
      // Stopped at a checkpoint, so its Kafka consumers leave the group, which can then go.
      cli?.signal('SIGTERM');
      await cli?.exit(30_000).catch(() => undefined);
      await cli?.stop();
      const jobId = cli === undefined ? undefined : /"jobId":"([0-9a-f]+)"/.exec(cli.stderr())?.[1];
      if (jobId !== undefined) await deleteJobTopics(jobId);
      await source?.drop();
      await foreign?.drop();
      await target?.drop();
    });

    it('reports no difference, run after run, while the writer changes the source', async () => {
      const writer = startWriter(source, foreign.name, cursor);
      writers.push(writer);
      try {
        await eventually('the writer to start', () => Promise.resolve(writer.blocks() > 5));
        for (let run = 0; run < RUNS; run += 1) {
          const before = writer.blocks();
          const result = await verifyJson(urls);
          console.info(`verify while writing, run ${run}: ${result.ms} ms`);
          // The source changed while this verify ran.
          expect(writer.blocks(), `run ${run}`).toBeGreaterThan(before);
          expectClean(result, `run ${run}`);
        }
      } finally {
        await writer.stop();
      }
      const idle = await verifyJson(urls);
      console.info(`verify after the writer stopped: ${idle.ms} ms`);
      expectClean(idle, 'after the writer stopped');
    }, 180_000);

    it('names exactly the row changed on the target while the writer goes on', async () => {
      await queryOnce(
        target.url,
        `UPDATE ${quoteIdent(source.name)}.items SET note = 'drift' WHERE id = ${DRIFTED}`,
      );
      const writer = startWriter(source, foreign.name, cursor);
      writers.push(writer);
      try {
        await eventually('the writer to start', () => Promise.resolve(writer.blocks() > 2));
        const result = await verifyJson(urls);
        console.info(`verify with a drifted row: ${result.ms} ms`);
        expectOnlyDifferent(result, { id: String(DRIFTED) }, 'drifted row');
      } finally {
        await writer.stop();
      }
    }, 120_000);
  },
);
