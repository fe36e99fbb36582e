/**
 * MariaDB → PostgreSQL verify of the range digests (one MD5 per key range, computed in each
 * engine over the rows in key order; JSON rendered in Node): tables copied by `init`, then
 * changed on the target. Each table exercises one way a range is read:
 * - `docs`: two JSON columns (unique documents, escapes, JSON `null`, SQL NULL, keys whose
 *   UTF-16 order is not their byte order) in several ranges; a swap of two rows' documents must
 *   be seen, although the JSON documents are hashed apart from the other columns;
 * - `words`: a case-insensitive text key, whose index order is not the byte order both sides
 *   compare in (GROUP_CONCAT must sort); `pairs`: a composite key with a text part;
 * - `wide`: ~200 KB rows, so that ranges are cut by bytes of row text, not by rows;
 * - `heap`: a MyISAM table, whose scan order is not relied on.
 */
import { quoteIdent } from '@database-replicator/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { queryOnce } from '../../support/postgres-databases.js';
import { createTargetDatabase, type TargetDatabase } from '../mysql-cli/mysql-cli-tables.js';
import { createMysqlDatabase, type MysqlTestDatabase } from '../source-mysql/mysql-fixtures.js';

// More than one planned range (50,000 rows) for the JSON table.
const DOCS = 60_000;
const WIDE = 120;

const keySchema = z.record(z.string(), z.string());
const tableSchema = z.object({
  table: z.string(),
  status: z.string(),
  sourceRows: z.number().nullable(),
  missing: z.array(keySchema),
  extra: z.array(keySchema),
  different: z.array(keySchema),
  ranges: z.number(),
  mismatchedRanges: z.number(),
  notes: z.array(z.string()),
});
const reportSchema = z.object({ ok: z.boolean(), tables: z.array(tableSchema) });

const SOURCE_SQL = `
CREATE TABLE docs (id int PRIMARY KEY, name varchar(40), j1 json NOT NULL, j2 json);
INSERT INTO docs SELECT seq, CONCAT('name ', seq),
  JSON_OBJECT('zeta', seq, 'a', JSON_ARRAY(seq % 7, 'x', NULL, 1.50), 'é', seq % 3 = 0,
    'nested', JSON_OBJECT('k', CONCAT('v', seq % 50), 'q', CONCAT('say "', seq, '"\\n\\t')),
    '😀', seq % 2, '！a', seq % 5),
  CASE seq % 10 WHEN 0 THEN NULL WHEN 1 THEN 'null' ELSE JSON_OBJECT('n', seq, 'emoji', '😀') END
  FROM seq_1_to_${DOCS};
CREATE TABLE words (w varchar(40) PRIMARY KEY, n int) COLLATE utf8mb4_unicode_ci;
INSERT INTO words SELECT CONCAT(ELT(1 + seq % 5, 'x', 'X', 'é', 'E', '😀'), seq), seq FROM seq_1_to_3000;
CREATE TABLE pairs (a int, b varchar(10) COLLATE utf8mb4_bin, v int, PRIMARY KEY (a, b));
INSERT INTO pairs SELECT seq % 40, CONCAT(ELT(1 + seq % 3, 'b', 'B', 'ä'), seq), seq FROM seq_1_to_3000;
CREATE TABLE wide (id int PRIMARY KEY, body mediumtext, bin mediumblob);
INSERT INTO wide SELECT seq, REPEAT(CONCAT('row ', seq, ' text '), 15000),
  UNHEX(REPEAT(LPAD(HEX(seq), 8, '0'), 2500)) FROM seq_1_to_${WIDE};
ANALYZE TABLE wide;
CREATE TABLE heap (id int PRIMARY KEY, v varchar(20)) ENGINE=MyISAM;
INSERT INTO heap SELECT seq, CONCAT('v', seq) FROM seq_1_to_3000;`;

async function verify(urls: { sourceUrl: string; targetUrl: string }, repair = false) {
  const result = await runCliProcess(['verify', '--json', ...(repair ? ['--repair'] : [])], urls);
  expect([0, 1], result.stderr.slice(-2000)).toContain(result.exitCode);
  return { exitCode: result.exitCode, report: reportSchema.parse(JSON.parse(result.stdout)) };
}

