/**
 * Every mapped SQLite type with its edge values, read by the snapshot and by the change stream,
 * applied to a real PostgreSQL target through `applyChangeBatch` into tables created from
 * `describeTables`; every cell of both copies is checked against the value docs/type-mapping.md
 * ("SQLite") documents, as PostgreSQL prints it in a UTC session.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger, isReplicatorError, quoteIdent } from '@database-replicator/core';
import type { SourceTable } from '@database-replicator/pipeline';
import { copyTextField, toPostgresText, type PostgresClient } from '@database-replicator/postgres';
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

const COLUMNS = `(
  id INTEGER PRIMARY KEY, i INT, big BIGINT, r REAL, d DOUBLE, n NUMERIC(24,4), nn NUMERIC,
  flag BOOLEAN, day DATE, ts DATETIME, tstamp TIMESTAMP, t TEXT, vc VARCHAR(10), bin BLOB,
  untyped, js JSON)`;

const INSERT_COLUMNS = 'id, i, big, r, d, n, nn, flag, day, ts, tstamp, t, vc, bin, untyped, js';

/** Rows as SQL literals, so each value is stored exactly as an application would store it. */
const ROWS = [
  `1, -9223372036854775808, 9223372036854775807, 0.1, 1e308, '-0.5', 7, 1, '2024-02-29',
   '2024-01-02 03:04:05.123456', 1700000000, 'héllo wörld 🌍', '', x'00FF', 42, '{"a":[1,2]}'`,
  `2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`,
  `3, 9223372036854775807, -9223372036854775808, -2.5e-10, 0.30000000000000004, 9007199254740993,
   0.1, 0, '1970-01-01', '2024-06-01T12:00:00+02:00', 2460310.5,
   'line1' || char(10) || 'line2' || char(9) || 'tab \\ "q" ''s''', 'x', x'', 1.5, 'null'`,
  `4, 0, 1, 9e999, -9e999, 123456789012345678, -1e-5, 'true', '2000-12-31',
   '2024-01-02T03:04:05Z', '2024-01-02', '', 'ten chars!', x'DEADBEEF', 'text', ''`,
];

/** Each cell as PostgreSQL prints it (`::text`, UTC session); `null` is SQL NULL. */
const EXPECTED: Readonly<Record<string, readonly (string | null)[]>> = {
  id: ['1', '2', '3', '4'],
  i: ['-9223372036854775808', null, '9223372036854775807', '0'],
  big: ['9223372036854775807', null, '-9223372036854775808', '1'],
  r: ['0.1', null, '-2.5e-10', 'Infinity'],
  d: ['1e+308', null, '0.30000000000000004', '-Infinity'],
  n: ['-0.5000', null, '9007199254740993.0000', '123456789012345678.0000'],
  nn: ['7', null, '0.1', '-0.00001'],
  flag: ['true', null, 'false', 'true'],
  day: ['2024-02-29', null, '1970-01-01', '2000-12-31'],
  ts: ['2024-01-02 03:04:05.123456+00', null, '2024-06-01 10:00:00+00', '2024-01-02 03:04:05+00'],
  tstamp: ['2023-11-14 22:13:20+00', null, '2024-01-01 00:00:00+00', '2024-01-02 00:00:00+00'],
  t: ['héllo wörld 🌍', null, 'line1\nline2\ttab \\ "q" \'s\'', ''],
  vc: ['', null, 'x', 'ten chars!'],
  bin: ['\\x00ff', null, '\\x', '\\xdeadbeef'],
  untyped: ['42', null, '1.5', 'text'],
  js: ['{"a":[1,2]}', null, 'null', ''],
};

/** The target types docs/type-mapping.md documents for these declared types. */
const EXPECTED_TYPES: Readonly<Record<string, string>> = {
  id: 'bigint',
  i: 'bigint',
  big: 'bigint',
  r: 'double precision',
  d: 'double precision',
  n: 'numeric(24,4)',
  nn: 'numeric',
  flag: 'boolean',
  day: 'date',
  ts: 'timestamp with time zone',
  tstamp: 'timestamp with time zone',
  t: 'text',
  vc: 'text',
  bin: 'bytea',
  untyped: 'text',
  js: 'text',
};

