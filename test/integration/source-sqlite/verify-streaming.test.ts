/**
 * `verify` of a SQLite source while `init --enable-sync` streams its trigger changelog into the
 * target (the embedded pipeline on the in-process bus, a CLI child process) and a writer keeps
 * inserting, updating and deleting in the file: rows in flight must never be reported (verify
 * waits until the pipeline's checkpoint has passed the changelog's newest sequence it read, and
 * the loader's stored positions the messages sent before it), while a row changed only on the
 * target must be.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { startCli, type CliChild } from '../pipeline-cli/cli-child.js';
import {
  eventually,
  expectClean,
  expectOnlyDifferent,
  verifyJson,
} from '../verify/streaming-verify.js';
import { tempDir, type TempDir } from './sqlite-harness.js';

const ROWS = 20_000;
const DRIFTED = 12_345;
const BLOCK = 40;
const RUNS = 3;

/**
 * Where the next writer goes on (the first key of its next block), and which writer writes: a
 * new one takes over, so one left running by a failed test stops.
 */
type WriterCursor = { start: number; writer: number };

/**
 * Writes on the source until stopped, one small transaction every 100 ms: every key is updated,
 * deleted or inserted at most once (over every writer of `cursor`), so a key that differs on
 * both sides of a catch-up can only be a real difference. `DRIFTED`'s block is skipped: only the
 * target changes that row. Past the initial keys it only inserts new ones.
 */
function startWriter(file: string, cursor: WriterCursor) {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  const update = db.prepare('UPDATE items SET v = v + 1 WHERE id BETWEEN ? AND ?');
  const remove = db.prepare('DELETE FROM items WHERE id BETWEEN ? AND ?');
  const insert = db.prepare('INSERT INTO items (id, v) VALUES (?, ?)');
  const block = db.transaction((start: number) => {
    if (start + BLOCK <= ROWS) {
      update.run(start, start + 29);
      remove.run(start + 30, start + 34);
    }
    for (let i = 0; i < 5; i += 1) insert.run(ROWS + start + i, i);
  });
  const id = (cursor.writer += 1);
  let stopped = false;
  let blocks = 0;
  const done = (async () => {
    try {
      while (!stopped && cursor.writer === id) {
        const start = cursor.start;
        cursor.start += BLOCK;
        if (start <= DRIFTED && DRIFTED < start + BLOCK) continue;
        block(start);
        blocks += 1;
        await sleep(100);
      }
    } finally {
      db.close();
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

describeWithServices(['postgres'], 'SQLite verify while sync streams the changelog', () => {
  let db: TestDatabases;
  let dir: TempDir;
  let file: string;
  let cli: CliChild | undefined;
  const cursor: WriterCursor = { start: 1, writer: 0 };
  const writers: { stop(): Promise<void> }[] = [];

  const urls = () => ({ sourceUrl: file, targetUrl: db.targetUrl });

  beforeAll(async () => {
    db = await createTestDatabases('dr_sqlite_verify_stream');
    dir = tempDir('dr-sqlite-verify-stream');
    file = dir.file('app.db');
    const source = new Database(file);
    try {
      source.pragma('journal_mode = WAL');
      source.exec(`
        CREATE TABLE items (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, note TEXT);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
        INSERT INTO items (id, v) SELECT i, i FROM n;`);
    } finally {
      source.close();
    }
    cli = startCli(['init', '--enable-sync'], urls());
    await cli.waitFor(/"msg":"snapshot done"/, 90_000);
    await eventually('the snapshot on the target', async () => {
      const count = await db.target('SELECT count(*)::int AS n FROM items').then(
        (result) => Number(result.rows[0]?.['n']),
        () => -1,
      );
      return count === ROWS;
    });
  }, 150_000);

  afterAll(async () => {
    // A writer a failed test left running.
    for (const writer of writers) await writer.stop().catch(() => undefined);
    await cli?.stop();
    await db?.drop();
    dir?.cleanup();
  });

  it('reports no difference, run after run, while the writer changes the source', async () => {
    const writer = startWriter(file, cursor);
    writers.push(writer);
    try {
      await eventually('the writer to start', () => Promise.resolve(writer.blocks() > 5));
      for (let run = 0; run < RUNS; run += 1) {
        const before = writer.blocks();
        const result = await verifyJson(urls());
        console.info(`SQLite verify while writing, run ${run}: ${result.ms} ms`);
        // The source changed while this verify ran.
        expect(writer.blocks(), `run ${run}`).toBeGreaterThan(before);
        expectClean(result, `run ${run}`);
      }
    } finally {
      await writer.stop();
    }
    const idle = await verifyJson(urls());
    console.info(`SQLite verify after the writer stopped: ${idle.ms} ms`);
    expectClean(idle, 'after the writer stopped');
  }, 120_000);

  it('names exactly the row changed on the target while the writer goes on', async () => {
    await db.target(`UPDATE items SET note = 'drift' WHERE id = ${DRIFTED}`);
    const writer = startWriter(file, cursor);
    writers.push(writer);
    try {
      await eventually('the writer to start', () => Promise.resolve(writer.blocks() > 2));
      const result = await verifyJson(urls());
      console.info(`SQLite verify with a drifted row: ${result.ms} ms`);
      expectOnlyDifferent(result, { id: String(DRIFTED) }, 'drifted row');
    } finally {
      await writer.stop();
    }
  }, 90_000);
});
