/**
 * Lost change history of a SQLite file in trigger mode, through the embedded pipeline (a real
 * file, a real target). The job syncs and stops; while it is down rows are inserted, updated and
 * deleted, and then the changelog rows after its checkpoint vanish: trimmed (another job's prune,
 * a manual DELETE), or capture removed altogether. The restart cannot resume from its checkpoint:
 * the source reports lost history, so the pipeline empties the target table, copies the file
 * again (the rows deleted while stopped are gone from the target too), streams from the new
 * start, and the log says the snapshot started over.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '@database-replicator/core';
import {
  CHANGELOG_TABLE,
  createSqliteSource,
  removeCapture,
} from '@database-replicator/source-sqlite';
import { describeWithServices } from '../../support/describe-with-services.js';
import { startTestPipeline, type TestPipelineRun } from '../../support/embedded-pipeline.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { tempDir, type TempDir } from './sqlite-harness.js';

const WAIT_MS = 30_000;
const INITIAL = 200;

describeWithServices(['postgres'], 'SQLite source: lost changelog history', () => {
  let dbs: TestDatabases;
  let dir: TempDir;
  let file: string;
  let sqlite: Database.Database;
  let running: TestPipelineRun | undefined;
  const jobId = randomBytes(6).toString('hex');
  const written: string[] = [];
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line: string) => written.push(line) },
  });

  const start = (): TestPipelineRun =>
    startTestPipeline({
      source: createSqliteSource({
        url: file,
        name: 'sqlite',
        pollIntervalMs: 50,
        // Heartbeats let the idle stream's checkpoint pass the streamed change.
        heartbeatIntervalMs: 200,
        refreshStateDir: dir.file('state'),
        logger: createLogger({ level: 'silent' }),
      }),
      sourceKind: 'sqlite',
      targetUrl: dbs.targetUrl,
      jobId,
      partitions: 2,
      logger,
    });
  /** Stops the running pipeline; how it ended was checked by the waits while it ran. */
  const stop = async (): Promise<void> => {
    await running?.stop().catch(() => undefined);
    running = undefined;
  };
  const sourceRows = (): string =>
    JSON.stringify(sqlite.prepare('SELECT id, name FROM items ORDER BY id').all());
  const targetRows = async (): Promise<string> => {
    const { rows } = await queryOnce(
      dbs.targetUrl,
      'SELECT id::int AS id, name FROM public.items ORDER BY id',
    );
    return JSON.stringify(rows);
  };
  const identical = async (): Promise<boolean> => (await targetRows()) === sourceRows();
  /** Polls `ok` (a failed read counts as not yet); a failed pipeline ends the wait with its error. */
  const waitFor = async (what: string, ok: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + WAIT_MS;
    while (!(await ok().catch(() => false))) {
      if (running?.failure() !== undefined) throw running.failure();
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  /** The lost-history warning among the lines logged since `from` (it carries the error code). */
  const startedOver = (from: number): string | undefined =>
    written.slice(from).find((line) => line.includes('copying the streamed tables again'));
  /** Changes only the lost changelog rows held: without a new copy the deleted rows would stay. */
  const changeWhileStopped = (base: number): void => {
    sqlite.prepare('DELETE FROM items WHERE id BETWEEN ? AND ?').run(base, base + 9);
    sqlite.prepare('UPDATE items SET name = ? WHERE id = ?').run(`updated ${base}`, base + 20);
    sqlite.prepare('INSERT INTO items (id, name) VALUES (?, ?)').run(10_000 + base, 'inserted');
  };
  /** Syncs a marker row written after the new snapshot: the stream goes on from the new start. */
  const expectStreaming = async (id: number): Promise<void> => {
    sqlite.prepare('INSERT INTO items (id, name) VALUES (?, ?)').run(id, 'after the new snapshot');
    await waitFor(`row ${id} after the new snapshot`, identical);
  };

  beforeAll(async () => {
    dbs = await createTestDatabases('dr_sqlite_lost');
    dir = tempDir('dr-sqlite-lost');
    file = dir.file('lost.db');
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)');
    const insert = sqlite.prepare('INSERT INTO items (id, name) VALUES (?, ?)');
    sqlite.transaction(() => {
      for (let n = 1; n <= INITIAL; n += 1) insert.run(n, `item ${n}`);
    })();
    running = start();
    sqlite.prepare('INSERT INTO items (id, name) VALUES (?, ?)').run(1000, 'streamed');
    await waitFor('the snapshot and a streamed change', identical);
    // Time for a checkpoint past the streamed change (at most one a second in process).
    await new Promise((resolve) => setTimeout(resolve, 2500));
  }, 60_000);

  afterAll(async () => {
    await stop();
    sqlite?.close();
    await dbs?.drop();
    dir?.cleanup();
  });

  it('copies the file again when the changelog was trimmed past the checkpoint while stopped', async () => {
    await stop();
    changeWhileStopped(1);
    // What another job's prune does: everything but the newest row goes, including the changes
    // this job never read.
    sqlite.exec(
      `DELETE FROM ${CHANGELOG_TABLE} WHERE seq < (SELECT max(seq) FROM ${CHANGELOG_TABLE})`,
    );
    const from = written.length;
    running = start();
    await waitFor('target = source after the trimmed changelog', identical);
    expect(await targetRows()).toBe(sourceRows());
    expect(startedOver(from), written.join('')).toContain('REPL_SQLITE_CHANGELOG_GAP');
    await expectStreaming(20_000);
  }, 60_000);

  it('copies the file again when capture was removed while stopped', async () => {
    await stop();
    changeWhileStopped(50);
    removeCapture(file);
    // Changes while no trigger records them.
    changeWhileStopped(100);
    const from = written.length;
    running = start();
    await waitFor('target = source after capture was removed', identical);
    expect(await targetRows()).toBe(sourceRows());
    // Capture `auto` on a file without a changelog looks for refresh state, which this job
    // never had: lost history either way.
    expect(startedOver(from), written.join('')).toMatch(
      /REPL_SQLITE_CAPTURE_MISSING|REPL_SQLITE_REFRESH_STATE_MISSING/,
    );
    await expectStreaming(20_001);
  }, 60_000);
});
