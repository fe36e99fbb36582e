/**
 * `database-replicator verify` end to end, PostgreSQL → PostgreSQL: the built CLI as a child
 * process against the real clusters. The target is filled here with plain COPY (not with our
 * init), then changed by hand; the test asserts exactly which keys verify reports.
 */
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  type TestDatabases,
  withClient,
} from '../../support/postgres-databases.js';

const keySchema = z.record(z.string(), z.string());
const reportSchema = z
  .object({
    ok: z.boolean(),
    tables: z.array(
      z.object({
        table: z.string(),
        status: z.enum(['ok', 'different', 'missing-table', 'schema-different', 'skipped']),
        sourceRows: z.number().nullable(),
        targetRows: z.number().nullable(),
        keyColumns: z.array(z.string()),
        missing: z.array(keySchema),
        extra: z.array(keySchema),
        different: z.array(keySchema),
        truncated: z.boolean(),
        ranges: z.number(),
        mismatchedRanges: z.number(),
        notes: z.array(z.string()),
        durationMs: z.number(),
      }),
    ),
  })
  .strict();
type Report = z.infer<typeof reportSchema>;

// Same tables on both sides, except that the target orders the columns of `reordered`
// differently: verify hashes columns in the source's order, by name.
const DDL = `
CREATE TABLE typed (
  id bigint PRIMARY KEY, j json, jb jsonb, ints int[], texts text[], n numeric(30,10),
  b bytea, s text, ts timestamptz, f float8);
CREATE TABLE composite (region text, id int, v text, PRIMARY KEY (region, id));
CREATE TABLE empty (id int PRIMARY KEY, v text);
CREATE TABLE nokey (x int, y text);`;
const SOURCE_ONLY_DDL = 'CREATE TABLE reordered (id int PRIMARY KEY, a text, b int);';
const TARGET_ONLY_DDL = 'CREATE TABLE reordered (b int, a text, id int PRIMARY KEY);';

const ROWS = `
INSERT INTO typed
SELECT g,
       ('{ "k" : ' || g || ', "a": [1, 2] }')::json,
       jsonb_build_object('z', g, 'a', 'x'),
       CASE WHEN g % 5 = 0 THEN '{}' ELSE ARRAY[g, NULL, -g] END,
       ARRAY['a', NULL, '', 'q"uote'],
       round(g / 7.0, 10) * 1000000,
       CASE WHEN g % 4 = 0 THEN NULL ELSE decode('00ff' || lpad(to_hex(g), 8, '0'), 'hex') END,
       CASE g % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'text ' || g END,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute 7.123456 seconds',
       g / 3.0::float8
  FROM generate_series(1, 3000) g;
INSERT INTO composite SELECT r, i, r || i FROM unnest(ARRAY['eu', 'us', 'ap']) r, generate_series(1, 400) i;
INSERT INTO nokey SELECT g, CASE WHEN g % 2 = 0 THEN '' END FROM generate_series(1, 100) g;
INSERT INTO reordered SELECT g, 'a' || g, g * 2 FROM generate_series(1, 50) g;`;

/** Copies a table's rows source → target with COPY (text format), by column name. */
async function copyRows(db: TestDatabases, table: string, columns: string): Promise<void> {
  await withClient(db.sourceUrl, (source) =>
    withClient(db.targetUrl, async (target) => {
      await pipeline(
        source.query(copyTo(`COPY (SELECT ${columns} FROM ${table}) TO STDOUT`)),
        target.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)),
      );
    }),
  );
}

async function verify(db: TestDatabases, args: string[] = []) {
  return runCliProcess(['verify', ...args], db);
}

async function verifyJson(db: TestDatabases, args: string[] = []) {
  const result = await verify(db, ['--json', ...args]);
  const report: Report = reportSchema.parse(JSON.parse(result.stdout));
  return { code: result.exitCode, report, stderr: result.stderr };
}

function tableOf(report: Report, name: string) {
  const found = report.tables.find((t) => t.table === name);
  if (found === undefined) throw new Error(`no ${name} in ${JSON.stringify(report)}`);
  return found;
}

