/**
 * Capture installed in a file that applications with an older SQLite keep writing: the system
 * SQLite (Python's sqlite3 module and the /usr/bin/sqlite3 shell, 3.40 on Debian 12) must open
 * the file, parse the capture triggers and write through them, and every change must reach the
 * PostgreSQL target exactly. Tables cover every storage class and edge value (subnormal, -0.0,
 * infinite, extreme and not-15-digit-round-tripping REALs, 64-bit INTEGER bounds, BLOBs, unicode
 * TEXT, NULL), composite and rowid keys, and a table of 160 columns. The reference is the
 * snapshot path: the final source file snapshotted into a second database, compared cell by
 * cell (`::text`) with what the stream built.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger, quoteIdent, quoteTable } from '@database-replicator/core';
import type { SourceTable } from '@database-replicator/pipeline';
import type { PostgresClient } from '@database-replicator/postgres';
import { createSqliteSource } from '@database-replicator/source-sqlite';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import {
  TargetApplier,
  connectTarget,
  createTargetTables,
  snapshotInto,
  streamUntil,
  tempDir,
  type TempDir,
} from './sqlite-harness.js';

const PYTHON_WRITER = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'system-sqlite-writer.py',
);
const SQLITE_SHELL = '/usr/bin/sqlite3';
const LOGGER = createLogger({ level: 'silent' });
const WIDE_COLUMNS = 159;
const WIDE_TYPES = ['REAL', 'INTEGER', 'TEXT', 'BLOB', '', 'DOUBLE PRECISION'];

/** Literals as the shell's own parser reads them, and statements the Python writer does not make. */
const SHELL_SQL = `
INSERT INTO kinds (id, r, d, i, big, b, t, u, n) VALUES
  (5001, 9e999, -9e999, -9223372036854775808, 9223372036854775807, x'00ff10', 'shell ✓ ünïcode', 4.9406564584124654e-324, 0.1),
  (5002, 1.7976931348623157e308, -0.0, 0, -1, x'', '', -0.0, -5),
  (5003, 2.2250738585072009e-308, 0.30000000000000004, 1, 2, NULL, NULL, NULL, NULL);
UPDATE kinds SET r = -r, id = id + 10 WHERE id IN (5001, 5002);
UPDATE kinds SET d = 1e-310 WHERE id = 1;
DELETE FROM kinds WHERE id = 5003;
UPDATE wide SET c2 = c2 || '!', c6 = -c6 WHERE id % 2 = 1;
DELETE FROM wide WHERE id = 1;
INSERT INTO wide (id, c6, c${WIDE_COLUMNS}) VALUES (9999, 1.5, 'last');
INSERT INTO notes (body) VALUES ('from the shell');
`;

