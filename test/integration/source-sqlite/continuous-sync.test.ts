/**
 * Continuous sync of a SQLite file into PostgreSQL while another process writes to it the whole
 * time: capture installed under load, a paged snapshot, the change stream applied in two runs
 * (the second resuming from the first's checkpoint), then an independent comparison of every
 * table (each side read with its own driver and canonicalised here, not by the library's
 * encoder). Afterwards the changelog holds only its newest row (everything acknowledged was
 * pruned) and removing capture leaves the schema as it was before the install.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '@database-replicator/core';
import type { PostgresClient } from '@database-replicator/postgres';
import { createSqliteSource, removeCapture } from '@database-replicator/source-sqlite';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import {
  WRITER_TABLES,
  createSourceFile,
  sourceRows,
  sqliteSchema,
  startWriter,
  targetRows,
} from '../sqlite-cli/sqlite-cli-fixture.js';
import {
  TargetApplier,
  connectTarget,
  createTargetTables,
  sequence,
  snapshotInto,
  streamUntil,
  tempDir,
  type TempDir,
} from './sqlite-harness.js';

describeWithServices(['postgres'], 'SQLite source: continuous sync under a writer process', () => {
  let dbs: TestDatabases;
  let target: PostgresClient;
  let dir: TempDir;
  let file: string;
  let sqlite: Database.Database;

  beforeAll(async () => {
    dbs = await createTestDatabases('sqlite_sync');
    target = await connectTarget(dbs.targetUrl);
    dir = tempDir('dr-sqlite-sync');
    file = dir.file('app.db');
    createSourceFile(file, 3000, { lines: 250, logs: 500 });
    sqlite = new Database(file);
  });

  afterAll(async () => {
    sqlite.close();
    await target.close();
    await dbs.drop();
    dir.cleanup();
  });

  it('converges to an identical target while the writer runs, pruning what it acknowledged', async () => {
    const schemaBefore = sqliteSchema(file);
    const writer = startWriter(file);
    const source = createSqliteSource({
      url: `sqlite://${file}`,
      name: 'app',
      logger: createLogger({ level: 'silent' }),
      pollIntervalMs: 20,
      maxBatchRows: 200,
    });
    try {
      // Capture is installed while the writer has committed a few transactions already.
      await sleep(300);
      const tables = await source.describeTables();
      await createTargetTables(target, tables);
      const applier = new TargetApplier(target, tables);
      const start = await source.startPosition();
      const copied = await snapshotInto(source, applier, tables, start, 100);
      expect(copied).toBeGreaterThan(3000);

      // First stream run while the writer keeps going; it ends at a checkpoint.
      const first = await streamUntil(source, applier, start, 2n ** 62n, {
        timeoutMs: 1500,
        acknowledge: true,
      });
      const stats = await writer.stop();
      expect(stats.transactions).toBeGreaterThan(20);
      expect(stats.updates + stats.deletes).toBeGreaterThan(10);

      // Second run resumes from the first run's checkpoint and catches up.
      const newest = BigInt(
        String(sqlite.prepare('SELECT max(seq) FROM _dr_changelog').pluck().get()),
      );
      const second = await streamUntil(source, applier, first.position, newest, {
        timeoutMs: 30_000,
        acknowledge: true,
      });
      expect(sequence(second.position)).toBe(newest);
      const positions = [...first.events, ...second.events].map((event) =>
        sequence(event.source.position),
      );
      expect(positions.length).toBeGreaterThan(0);
      positions.forEach((position, index) => {
        expect(position).toBeGreaterThan(
          index === 0 ? sequence(start) : (positions[index - 1] ?? 0n),
        );
      });

      for (const table of WRITER_TABLES) {
        const expected = sourceRows(file, table);
        expect(expected.length, table).toBeGreaterThan(0);
        expect(await targetRows(target, table), table).toEqual(expected);
      }

      const left = sqlite
        .prepare('SELECT min(seq) AS low, max(seq) AS high, count(*) AS n FROM _dr_changelog')
        .get();
      expect(left).toEqual({ low: Number(newest), high: Number(newest), n: 1 });
    } finally {
      await writer.stop();
      await source.close();
    }
    expect(removeCapture(file)).toEqual({ tables: 3, triggers: 9 });
    expect(sqliteSchema(file)).toEqual(schemaBefore);
  });
});