describeWithServices(['postgres'], 'SQLite source: type coverage', () => {
  let dbs: TestDatabases;
  let target: PostgresClient;
  let dir: TempDir;
  let sqlite: Database.Database;
  let file: string;

  beforeAll(async () => {
    dbs = await createTestDatabases('sqlite_types');
    target = await connectTarget(dbs.targetUrl);
    dir = tempDir('dr-sqlite-types');
    file = dir.file('types.sqlite');
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec(`CREATE TABLE types_snapshot ${COLUMNS}; CREATE TABLE types_stream ${COLUMNS};`);
    for (const row of ROWS) {
      sqlite.exec(`INSERT INTO types_snapshot (${INSERT_COLUMNS}) VALUES (${row})`);
    }
  });

  afterAll(async () => {
    sqlite.close();
    await target.close();
    await dbs.drop();
    dir.cleanup();
  });

  it('replicates every mapped type and edge value the same by snapshot and by stream', async () => {
    const source = createSqliteSource({
      url: `sqlite://${file}`,
      name: 'types',
      logger: createLogger({ level: 'silent' }),
      pollIntervalMs: 20,
    });
    try {
      const tables = await source.describeTables();
      expect(columnTypes(tables, 'types_snapshot')).toEqual(EXPECTED_TYPES);
      await createTargetTables(target, tables);
      const applier = new TargetApplier(target, tables);
      const start = await source.startPosition();
      await snapshotInto(source, applier, tables, start, 3);

      // After P0: the same rows reach types_stream through the changelog, one by one and updated.
      for (const row of ROWS) {
        sqlite.exec(`INSERT INTO types_stream (${INSERT_COLUMNS}) VALUES (${row})`);
      }
      sqlite.exec('UPDATE types_stream SET id = id + 100');
      sqlite.exec('UPDATE types_stream SET id = id - 100');
      const newest = BigInt(
        String(sqlite.prepare('SELECT max(seq) FROM _dr_changelog').pluck().get()),
      );
      const run = await streamUntil(source, applier, start, newest, {
        timeoutMs: 20_000,
        acknowledge: true,
      });
      expect(run.events.map((event) => event.op)).toEqual([
        ...ROWS.map(() => 'c'),
        ...ROWS.map(() => 'u'),
        ...ROWS.map(() => 'u'),
      ]);

      for (const table of ['types_snapshot', 'types_stream']) {
        expect(await targetCells(target, table), table).toEqual(EXPECTED);
      }
    } finally {
      await source.close();
    }
  });

  it('gives as COPY text exactly what the loader makes of the JSON snapshot rows', async () => {
    const source = createSqliteSource({
      url: file,
      name: 'types',
      logger: createLogger({ level: 'silent' }),
    });
    try {
      const tables = await source.describeTables();
      const table = tables.find((candidate) => candidate.id.table === 'types_snapshot');
      if (table === undefined) throw new Error('types_snapshot was not described');
      let expected = '';
      const expectedKeys: unknown[] = [];
      for await (const page of source.readSnapshot(table, null, { pageRows: 3 })) {
        for (const row of page) {
          const fields = table.columns.map((column) =>
            copyTextField(
              toPostgresText(
                row[column.name] ?? null,
                column.type === 'bytea' ? 'bytea' : 'scalar',
              ),
            ),
          );
          expected += `${fields.join('\t')}\n`;
          expectedKeys.push({ id: row['id'] });
        }
      }
      let copy = '';
      const keys: unknown[] = [];
      const pages: number[] = [];
      for await (const page of source.readSnapshotCopy(table, null, { pageRows: 3 })) {
        copy += page.copy;
        keys.push(...page.keys);
        pages.push(page.keys.length);
      }
      expect(pages).toEqual([3, 1]);
      expect(copy).toBe(expected);
      expect(keys).toEqual(expectedKeys);
      const resumed: unknown[] = [];
      for await (const page of source.readSnapshotCopy(table, { id: '2' }, { pageRows: 3 })) {
        resumed.push(...page.keys);
      }
      expect(resumed).toEqual([{ id: '3' }, { id: '4' }]);
    } finally {
      await source.close();
    }
  });

  it('stops with a coded error naming table and column for a value its type cannot hold', async () => {
    sqlite.exec(`CREATE TABLE bad_dates (id INTEGER PRIMARY KEY, at DATETIME);
      INSERT INTO bad_dates VALUES (1, '2024-01-01'), (2, 'next tuesday');`);
    const source = createSqliteSource({
      url: file,
      name: 'types',
      logger: createLogger({ level: 'silent' }),
      filters: {
        includeTables: [{ table: 'bad_dates' }],
        schemaOnlyTables: [],
        tableFilters: [],
        timeFilters: [],
      },
    });
    try {
      const [table] = await source.describeTables();
      if (table === undefined) throw new Error('bad_dates was not described');
      let caught: unknown;
      try {
        for await (const page of source.readSnapshot(table, null, { pageRows: 10 })) {
          expect(page).toBeDefined();
        }
      } catch (error) {
        caught = error;
      }
      expect(isReplicatorError(caught, 'REPL_SQLITE_VALUE_INVALID')).toBe(true);
      let copyError: unknown;
      try {
        for await (const page of source.readSnapshotCopy(table, null, { pageRows: 10 })) {
          expect(page).toBeDefined();
        }
      } catch (error) {
        copyError = error;
      }
      expect(isReplicatorError(copyError, 'REPL_SQLITE_VALUE_INVALID')).toBe(true);
      const message = caught instanceof Error ? caught.message : '';
      expect(message).toContain('"bad_dates"');
      expect(message).toContain('"at"');
      expect(message).not.toContain('next tuesday');
    } finally {
      await source.close();
    }
  });
});

function columnTypes(tables: readonly SourceTable[], name: string): Record<string, string> {
  const table = tables.find((candidate) => candidate.id.table === name);
  return Object.fromEntries((table?.columns ?? []).map((column) => [column.name, column.type]));
}

/** Every cell of `table` as text, column by column, in key order. */
async function targetCells(
  client: PostgresClient,
  table: string,
): Promise<Record<string, (string | null)[]>> {
  const columns = Object.keys(EXPECTED);
  const select = columns.map((column) => `${quoteIdent(column)}::text AS ${quoteIdent(column)}`);
  const { rows } = await client.query<Record<string, string | null>>(
    `SELECT ${select.join(', ')} FROM public.${quoteIdent(table)} ORDER BY id`,
  );
  return Object.fromEntries(
    columns.map((column) => [column, rows.map((row) => row[column] ?? null)]),
  );
}
