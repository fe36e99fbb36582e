/**
 * `verify` and `verify --repair` SQLite → PostgreSQL, end to end with the built CLI: a file
 * with a table of ROWS rows, a table of tricky values for every mapped type, a table keyed by
 * rowid, a text-keyed table (NOCASE collation, non-ASCII keys), a composite-keyed WITHOUT ROWID
 * table and a DATETIME-keyed table (compared as a whole) is copied by `init`. A first verify must
 * find no difference, so every canonical form (NULL, reals, infinities, blobs, 64-bit integers,
 * numeric scales, timestamps in three storage forms, text with tabs, newlines and 4-byte
 * characters) agrees with the target's. Then the target is changed directly: in the big table one
 * cell changed, one row deleted, one row inserted; in the types table one column per row; one
 * row of each keyed table. verify must name exactly those keys, repair must fix them, and a
 * second verify must be clean.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { tempDir, type TempDir } from './sqlite-harness.js';

// The acceptance's size: SQLite writes it in a few seconds.
const ROWS = 1_000_000;

const tableSchema = z.object({
  table: z.string(),
  status: z.string(),
  sourceRows: z.number().nullable(),
  targetRows: z.number().nullable(),
  missing: z.array(z.record(z.string(), z.string())),
  extra: z.array(z.record(z.string(), z.string())),
  different: z.array(z.record(z.string(), z.string())),
  mismatchedRanges: z.number(),
  notes: z.array(z.string()),
});
const reportSchema = z.object({ ok: z.boolean(), tables: z.array(tableSchema) });
type TableReport = z.infer<typeof tableSchema>;

const TYPES_DDL = `CREATE TABLE types (id INTEGER PRIMARY KEY, i BIGINT, r REAL, nu NUMERIC(10,2),
  nu2 DECIMAL, b BOOLEAN, d DATE, ts DATETIME, t TEXT, bl BLOB, x, j JSON, f FLOAT)`;
/** Edge rows of `types`; row 1 is also cloned once per column into the rows changed later. */
const EDGE_ROWS = [
  `1, 9223372036854775807, 0.1, 1.005, 1.5, 1, '2024-02-29', '2024-01-02 03:04:05.1234567', 'tab\tnewline\ncr\r é 😀 \uffff \\ "q"', x'00ff', 42, '{"b": 1, "a": [true]}', 1e-7`,
  `2, -9223372036854775808, 1e300, 12345678.9, '12345678901234567890.123456789', 'no', '0001-01-01', 1700000000, '', x'', 1.5, NULL, 123456789012345680000`,
  `3, NULL, -0.0, NULL, 1e-7, 0, NULL, 2460310.5, NULL, NULL, 'text', NULL, NULL`,
  `4, 0, 9e999, -0.005, -9e999, 'true', '9999-12-31', '2024-06-01T12:00:00+02:00', ' ', 'text in a blob', 'x', '[]', -9e999`,
  `5, 1, 5e-324, 12345.675, 1e21, 2.5, '2000-01-01', '2024-06-01 12:00:00.9999996Z', 'x', x'ff', -0.0, '"', 2.5e-320`,
  `6, 2, 1.7976931348623157e308, 0, 0.1, 'f', '2000-01-01', '0001-01-01 00:30-01:00', 'a\\b', NULL, 9223372036854775807, 'null', 100`,
  `7, 3, 123456789.123456789, -99999999.99, '-0.000', 'yes', '1970-01-01', '2024-02-29 23:59', '  lead', x'0a0d09', 0.1, '{}', 0.30000000000000004`,
];

/** Column of `types` → a target-side SQL expression giving a different valid value (row 1's values). */
const CHANGES: Readonly<Record<string, string>> = {
  i: 'i - 1',
  r: 'r + 1',
  nu: 'nu + 0.01',
  nu2: 'nu2 + 1',
  b: 'NOT b',
  d: 'd + 1',
  ts: "ts + interval '1 microsecond'",
  t: "t || 'x'",
  bl: "bl || '\\x01'::bytea",
  x: "x || 'x'",
  j: "j || ' '",
  f: 'f * 2',
};
const COLUMNS = Object.keys(CHANGES);
const CLONE_BASE = 100;

function createSource(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(`
      CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT NOT NULL, n REAL, at DATETIME);
      WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < ${ROWS})
        INSERT INTO big SELECT k, 'value ' || k, k * 0.1, 1700000000 + k FROM s;
      ${TYPES_DDL};
      ${EDGE_ROWS.map((row) => `INSERT INTO types VALUES (${row});`).join('\n')}
      INSERT INTO types SELECT ${CLONE_BASE} + k, i, r, nu, nu2, b, d, ts, t, bl, x, j, f
        FROM types, (WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < ${COLUMNS.length}) SELECT k FROM s)
       WHERE id = 1;
      CREATE TABLE keyless (a TEXT, b REAL);
      INSERT INTO keyless VALUES ('x', 1.5), ('y', NULL), (NULL, 2), ('z', 3);
      CREATE TABLE tkey (k TEXT PRIMARY KEY COLLATE NOCASE, v);
      INSERT INTO tkey VALUES ('b', 1), ('A', 2), ('a2', 3), ('é', 4), ('😀', 5), ('\uffff', 6), ('10', 7), ('9', 8);
      CREATE TABLE comp (a INTEGER, b TEXT, c, PRIMARY KEY (a, b)) WITHOUT ROWID;
      INSERT INTO comp VALUES (1, 'x', 1), (1, 'y', 2), (2, 'a', 3), (-5, 'é', 4);
      CREATE TABLE events (at DATETIME PRIMARY KEY, what TEXT);
      INSERT INTO events VALUES ('2024-01-01 00:00:00', 'text'), (1700000000, 'unix'), (2460310.75, 'julian');
    `);
  } finally {
    db.close();
  }
}

