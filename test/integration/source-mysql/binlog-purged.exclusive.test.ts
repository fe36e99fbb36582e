/**
 * Lost binlog history on MariaDB, through the embedded pipeline: the job streams, stops, rows are
 * inserted, updated and deleted while it is down, and the binlog holding those changes is purged
 * (FLUSH BINARY LOGS, PURGE BINARY LOGS TO the newest). The restart cannot resume from its
 * checkpoint (the server refuses the GTID with error 1236): the source reports
 * `REPL_MYSQL_BINLOG_PURGED` as lost history, so the pipeline empties the target table, copies it
 * again (the rows deleted while stopped are gone from the target too) and streams from the new
 * start, and the log says so. A file/offset position whose file was purged is refused before
 * connecting, with the same code.
 */
import { randomBytes } from 'node:crypto';
import { MemoryBus } from '@database-replicator/bus';
import {
  Secret,
  isReplicatorError,
  type BinlogPosition,
  type Logger,
  type TablePlan,
} from '@database-replicator/core';
import { runEmbeddedPipeline, type EmbeddedPipelineReport } from '@database-replicator/runtime';
import type { MysqlSource } from '@database-replicator/source-mysql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import {
  capturingLogger,
  createMysqlDatabase,
  openSource,
  type MysqlTestDatabase,
} from './mysql-fixtures.js';

const WAIT_MS = 30_000;
const INITIAL = 50;

type Running = Readonly<{
  stop: AbortController;
  done: Promise<EmbeddedPipelineReport>;
  source: MysqlSource;
}>;

