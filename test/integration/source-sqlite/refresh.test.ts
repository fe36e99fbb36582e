/**
 * SQLite refresh mode (no triggers, no writes to the source file): the embedded pipeline
 * snapshots, then inserts, updates and deletes made after the snapshot reach the target within
 * about one refresh interval; an independent comparison of source and target rows finds them
 * identical; the source file's schema is never touched. A restart from the checkpoint finds the
 * changes (deletes included) made while stopped: the refresh state survives on disk.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '@database-replicator/core';
import { createSqliteSource } from '@database-replicator/source-sqlite';
import { describeWithServices } from '../../support/describe-with-services.js';
import { startTestPipeline, type TestPipelineRun } from '../../support/embedded-pipeline.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { waitFor } from '../../support/wait-for.js';
import { tempDir, type TempDir } from './sqlite-harness.js';

const INTERVAL_MS = 300;
const INITIAL = 300;

describeWithServices(['postgres'], 'SQLite source: refresh mode', () => {
  let dbs: TestDatabases;
  let dir: TempDir;
  let file: string;
  let sqlite: Database.Database;
  let running: TestPipelineRun | undefined;
  const jobId = randomBytes(6).toString('hex');

  const start = (): TestPipelineRun =>
    startTestPipeline({
      source: createSqliteSource({
        url: file,
        name: 'sqlite',
        capture: 'refresh',
        refreshIntervalMs: INTERVAL_MS,
        refreshStateDir: dir.file('state'),
        logger: createLogger({ level: 'silent' }),
      }),
      sourceKind: 'sqlite',
      targetUrl: dbs.targetUrl,
      jobId,
    });
  const sourceRows = (): string[] =>
    sqlite
      .prepare(
        'SELECT id, name, qty, iif(bin IS NULL, NULL, hex(bin)) AS bin FROM items ORDER BY id',
      )
      .all()
      .map((row) => JSON.stringify(row));
  const targetRows = async (): Promise<string[]> => {
    const { rows } = await queryOnce(
      dbs.targetUrl,
      `SELECT id::int AS id, name, qty::int AS qty, upper(encode(bin, 'hex')) AS bin
         FROM public.items ORDER BY id`,
    );
    return rows.map((row) => JSON.stringify(row));
  };
  const identical = async (): Promise<boolean> => {
    const actual = await targetRows().catch(() => []);
    return JSON.stringify(actual) === JSON.stringify(sourceRows());
  };
  const schemaOf = (): unknown[] =>
    sqlite.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY name').all();

  beforeAll(async () => {
    dbs = await createTestDatabases('dr_sqlite_refresh');
    dir = tempDir('dr-sqlite-refresh');
    file = dir.file('refresh.sqlite');
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INT, bin BLOB)');
    const insert = sqlite.prepare('INSERT INTO items (id, name, qty, bin) VALUES (?, ?, ?, ?)');
    sqlite.transaction(() => {
      for (let n = 1; n <= INITIAL; n += 1) insert.run(n, `item ${n}`, n, Buffer.from([n % 256]));
    })();
  });

  afterAll(async () => {
    await running?.stop();
    sqlite?.close();
    await dbs?.drop();
    dir?.cleanup();
  });

  it('sends inserts, updates and deletes after the snapshot within one interval; never writes the source', async () => {
    const schemaBefore = schemaOf();
    running = start();
    await waitFor(
      'the snapshot',
      async () => (await targetRows().catch(() => [])).length === INITIAL,
      30_000,
      50,
    );
    expect(await targetRows()).toEqual(sourceRows());

    // A writer's mix, then one of each, timed.
    for (let n = 1; n <= 50; n += 1) {
      sqlite.prepare('INSERT INTO items (id, name, qty) VALUES (?, ?, ?)').run(1000 + n, 'new', n);
      sqlite
        .prepare('UPDATE items SET qty = qty + 1000, name = ? WHERE id = ?')
        .run('tab\there', n);
      sqlite.prepare('DELETE FROM items WHERE id = ?').run(100 + n);
    }
    await waitFor("the writer's mix", identical, 20_000, 50);
    expect(await targetRows()).toEqual(sourceRows());

    sqlite.prepare('INSERT INTO items (id, name, qty) VALUES (5000, ?, 1)').run('marker');
    sqlite.prepare('UPDATE items SET name = ? WHERE id = 200').run('changed');
    sqlite.prepare('DELETE FROM items WHERE id = 201').run();
    const elapsedMs = await waitFor('one change of each kind', identical, 10_000, 50);
    process.stderr.write(
      `sqlite refresh mode: one change of each kind reached the target in ${elapsedMs} ms (interval ${INTERVAL_MS} ms)\n`,
    );
    expect(elapsedMs).toBeLessThan(INTERVAL_MS * 2 + 1000);
    expect(schemaOf()).toEqual(schemaBefore);
  }, 90_000);

  it('finds the inserts, updates and deletes made while stopped after a restart', async () => {
    expect(running, 'the previous test started the pipeline').toBeDefined();
    await running?.stop();
    running = undefined;
    sqlite.prepare('DELETE FROM items WHERE id IN (1, 2, 3)').run();
    sqlite.prepare("UPDATE items SET name = 'while stopped' WHERE id = 4").run();
    sqlite.prepare("INSERT INTO items (id, name) VALUES (7000, 'while stopped')").run();
    running = start();
    await waitFor('the changes made while stopped', identical, 20_000, 50);
    expect(await targetRows()).toEqual(sourceRows());
  }, 60_000);
});