describeWithServices(['postgres'], 'verify (PostgreSQL → PostgreSQL)', () => {
  let db: TestDatabases;

  beforeAll(async () => {
    db = await createTestDatabases('dr_verify');
    await db.source(DDL + SOURCE_ONLY_DDL);
    await db.target(DDL + TARGET_ONLY_DDL);
    await db.source(ROWS);
    await copyRows(db, 'typed', 'id, j, jb, ints, texts, n, b, s, ts, f');
    await copyRows(db, 'composite', 'region, id, v');
    await copyRows(db, 'nokey', 'x, y');
    await copyRows(db, 'reordered', 'id, a, b');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('reports identical tables clean: json, jsonb, arrays, numeric, bytea, NULL and empty (exit 0)', async () => {
    const { code, report, stderr } = await verifyJson(db);
    expect(code, stderr).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.tables.map((t) => [t.table, t.status])).toEqual([
      ['public.composite', 'ok'],
      ['public.empty', 'ok'],
      ['public.nokey', 'ok'],
      ['public.reordered', 'ok'],
      ['public.typed', 'ok'],
    ]);
    expect(tableOf(report, 'public.typed')).toMatchObject({ sourceRows: 3000, targetRows: 3000 });
    expect(tableOf(report, 'public.empty')).toMatchObject({ sourceRows: 0, targetRows: 0 });
    expect(tableOf(report, 'public.composite').keyColumns).toEqual(['region', 'id']);
    expect(tableOf(report, 'public.nokey').notes).toContain('no key: whole-table check only');
  });

  it('names exactly the keys changed on the target (exit 1)', async () => {
    await db.target(`
      UPDATE typed SET jb = jsonb_set(jb, '{z}', '0') WHERE id = 17;
      DELETE FROM typed WHERE id = 42;
      INSERT INTO typed (id, s) VALUES (100000, 'only here');
      UPDATE typed SET s = '' WHERE id = 3;  -- NULL on the source
      UPDATE composite SET v = NULL WHERE region = 'us' AND id = 250;`);
    const { code, report, stderr } = await verifyJson(db);
    expect(code, stderr).toBe(1);
    expect(report.ok).toBe(false);
    const typed = tableOf(report, 'public.typed');
    expect(typed).toMatchObject({
      status: 'different',
      sourceRows: 3000,
      targetRows: 3000,
      different: [{ id: '3' }, { id: '17' }],
      missing: [{ id: '42' }],
      extra: [{ id: '100000' }],
      truncated: false,
    });
    const composite = tableOf(report, 'public.composite');
    expect(composite).toMatchObject({
      status: 'different',
      different: [{ region: 'us', id: '250' }],
      missing: [],
      extra: [],
    });
    for (const name of ['public.empty', 'public.nokey', 'public.reordered']) {
      expect(tableOf(report, name).status).toBe('ok');
    }
  });

  it('prints the differing keys under the table of results', async () => {
    const result = await verify(db, ['--tables', 'typed,composite']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stdout).toMatch(
      /^public\.typed\s+3000\s+3000\s+different\s+1 missing; 1 extra; 2 different$/m,
    );
    expect(result.stdout).toContain('missing on target  id=42');
    expect(result.stdout).toContain('only on target     id=100000');
    expect(result.stdout).toContain('different          id=17');
    expect(result.stdout).toContain('different          (region=us, id=250)');
    expect(result.stdout).not.toContain('public.nokey');
  });

  it('compares a table without a key as a whole', async () => {
    await db.target("UPDATE nokey SET y = NULL WHERE x = 2; -- was ''");
    const { code, report } = await verifyJson(db, ['--tables', 'nokey']);
    expect(code).toBe(1);
    expect(report.tables).toHaveLength(1);
    expect(report.tables[0]).toMatchObject({
      status: 'different',
      different: [],
      notes: ['no key: whole-table check only'],
    });
  });

  it('reports a table the target lacks as a difference, not a crash', async () => {
    await db.source('CREATE TABLE lost (id int PRIMARY KEY); INSERT INTO lost VALUES (1), (2);');
    const { code, report, stderr } = await verifyJson(db, ['--tables', 'lost']);
    expect(code, stderr).toBe(1);
    expect(report.tables[0]).toMatchObject({
      table: 'public.lost',
      status: 'missing-table',
      sourceRows: 2,
      targetRows: null,
      missing: [{ id: '1' }, { id: '2' }],
    });
  });

  it('reports a target table lacking a column without comparing rows', async () => {
    await db.source('CREATE TABLE narrow (id int PRIMARY KEY, kept text, dropped text);');
    await db.target('CREATE TABLE narrow (id int PRIMARY KEY, kept text);');
    const { code, report } = await verifyJson(db, ['--tables', 'narrow']);
    expect(code).toBe(1);
    expect(report.tables[0]).toMatchObject({ status: 'schema-different' });
    expect(report.tables[0]?.notes.join(' ')).toContain('dropped');
  });

  it('orders text keys alike when the sides collate them differently', async () => {
    // C puts 'B' before 'a'; ICU puts 'a' before 'B': key ranges must not depend on either.
    await db.source('CREATE TABLE words (w text COLLATE "C" PRIMARY KEY, v int);');
    await db.target('CREATE TABLE words (w text COLLATE "und-x-icu" PRIMARY KEY, v int);');
    await db.source(
      `INSERT INTO words SELECT CASE WHEN g % 2 = 0 THEN upper(md5(g::text)) ELSE md5(g::text) END, g
         FROM generate_series(1, 5000) g`,
    );
    await copyRows(db, 'words', 'w, v');
    const changed = (await db.target('SELECT w FROM words ORDER BY v LIMIT 1 OFFSET 2500')).rows[0];
    await db.target('UPDATE words SET v = -1 WHERE w = $1', [changed?.w]);
    const { code, report } = await verifyJson(db, ['--tables', 'words']);
    expect(code).toBe(1);
    expect(report.tables[0]).toMatchObject({
      status: 'different',
      different: [{ w: changed?.w }],
      missing: [],
      extra: [],
    });
    expect(report.tables[0]?.notes.join(' ')).toContain('key collations differ');
  });

  it('rejects --tables naming a table the source does not have (exit 2)', async () => {
    const result = await verify(db, ['--tables', 'nosuch']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('REPL_CONFIG_TABLE_NOT_FOUND');
    expect(result.stderr).toContain('public.nosuch');
    expect(result.stdout).toBe('');
  });

  it('fails with exit 3 and a coded error when the target is unreachable', async () => {
    const target = new URL(db.targetUrl);
    target.port = '1';
    const result = await runCliProcess(['verify'], {
      sourceUrl: db.sourceUrl,
      targetUrl: target.toString(),
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('REPL_CONNECT_FAILED');
    expect(result.stderr).not.toContain(`:${target.password}@`);
  });
});
