/**
 * Continuous sync of a SQLite file into PostgreSQL while another process writes to it the whole
 * time: capture installed under load, a paged snapshot, the change stream applied in two runs
 * (the second resuming from the first's checkpoint), then an independent comparison of every
 * table (each side read with its own driver and canonicalised here, not by the library's
 * encoder). Afterwards the changelog holds only its newest row (everything acknowledged was
 * pruned) and removing capture leaves the schema as it was before the install.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger, quoteIdent } from '@database-replicator/core';
import type { PostgresClient } from '@database-replicator/postgres';
import { createSqliteSource, removeCapture } from '@database-replicator/source-sqlite';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
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

const WRITER = fileURLToPath(new URL('./sqlite-writer.mjs', import.meta.url));

type Canonical = 'int' | 'real' | 'text' | 'blob';

/** Per table: the SQLite select list, the target column names, and how to compare each. */
const TABLES: Readonly<
  Record<
    string,
    Readonly<{ sqlite: string; target: readonly string[]; kinds: readonly Canonical[] }>
  >
> = {
  items: {
    sqlite: 'id, name, qty, price, data, note',
    target: ['id', 'name', 'qty', 'price', 'data', 'note'],
    kinds: ['int', 'text', 'int', 'real', 'blob', 'text'],
  },
  lines: {
    sqlite: 'order_id, line_no, sku, amount',
    target: ['order_id', 'line_no', 'sku', 'amount'],
    kinds: ['int', 'int', 'text', 'real'],
  },
  logs: {
    sqlite: 'rowid, msg, level',
    target: ['_rowid', 'msg', 'level'],
    kinds: ['int', 'text', 'int'],
  },
};

const SCHEMA = `
  CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER, price REAL, data BLOB, note TEXT);
  CREATE INDEX items_name ON items (name);
  CREATE TABLE lines (order_id INTEGER NOT NULL, line_no INTEGER NOT NULL, sku VARCHAR(16), amount NUMERIC(12,2),
    PRIMARY KEY (order_id, line_no));
  CREATE TABLE logs (msg TEXT, level INTEGER);`;

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
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec(SCHEMA);
    sqlite.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
      INSERT INTO items (id, name, qty, price, data, note)
        SELECT i, 'item ' || i, i * 1000003, i / 7.0, randomblob(i % 9), CASE WHEN i % 5 = 0 THEN NULL ELSE 'n' END FROM n;
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 249)
      INSERT INTO lines SELECT i / 5, i % 5, 'sku' || i, i * 1.25 FROM n;
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
      INSERT INTO logs SELECT 'log ' || i, i % 4 FROM n;`);
  });

  afterAll(async () => {
    sqlite.close();
    await target.close();
    await dbs.drop();
    dir.cleanup();
  });

  it('converges to an identical target while the writer runs, pruning what it acknowledged', async () => {
    const schemaBefore = schemaOf(sqlite);
    const writer = startWriter(file);
    const source = createSqliteSource({
      url: `sqlite://${file}`,
      name: 'app',
      logger: createLogger({ level: 'silent' }),
      pollIntervalMs: 20,
      maxBatchRows: 200,
    });
    try {
      await writer.running;
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

      for (const table of Object.keys(TABLES)) {
        const expected = sqliteRows(sqlite, table);
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
    expect(schemaOf(sqlite)).toEqual(schemaBefore);
  });
});

type WriterStats = { transactions: number; inserts: number; updates: number; deletes: number };

/** The writer child process; `running` resolves once it has committed a few transactions. */
function startWriter(file: string): { running: Promise<void>; stop(): Promise<WriterStats> } {
  const child: ChildProcess = spawn(process.execPath, [WRITER, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = once(child, 'exit');
  let stopped: Promise<WriterStats> | undefined;
  return {
    running: new Promise((resolve) => setTimeout(resolve, 300)),
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        const [code] = await exited;
        expect(code).toBe(0);
        const parsed: unknown = JSON.parse(output.trim());
        if (!isWriterStats(parsed)) throw new Error(`writer printed ${output}`);
        return parsed;
      })();
      return stopped;
    },
  };
}

function isWriterStats(value: unknown): value is WriterStats {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['transactions', 'inserts', 'updates', 'deletes'].every(
      (key) => typeof Reflect.get(value, key) === 'number',
    )
  );
}

function schemaOf(db: Database.Database): unknown[] {
  return db
    .prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name')
    .all();
}

/** The source rows, canonicalised: integers and reals as decimal text, blobs as hex. */
function sqliteRows(db: Database.Database, table: string): string[] {
  const spec = TABLES[table];
  if (spec === undefined) throw new Error(`unknown table ${table}`);
  const rows = db
    .prepare(`SELECT ${spec.sqlite} FROM ${quoteIdent(table)}`)
    .raw(true)
    .safeIntegers(true)
    .all();
  return rows.map((row) => canonicalRow(Array.isArray(row) ? row : [], spec.kinds)).sort();
}

/** The target rows, canonicalised the same way from PostgreSQL's text output. */
async function targetRows(client: PostgresClient, table: string): Promise<string[]> {
  const spec = TABLES[table];
  if (spec === undefined) throw new Error(`unknown table ${table}`);
  const select = spec.target.map((column, index) =>
    spec.kinds[index] === 'blob'
      ? `encode(${quoteIdent(column)}, 'hex')`
      : `${quoteIdent(column)}::text`,
  );
  const { rows } = await client.query({
    text: `SELECT ${select.join(', ')} FROM public.${quoteIdent(table)}`,
    rowMode: 'array',
  });
  return rows.map((row: unknown[]) => canonicalRow(row, spec.kinds)).sort();
}

function canonicalRow(values: readonly unknown[], kinds: readonly Canonical[]): string {
  return JSON.stringify(
    kinds.map((kind, index) => {
      const value = values[index];
      if (value === null || value === undefined) return null;
      if (Buffer.isBuffer(value)) return value.toString('hex');
      if (kind === 'real') return String(Number(value));
      return String(value);
    }),
  );
}