function keys(list: readonly Record<string, string>[], column: string): string[] {
  return list.map((key) => key[column] ?? '').sort();
}

describeWithServices(
  ['postgres', 'mariadb'],
  'verify MariaDB → PostgreSQL by range digests',
  () => {
    let source: MysqlTestDatabase;
    let target: TargetDatabase;
    let urls: { sourceUrl: string; targetUrl: string };
    const table = (name: string) => `${quoteIdent(source.name)}.${quoteIdent(name)}`;

    beforeAll(async () => {
      source = await createMysqlDatabase('verify_rg');
      target = await createTargetDatabase('verify_rg');
      await source.query(SOURCE_SQL);
      urls = { sourceUrl: source.url.reveal(), targetUrl: target.url };
      const init = await runCliProcess(['init', '-y', '--bus', 'memory'], urls);
      expect(init.exitCode, init.stderr.slice(-2000)).toBe(0);
    }, 240_000);

    afterAll(async () => {
      await source?.drop();
      await target?.drop();
    });

    it('a fresh copy verifies clean, every kind of range in agreement', async () => {
      const { exitCode, report } = await verify(urls);
      expect(exitCode, JSON.stringify(report.tables)).toBe(0);
      const byName = new Map(report.tables.map((t) => [t.table.split('.')[1], t]));
      for (const name of ['docs', 'words', 'pairs', 'wide', 'heap']) {
        expect(byName.get(name)?.mismatchedRanges, name).toBe(0);
      }
      expect(byName.get('docs')?.sourceRows).toBe(DOCS);
      expect(byName.get('docs')?.ranges).toBeGreaterThan(1);
      // ~230 KB of text per row: a 16 MiB range budget holds a few dozen rows.
      expect(byName.get('wide')?.ranges).toBeGreaterThanOrEqual(3);
    }, 120_000);

    it('names exactly the changed keys of each kind of table; --repair fixes them', async () => {
      await queryOnce(
        target.url,
        `UPDATE ${table('docs')} SET j1 = jsonb_set(j1, '{nested,k}', '"changed"') WHERE id = 1234;
       UPDATE ${table('docs')} d SET j2 = o.j2 FROM ${table('docs')} o
         WHERE (d.id, o.id) IN ((2002, 2003), (2003, 2002));
       DELETE FROM ${table('docs')} WHERE id = 500;
       INSERT INTO ${table('docs')} SELECT ${DOCS + 7}, name, j1, j2 FROM ${table('docs')} WHERE id = 8;
       UPDATE ${table('words')} SET n = -1 WHERE w = 'X1';
       UPDATE ${table('pairs')} SET v = -1 WHERE a = 2 AND b = 'ä2';
       UPDATE ${table('wide')} SET body = body || 'x' WHERE id = 77;
       DELETE FROM ${table('heap')} WHERE id = 2999;`,
      );
      const { exitCode, report } = await verify(urls);
      expect(exitCode).toBe(1);
      const byName = new Map(report.tables.map((t) => [t.table.split('.')[1], t]));
      const docs = byName.get('docs');
      expect(keys(docs?.different ?? [], 'id')).toEqual(['1234', '2002', '2003']);
      expect(keys(docs?.missing ?? [], 'id')).toEqual(['500']);
      expect(keys(docs?.extra ?? [], 'id')).toEqual([String(DOCS + 7)]);
      expect(byName.get('words')?.different).toEqual([{ w: 'X1' }]);
      expect(byName.get('pairs')?.different).toEqual([{ a: '2', b: 'ä2' }]);
      expect(byName.get('wide')?.different).toEqual([{ id: '77' }]);
      expect(byName.get('heap')?.missing).toEqual([{ id: '2999' }]);

      const repaired = await verify(urls, true);
      expect(repaired.exitCode, JSON.stringify(repaired.report.tables)).toBe(0);
      const again = await verify(urls);
      expect(again.exitCode).toBe(0);
    }, 240_000);
  },
);