async function verify(urls: { sourceUrl: string; targetUrl: string }, repair = false) {
  const result = await runCliProcess(['verify', '--json', ...(repair ? ['--repair'] : [])], urls);
  expect([0, 1], result.stderr.slice(-2000)).toContain(result.exitCode);
  return { exitCode: result.exitCode, report: reportSchema.parse(JSON.parse(result.stdout)) };
}

function tableNamed(tables: readonly TableReport[], name: string): TableReport {
  const found = tables.find((t) => t.table === `public.${name}`);
  if (found === undefined) throw new Error(`no result for table ${name}`);
  return found;
}

function keys(list: readonly Record<string, string>[], column = 'id'): string[] {
  return list.map((key) => key[column] ?? '').sort((a, b) => Number(a) - Number(b));
}

describeWithServices(['postgres'], 'verify SQLite → PostgreSQL', () => {
  let db: TestDatabases;
  let dir: TempDir;
  let urls: { sourceUrl: string; targetUrl: string };

  beforeAll(async () => {
    db = await createTestDatabases('dr_sqlite_verify');
    dir = tempDir('dr_sqlite_verify');
    const file = dir.file('app.db');
    createSource(file);
    urls = { sourceUrl: file, targetUrl: db.targetUrl };
    const init = await runCliProcess(['init', '-y', '--bus', 'memory'], urls);
    expect(init.exitCode, init.stderr.slice(-2000)).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await db?.drop();
    dir?.cleanup();
  });

  it('a freshly copied file verifies clean, every tricky value by its canonical form', async () => {
    const { exitCode, report } = await verify(urls);
    expect(report.tables.map((t) => [t.table, t.status, t.mismatchedRanges])).toEqual(
      ['big', 'comp', 'events', 'keyless', 'tkey', 'types'].map((t) => [`public.${t}`, 'ok', 0]),
    );
    expect(exitCode).toBe(0);
    expect(tableNamed(report.tables, 'big').sourceRows).toBe(ROWS);
    // A DATETIME key sorts by storage class in SQLite, by instant in PostgreSQL.
    expect(tableNamed(report.tables, 'events').notes.join(' ')).toMatch(/whole-table/);
  }, 300_000);

  it('names exactly the changed, deleted and inserted keys; --repair fixes them', async () => {
    await db.target(
      `UPDATE big SET v = 'changed' WHERE id = 654321;
       DELETE FROM big WHERE id = 77;
       INSERT INTO big VALUES (${ROWS + 5}, 'new', 1, now());
       ${COLUMNS.map((c, i) => `UPDATE types SET ${c} = ${CHANGES[c] ?? ''} WHERE id = ${CLONE_BASE + i + 1};`).join('\n')}
       UPDATE keyless SET b = 2.5 WHERE a = 'y';
       UPDATE tkey SET v = '9' WHERE k = '😀';
       DELETE FROM comp WHERE a = -5;`,
    );
    const { exitCode, report } = await verify(urls);
    expect(exitCode).toBe(1);
    const big = tableNamed(report.tables, 'big');
    expect(keys(big.different)).toEqual(['654321']);
    expect(keys(big.missing)).toEqual(['77']);
    expect(keys(big.extra)).toEqual([String(ROWS + 5)]);
    const types = tableNamed(report.tables, 'types');
    expect(keys(types.different)).toEqual(COLUMNS.map((_, i) => String(CLONE_BASE + i + 1)));
    expect([...types.missing, ...types.extra]).toEqual([]);
    expect(keys(tableNamed(report.tables, 'keyless').different, '_rowid')).toEqual(['2']);
    expect(tableNamed(report.tables, 'tkey').different).toEqual([{ k: '😀' }]);
    expect(tableNamed(report.tables, 'comp').missing).toEqual([{ a: '-5', b: 'é' }]);
    expect(tableNamed(report.tables, 'events').status).toBe('ok');

    const repaired = await verify(urls, true);
    expect(repaired.exitCode).toBe(0);
    expect(repaired.report.ok).toBe(true);
    const again = await verify(urls);
    expect(again.exitCode).toBe(0);
    expect(again.report.tables.every((t) => t.status === 'ok')).toBe(true);
  }, 600_000);
});
