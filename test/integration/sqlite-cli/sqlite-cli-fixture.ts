/**
 * What the SQLite CLI suites and the source-sqlite continuous sync share: a WAL-mode source file
 * with `items` (INTEGER PRIMARY KEY), `lines` (composite key) and `logs` (no declared key: keyed
 * by rowid), the writer child process of the source-sqlite suite, and an independent comparison
 * of source and target (each side read with its own driver and canonicalised here per
 * docs/type-mapping.md, "SQLite": integers as decimal text, reals as JS numbers, NUMERIC as
 * numbers, blobs as hex, `logs` keyed by `_rowid`).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { quoteIdent } from '@database-replicator/core';
import type { CliChild } from '../pipeline-cli/cli-child.js';

const WRITER = fileURLToPath(new URL('../source-sqlite/sqlite-writer.mjs', import.meta.url));

type Canonical = 'int' | 'real' | 'text' | 'blob';
type TableSpec = Readonly<{
  sqlite: string;
  target: readonly string[];
  kinds: readonly Canonical[];
}>;

/** Per table: the SQLite select list, the target column names, and how to compare each. */
export const TABLES: Readonly<Record<string, TableSpec>> = {
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
  big: {
    sqlite: 'id, tenant, payload',
    target: ['id', 'tenant', 'payload'],
    kinds: ['int', 'int', 'text'],
  },
};

/** The tables of {@link createSourceFile}. */
export const WRITER_TABLES: readonly string[] = ['items', 'lines', 'logs'];

/** Adds `big` (INTEGER PRIMARY KEY) with `rows` rows of ~200 bytes to the file. */
export function addBigTable(file: string, rows: number): void {
  const db = new Database(file);
  try {
    db.exec(`
      CREATE TABLE big (id INTEGER PRIMARY KEY, tenant INTEGER NOT NULL, payload TEXT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
      INSERT INTO big SELECT i, i % 97, hex(randomblob(100)) FROM n;`);
  } finally {
    db.close();
  }
}

const SCHEMA = `
  CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER, price REAL, data BLOB, note TEXT);
  CREATE INDEX items_name ON items (name);
  CREATE TABLE lines (order_id INTEGER NOT NULL, line_no INTEGER NOT NULL, sku VARCHAR(16), amount NUMERIC(12,2),
    PRIMARY KEY (order_id, line_no));
  CREATE TABLE logs (msg TEXT, level INTEGER);`;

/**
 * Creates the three tables in WAL mode with `items` rows, plus `others.lines` lines and
 * `others.logs` logs (2,500 each unless told).
 */
export function createSourceFile(
  file: string,
  items: number,
  others: Readonly<{ lines: number; logs: number }> = { lines: 2500, logs: 2500 },
): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(SCHEMA);
    db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${items})
      INSERT INTO items (id, name, qty, price, data, note)
        SELECT i, 'item ' || i, i * 1000003, i / 7.0, randomblob(i % 9), CASE WHEN i % 5 = 0 THEN NULL ELSE 'n' END FROM n;
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${others.lines - 1})
      INSERT INTO lines SELECT i / 5, i % 5, 'sku' || i, i * 1.25 FROM n;
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${others.logs})
      INSERT INTO logs SELECT 'log ' || i, i % 4 FROM n;`);
  } finally {
    db.close();
  }
}

/** Every object of the file's schema, for before/after comparisons. */
export function sqliteSchema(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name')
      .all();
  } finally {
    db.close();
  }
}

export type WriterStats = {
  transactions: number;
  inserts: number;
  updates: number;
  deletes: number;
};

/** The writer child process (inserts, updates, key changes and deletes) until `stop`. */
export type Writer = Readonly<{ stop(): Promise<WriterStats> }>;

export function startWriter(file: string): Writer {
  const child = spawn(process.execPath, [WRITER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = once(child, 'exit');
  let stopped: Promise<WriterStats> | undefined;
  return {
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        const [code] = await exited;
        if (code !== 0) throw new Error(`the writer exited with ${String(code)}`);
        const parsed: unknown = JSON.parse(output.trim());
        if (!isWriterStats(parsed)) throw new Error(`the writer printed ${output}`);
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

/** The source rows of `table`, canonicalised and sorted. */
export function sourceRows(file: string, table: string): string[] {
  const spec = specOf(table);
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT ${spec.sqlite} FROM ${quoteIdent(table)}`)
      .raw(true)
      .safeIntegers(true)
      .all();
    return rows.map((row) => canonicalRow(Array.isArray(row) ? row : [], spec.kinds)).sort();
  } finally {
    db.close();
  }
}

