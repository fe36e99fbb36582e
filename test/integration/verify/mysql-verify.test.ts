/**
 * `verify` and `verify --repair` MariaDB → PostgreSQL, end to end with the built CLI: a table of
 * ROWS rows and a table with every mapped type (edge values) copied by `init`, then changed on
 * the target; verify must name exactly the changed keys, repair must fix them, and a second
 * verify must be clean. The type table changes one cell of a different column in each row, so
 * every column type's canonical form is shown to detect a change.
 */
import { quoteIdent } from '@database-replicator/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { acceptanceSize } from '../../support/acceptance-size.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { queryOnce } from '../../support/postgres-databases.js';
import { createTargetDatabase, type TargetDatabase } from '../mysql-cli/mysql-cli-tables.js';
import { createMysqlDatabase, type MysqlTestDatabase } from '../source-mysql/mysql-fixtures.js';

// 200,000 rather than the acceptance's 1,000,000 to keep the file near a minute on 2 cores;
// DR_ACCEPTANCE_ROWS=1000000 runs it at the acceptance size.
const SIZE = acceptanceSize(200_000);
const ROWS = SIZE.rows;

const tableSchema = z.object({
  table: z.string(),
  status: z.string(),
  missing: z.array(z.record(z.string(), z.string())),
  extra: z.array(z.record(z.string(), z.string())),
  different: z.array(z.record(z.string(), z.string())),
  mismatchedRanges: z.number(),
});
const reportSchema = z.object({ ok: z.boolean(), tables: z.array(tableSchema) });

/** Column → a target-side SQL expression giving a different valid value. */
const CHANGES: Readonly<Record<string, string>> = {
  b: 'NOT coalesce(b, false)',
  ti: 'coalesce(ti, 0) + 1',
  u: 'coalesce(u, 0) + 1',
  bu: 'coalesce(bu, 0) + 1',
  dec1: 'coalesce(dec1, 0) + 0.001',
  f: 'coalesce(f, 0) + 1',
  d: 'coalesce(d, 0) + 1',
  s: "coalesce(s, '') || 'x'",
  tx: "coalesce(tx, '') || 'x'",
  bin: "coalesce(bin, '') || '\\x01'::bytea",
  dt: "coalesce(dt, '2000-01-01') + 1",
  dtm: "coalesce(dtm, '2000-01-01') + interval '1 microsecond'",
  ts: "coalesce(ts, '2000-01-01') + interval '1 millisecond'",
  tm: "coalesce(tm, '00:00') + interval '10 milliseconds'",
  y: 'coalesce(y, 2000) + 1',
  bt: "B'0000000001'",
  e: "'zz'",
  st: "array['x']",
  j: `jsonb_build_object('changed', 1)`,
  g: "'POINT(9 9)'",
  uid: "'00000000-0000-0000-0000-000000000001'",
};
const COLUMNS = Object.keys(CHANGES);

const TYPES_DDL = `CREATE TABLE types (id int PRIMARY KEY, b tinyint(1), ti tinyint, u int unsigned,
  bu bigint unsigned, dec1 decimal(12,3), f float, d double, s varchar(20), tx text,
  bin varbinary(10), dt date, dtm datetime(6), ts timestamp(3) NULL, tm time(2), y year,
  bt bit(10), e enum('a','b c'), st set('x','y','z'), j json, g point, uid uuid)`;
// The same types NOT NULL: their canonical text skips the NULL guard, so they get their own check.
const TYPES_NOT_NULL_DDL = `CREATE TABLE types_nn (id int PRIMARY KEY, b tinyint(1) NOT NULL,
  ti tinyint NOT NULL, u int unsigned NOT NULL, bu bigint unsigned NOT NULL,
  dec1 decimal(12,3) NOT NULL, f float NOT NULL, d double NOT NULL, s varchar(20) NOT NULL,
  tx text NOT NULL, bin varbinary(10) NOT NULL, dt date NOT NULL, dtm datetime(6) NOT NULL,
  ts timestamp(3) NOT NULL DEFAULT '2000-01-01', tm time(2) NOT NULL, y year NOT NULL,
  bt bit(10) NOT NULL, e enum('a','b c') NOT NULL, st set('x','y','z') NOT NULL, j json NOT NULL,
  g point NOT NULL, uid uuid NOT NULL)`;
const EDGE_ROWS = [
  `1, 1, -128, 4294967295, 18446744073709551615, -123.450, 1.1, 0.1, 'héllo 😀', 'line\\nbreak\\ttab', x'00ff', '2024-02-29', '2024-01-02 03:04:05.120000', '2024-01-02 03:04:05.500', '12:34:56.78', 2024, b'1010101010', 'b c', 'x,z', '{"bb": 1.50, "a": [true, null, "x\\\\u00e9"], "c": {}}', POINT(1, 2), '123e4567-e89b-12d3-a456-426614174000'`,
  `2, 0, 0, 0, 0, 0, 0, 0, '', '', '', '0000-00-00', '0000-00-00 00:00:00', NULL, '00:00:00', 0, b'0', 'a', '', 'null', NULL, NULL`,
  `3, NULL, NULL, NULL, NULL, NULL, 3.4e38, 1e300, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`,
  `4, 2, 127, 1, 1, 1.5, 1e-40, -1.5e-7, 'a', 'b', x'', '0099-01-01', '1000-01-01 00:00:00', '1970-01-01 00:00:01', '24:00:00', 1901, b'1111111111', 'a', 'y', '[1e21, 1e-7, -0, 12345678.9]', ST_GeomFromText('POINT(-1.5 2e10)'), NULL`,
];