describeWithServices(['postgres'], 'SQLite source: capture written by the system SQLite', () => {
  let dbs: TestDatabases;
  let target: PostgresClient;
  let reference: PostgresClient;
  let dir: TempDir;
  let file: string;

  beforeAll(async () => {
    dbs = await createTestDatabases('sqlite_system');
    target = await connectTarget(dbs.targetUrl);
    // The source database of the pair serves as a second target: the snapshot reference.
    reference = await connectTarget(dbs.sourceUrl);
    dir = tempDir('dr-sqlite-system');
    file = dir.file('app.db');
    const db = new Database(file);
    const wide = Array.from(
      { length: WIDE_COLUMNS },
      (_, i) => `c${i + 1} ${WIDE_TYPES[(i + 1) % WIDE_TYPES.length] ?? ''}`,
    );
    db.exec(`
      CREATE TABLE kinds (id INTEGER PRIMARY KEY, r REAL, d DOUBLE, i INTEGER, big BIGINT,
        b BLOB, t TEXT, u, n NUMERIC);
      CREATE TABLE pairs (a TEXT NOT NULL, b INTEGER NOT NULL, v REAL, PRIMARY KEY (a, b)) WITHOUT ROWID;
      CREATE TABLE notes (body TEXT);
      CREATE TABLE wide (id INTEGER PRIMARY KEY, ${wide.join(', ')});`);
    const insert = db.prepare(
      'INSERT INTO kinds (id, r, d, i, big, b, t, u, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (let id = 1; id <= 20; id += 1) {
      insert.run(
        id,
        id / 7,
        -id * 1e-300,
        BigInt(id) << 58n,
        -id,
        Buffer.from([id]),
        `r${id}`,
        id,
        id / 4,
      );
    }
    db.close();
  });

  afterAll(async () => {
    await reference.close();
    await target.close();
    await dbs.drop();
    dir.cleanup();
  });

  it('lets SQLite 3.40 write through the triggers and streams every change exactly', async () => {
    const source = createSqliteSource({
      url: file,
      name: 'app',
      logger: LOGGER,
      pollIntervalMs: 20,
    });
    let tables: readonly SourceTable[];
    try {
      tables = await source.describeTables();
      expect(tables.find((table) => table.id.table === 'wide')?.columns).toHaveLength(160);
      await createTargetTables(target, tables);
      const applier = new TargetApplier(target, tables);
      const start = await source.startPosition();
      expect(await snapshotInto(source, applier, tables, start, 7)).toBe(20);

      // Opening the file and writing through every trigger is what failed with "malformed
      // database schema ... parser stack overflow" in SQLite before 3.46.
      const python = execFileSync('python3', [PYTHON_WRITER, file], { encoding: 'utf8' });
      const [pythonVersion] = python.trim().split('\n');
      expect(pythonVersion).toMatch(/^3\.\d+\.\d+$/);
      if (fs.existsSync(SQLITE_SHELL)) {
        execFileSync(SQLITE_SHELL, ['-bail', file], { input: SHELL_SQL, encoding: 'utf8' });
      } else {
        process.stderr.write(
          `${SQLITE_SHELL} is missing: the shell part of this test did not run\n`,
        );
      }

      const newest = newestSequence(file);
      const run = await streamUntil(source, applier, start, newest, {
        timeoutMs: 30_000,
        acknowledge: true,
      });
      expect(run.position).toEqual({ kind: 'sqlite', sequence: newest.toString() });
      expect(new Set(run.events.map((event) => event.op))).toEqual(new Set(['c', 'u', 'd']));
    } finally {
      await source.close();
    }

    // The reference: the final file read by the snapshot path, as a new job would copy it.
    const fresh = createSqliteSource({ url: file, name: 'app', logger: LOGGER });
    try {
      const described = await fresh.describeTables();
      await createTargetTables(reference, described);
      const position = { kind: 'sqlite', sequence: '0' } as const;
      await snapshotInto(fresh, new TargetApplier(reference, described), described, position, 50);
    } finally {
      await fresh.close();
    }
    for (const table of tables) {
      const streamed = await cells(target, table);
      const expected = await cells(reference, table);
      expect(expected.length, table.id.table).toBeGreaterThan(10);
      expect(streamed, table.id.table).toEqual(expected);
    }
    // A few cells spelled out, so a loss shared by both paths cannot pass unseen.
    const kinds = tables.find((table) => table.id.table === 'kinds');
    if (kinds === undefined) throw new Error('kinds was not described');
    const byId = new Map((await cells(target, kinds)).map((row) => [row[0], row]));
    expect(byId.get('1')?.slice(1, 5)).toEqual([
      '1e-323',
      '1e-310',
      '288230376151711744',
      '-9223372036854775808',
    ]);
    expect(byId.get('101')?.[1]).toBe('-5e-324');
    expect(byId.get('5011')?.slice(1, 5)).toEqual([
      '-Infinity',
      '-Infinity',
      '-9223372036854775808',
      '9223372036854775807',
    ]);
  });
});

function newestSequence(file: string): bigint {
  const db = new Database(file, { readonly: true });
  try {
    db.defaultSafeIntegers(true);
    const value: unknown = db.prepare('SELECT max(seq) FROM _dr_changelog').pluck().get();
    if (typeof value !== 'bigint') throw new Error('the changelog has no rows');
    return value;
  } finally {
    db.close();
  }
}

/** Every cell of `table` as PostgreSQL prints it, rows in key order. */
async function cells(client: PostgresClient, table: SourceTable): Promise<(string | null)[][]> {
  const select = table.columns.map((column) => `${quoteIdent(column.name)}::text`);
  const order = table.keyColumns.map(quoteIdent).join(', ');
  const { rows } = await client.query<(string | null)[]>({
    text: `SELECT ${select.join(', ')} FROM ${quoteTable(table.id)} ORDER BY ${order}`,
    rowMode: 'array',
  });
  return rows;
}