/** The target rows of `table`, canonicalised the same way from PostgreSQL's text output. */
export async function targetRows(client: pg.Client, table: string): Promise<string[]> {
  const spec = specOf(table);
  const exists = await client.query<{ e: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS e`, [
    `public.${quoteIdent(table)}`,
  ]);
  if (exists.rows[0]?.e !== true) return [];
  const select = spec.target.map((column, index) =>
    spec.kinds[index] === 'blob'
      ? `encode(${quoteIdent(column)}, 'hex')`
      : `${quoteIdent(column)}::text`,
  );
  const { rows } = await client.query<unknown[]>({
    text: `SELECT ${select.join(', ')} FROM public.${quoteIdent(table)}`,
    rowMode: 'array',
  });
  return rows.map((row) => canonicalRow(row, spec.kinds)).sort();
}

function specOf(table: string): TableSpec {
  const spec = TABLES[table];
  if (spec === undefined) throw new Error(`unknown table ${table}`);
  return spec;
}

function canonicalRow(values: readonly unknown[], kinds: readonly Canonical[]): string {
  return JSON.stringify(
    kinds.map((kind, index) => {
      const value = values[index];
      if (value === null || value === undefined) return null;
      if (Buffer.isBuffer(value)) return value.toString('hex');
      if (kind === 'blob' && typeof value === 'string') return value;
      if (kind === 'real') return String(Number(value));
      return String(value);
    }),
  );
}

/** A readable difference of two sorted row lists (first few missing and extra rows). */
function describeDifference(table: string, source: string[], target: string[]): string {
  const targetSet = new Set(target);
  const sourceSet = new Set(source);
  const missing = source.filter((row) => !targetSet.has(row));
  const extra = target.filter((row) => !sourceSet.has(row));
  const duplicates = target.length - new Set(target).size;
  return (
    `${table}: source ${source.length} rows, target ${target.length} (${duplicates} duplicates); ` +
    `missing ${missing.length}: ${missing.slice(0, 3).join(' ')}; extra ${extra.length}: ${extra.slice(0, 3).join(' ')}`
  );
}

/** The differences of `tables` now; empty when equal. */
export async function differences(
  file: string,
  targetUrl: string,
  tables: readonly string[] = WRITER_TABLES,
): Promise<string[]> {
  const client = new pg.Client({ connectionString: targetUrl });
  await client.connect();
  try {
    const found: string[] = [];
    for (const table of tables) {
      const source = sourceRows(file, table);
      const target = await targetRows(client, table);
      if (JSON.stringify(source) !== JSON.stringify(target)) {
        found.push(describeDifference(table, source, target));
      }
    }
    return found;
  } finally {
    await client.end();
  }
}

/**
 * Waits up to 40 s for the target to equal the source while `cli` runs; a failure also shows the
 * CLI's log tail.
 */
export async function expectCaughtUp(
  cli: CliChild,
  file: string,
  targetUrl: string,
  tables?: readonly string[],
): Promise<void> {
  try {
    await waitForEqual(file, targetUrl, 40_000, tables);
  } catch (error) {
    throw new Error(`${String(error)}\n--- CLI stderr tail\n${cli.stderr().slice(-4000)}`, {
      cause: error,
    });
  }
}

/** Polls until the target equals the source; on timeout fails with the last differences. */
export async function waitForEqual(
  file: string,
  targetUrl: string,
  timeoutMs: number,
  tables?: readonly string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await differences(file, targetUrl, tables);
    if (found.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`target != source after ${timeoutMs} ms:\n${found.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