async function verify(urls: { sourceUrl: string; targetUrl: string }, repair = false) {
  const result = await runCliProcess(['verify', '--json', ...(repair ? ['--repair'] : [])], urls);
  expect([0, 1], result.stderr.slice(-2000)).toContain(result.exitCode);
  return { exitCode: result.exitCode, report: reportSchema.parse(JSON.parse(result.stdout)) };
}

function keys(list: readonly Record<string, string>[]): string[] {
  return list.map((key) => key['id'] ?? '').sort((a, b) => Number(a) - Number(b));
}

describeWithServices(['postgres', 'mariadb'], 'verify MariaDB → PostgreSQL', () => {
  let source: MysqlTestDatabase;
  let target: TargetDatabase;
  let urls: { sourceUrl: string; targetUrl: string };

  beforeAll(async () => {
    source = await createMysqlDatabase('verify_my');
    target = await createTargetDatabase('verify_my');
    await source.query(
      `CREATE TABLE big (id bigint PRIMARY KEY, v varchar(32), n int, at datetime(6));
       INSERT INTO big SELECT seq, CONCAT('value ', seq), seq % 97,
         TIMESTAMP('2024-01-01') + INTERVAL seq SECOND FROM seq_1_to_${ROWS};
       ${TYPES_DDL};
       ${EDGE_ROWS.map((row) => `INSERT INTO types VALUES (${row});`).join('\n')}
       INSERT INTO types SELECT seq, b, ti, u, bu, dec1, f, d, s, tx, bin, dt, dtm, ts, tm, y, bt,
         e, st, j, g, uid FROM types, seq_5_to_${4 + COLUMNS.length} WHERE types.id = 1;
       ${TYPES_NOT_NULL_DDL};
       INSERT INTO types_nn SELECT id, b, ti, u, bu, dec1, f, d, s, tx, bin, dt, dtm,
         COALESCE(ts, '2000-01-01'), tm, y, bt, e, st, j, COALESCE(g, POINT(0, 0)),
         COALESCE(uid, '00000000-0000-0000-0000-000000000000') FROM types WHERE id IN (1, 2, 4);`,
    );
    urls = { sourceUrl: source.url.reveal(), targetUrl: target.url };
    const init = await runCliProcess(['init', '-y', '--bus', 'memory'], urls);
    expect(init.exitCode, init.stderr.slice(-2000)).toBe(0);
  }, SIZE.timeout(120_000));

  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it(
    'a freshly copied source verifies clean, every type by its SQL canonical form',
    async () => {
      const { exitCode, report } = await verify(urls);
      const tables = report.tables.map((t) => [t.table, t.status, t.mismatchedRanges]);
      expect(tables.sort()).toEqual([
        [`${source.name}.big`, 'ok', 0],
        [`${source.name}.types`, 'ok', 0],
        [`${source.name}.types_nn`, 'ok', 0],
      ]);
      expect(exitCode).toBe(0);
    },
    SIZE.timeout(60_000),
  );

  it(
    'names exactly the changed, deleted and inserted keys; --repair fixes them',
    async () => {
      const big = `${quoteIdent(source.name)}.big`;
      const types = `${quoteIdent(source.name)}.types`;
      const typesNotNull = `${quoteIdent(source.name)}.types_nn`;
      await queryOnce(
        target.url,
        `UPDATE ${big} SET v = 'changed' WHERE id = 123457;
       DELETE FROM ${big} WHERE id = 77;
       INSERT INTO ${big} VALUES (${ROWS + 5}, 'new', 1, now());
       ${COLUMNS.map((c, i) => `UPDATE ${types} SET ${quoteIdent(c)} = ${CHANGES[c] ?? ''} WHERE id = ${i + 5};`).join('\n')}
       UPDATE ${typesNotNull} SET dec1 = 9.5 WHERE id = 1;
       UPDATE ${typesNotNull} SET dtm = '2001-01-01 00:00:00' WHERE id = 2;
       UPDATE ${typesNotNull} SET u = 7 WHERE id = 4;`,
      );
      const { exitCode, report } = await verify(urls);
      expect(exitCode).toBe(1);
      const byName = (name: string) =>
        report.tables.find((t) => t.table === `${source.name}.${name}`);
      const [bigResult, typesResult, typesNotNullResult] = ['big', 'types', 'types_nn'].map(byName);
      expect(keys(bigResult?.different ?? [])).toEqual(['123457']);
      expect(keys(bigResult?.missing ?? [])).toEqual(['77']);
      expect(keys(bigResult?.extra ?? [])).toEqual([String(ROWS + 5)]);
      expect(keys(typesResult?.different ?? [])).toEqual(COLUMNS.map((_, i) => String(i + 5)));
      expect(keys(typesNotNullResult?.different ?? [])).toEqual(['1', '2', '4']);

      const repaired = await verify(urls, true);
      expect(repaired.exitCode).toBe(0);
      expect(repaired.report.ok).toBe(true);
      const again = await verify(urls);
      expect(again.exitCode).toBe(0);
    },
    SIZE.timeout(120_000),
  );
});