describeWithServices(['mariadb', 'postgres'], 'MySQL source: purged binlog', () => {
  let mysqlDb: MysqlTestDatabase;
  let target: TestDatabases;
  const jobId = randomBytes(6).toString('hex');
  let running: Running | undefined;
  let failure: unknown;
  const logs = capturingLogger();
  let sourceUser = '';
  let sourceUrl = new Secret('');

  const plan = (): TablePlan => ({
    id: { schema: mysqlDb.name, table: 'items' },
    schemaOnly: false,
    rowFilters: [],
    timeFilters: [],
  });

  function start(logger: Logger): Running {
    const stop = new AbortController();
    const source = openSource(mysqlDb, { url: sourceUrl, tables: [plan()] });
    const done = runEmbeddedPipeline({
      source,
      sourceKind: 'mysql',
      targetUrl: new Secret(target.targetUrl),
      bus: new MemoryBus(),
      names: {
        jobId,
        topicPrefix: `dr.${jobId}`,
        consumerGroup: `dr-loader-${jobId}`,
        replicationName: `dr_pipe_${jobId}`,
      },
      stream: true,
      durableBus: false,
      partitions: 2,
      signal: stop.signal,
      logger,
    });
    failure = undefined;
    done.catch((error: unknown) => {
      failure = error;
    });
    return { stop, done, source };
  }

  async function halt(run: Running): Promise<void> {
    run.stop.abort();
    await run.done.catch(() => undefined);
    await run.source.close();
  }

  const sourceRows = async (): Promise<string> =>
    JSON.stringify(
      (await mysqlDb.rows('SELECT id, note FROM items ORDER BY id')).map((row) => [
        String(row['id']),
        row['note'],
      ]),
    );
  const targetRows = async (): Promise<string> => {
    const { rows } = await queryOnce(
      target.targetUrl,
      // Ordered by the integer column, not by its text alias.
      `SELECT t.id::text AS id, t.note FROM "${mysqlDb.name}".items AS t ORDER BY t.id`,
    );
    return JSON.stringify(rows.map((row: { id: string; note: string }) => [row.id, row.note]));
  };
  const identical = async (): Promise<boolean> => (await targetRows()) === (await sourceRows());

  /** Polls `ok` (a failed read counts as not yet); a failed pipeline ends the wait with its error. */
  async function waitFor(what: string, ok: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!(await ok().catch(() => false))) {
      if (failure !== undefined) throw failure;
      if (Date.now() > deadline) {
        const seen = await Promise.all([sourceRows(), targetRows()]).catch(String);
        throw new Error(`timed out waiting for ${what}; source, target: ${JSON.stringify(seen)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /**
   * FLUSH BINARY LOGS, then PURGE BINARY LOGS TO the newest, until only the newest is left: the
   * server keeps a file a binlog connection still reads, so wait for the stopped job's connection
   * (its own user) to go, and retry while another suite's stream holds an older file.
   */
  async function purgeBinlogs(): Promise<void> {
    const user = sourceUser;
    await waitFor('the stopped binlog connection to end', async () => {
      const threads = await mysqlDb.rows(
        "SELECT id FROM information_schema.processlist WHERE user = ? AND command LIKE 'Binlog Dump%'",
        [user],
      );
      return threads.length === 0;
    });
    await mysqlDb.query('FLUSH BINARY LOGS');
    const [status] = await mysqlDb.rows('SHOW MASTER STATUS');
    const newest = String(status?.['File']);
    await waitFor(`every binlog before ${newest} to be purged`, async () => {
      await mysqlDb.query('PURGE BINARY LOGS TO ?', [newest]);
      const files = await mysqlDb.rows('SHOW BINARY LOGS');
      return files.every((file) => file['Log_name'] === newest);
    });
  }

  beforeAll(async () => {
    mysqlDb = await createMysqlDatabase('mysql_purged');
    target = await createTestDatabases('mysql_purged');
    await mysqlDb.query('CREATE TABLE items (id int PRIMARY KEY, note varchar(40))');
    const values = Array.from({ length: INITIAL }, (_, i) => `(${i + 1}, 'row ${i + 1}')`);
    await mysqlDb.query(`INSERT INTO items VALUES ${values.join(', ')}`);
    const created = await mysqlDb.createSourceUser();
    sourceUser = created.user;
    sourceUrl = created.url;
  });

  afterAll(async () => {
    if (running !== undefined) await halt(running);
    await mysqlDb?.drop();
    await target?.drop();
  });

  it('copies the table again when the binlog after the checkpoint was purged while stopped', async () => {
    running = start(logs.logger);
    // A change streamed after the snapshot, then time for a checkpoint past it (1 s in process).
    await mysqlDb.query("INSERT INTO items VALUES (1000, 'streamed')");
    await waitFor('the snapshot and a streamed change', identical);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await halt(running);
    running = undefined;

    // While stopped: changes only the purged binlog has. Without a new copy, the deleted rows
    // would stay on the target (an upserting snapshot never removes rows).
    await mysqlDb.query(
      "DELETE FROM items WHERE id <= 10; UPDATE items SET note = 'while stopped' WHERE id = 20; INSERT INTO items VALUES (2000, 'while stopped')",
    );
    await purgeBinlogs();

    running = start(logs.logger);
    await waitFor('target = source after the purged binlog', identical);
    expect(await targetRows()).toBe(await sourceRows());
    const lines = logs.lines();
    const lost = lines.find(
      (line) =>
        typeof line['msg'] === 'string' &&
        line['msg'].includes('copying the streamed tables again'),
    );
    expect(lost, JSON.stringify(lines)).toBeDefined();
    expect(JSON.stringify(lost)).toContain('REPL_MYSQL_BINLOG_PURGED');

    // And it streams on from the new start.
    await mysqlDb.query("INSERT INTO items VALUES (3000, 'after the new snapshot')");
    await waitFor('a change after the new snapshot', identical);
  }, 90_000);

  it('refuses a file/offset position whose binlog file was purged, as lost history', async () => {
    const [oldest] = await mysqlDb.rows('SHOW BINARY LOGS');
    const file = String(oldest?.['Log_name']);
    // A file name just before the oldest kept one: purged (or never written).
    const gone = file.replace(/\d+$/, (digits) =>
      String(Number(digits) - 1).padStart(digits.length, '0'),
    );
    const source = openSource(mysqlDb, { tables: [plan()] });
    const from: BinlogPosition = { kind: 'mysql', gtidSet: '', file: gone, pos: 4, eventIndex: 0 };
    let error: unknown;
    try {
      for await (const step of source.streamChanges(from, new AbortController().signal)) {
        throw new Error(`streamed ${JSON.stringify(step)} from a purged file`);
      }
    } catch (caught) {
      error = caught;
    } finally {
      await source.close();
    }
    expect(isReplicatorError(error, 'REPL_MYSQL_BINLOG_PURGED'), String(error)).toBe(true);
    expect(String(error)).toContain(gone);
    expect(source.isHistoryLost(error)).toBe(true);
    expect(source.isHistoryLost(new Error('Connection lost'))).toBe(false);
  });
});
