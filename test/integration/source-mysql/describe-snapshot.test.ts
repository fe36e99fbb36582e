/**
 * Table description and snapshot reads against a real MariaDB: the key (primary key, else the
 * first unique key over NOT NULL columns), the refusal of keyless tables naming each, secondary
 * indexes as runnable PostgreSQL DDL (prefix and FULLTEXT indexes left out), generated columns
 * left out, keyset pages over a composite key that resume after any key, and row and time
 * filters applied to the snapshot.
 */
import type { TablePlan } from '@database-replicator/core';
import type { SourceTable } from '@database-replicator/pipeline';
import { listMysqlTables } from '@database-replicator/source-mysql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createMysqlDatabase,
  createTargetDatabase,
  openSource,
  readAll,
  type MysqlTestDatabase,
  type TargetDatabase,
} from './mysql-fixtures.js';

describeWithServices(['mariadb', 'postgres'], 'MySQL source: describe and snapshot', () => {
  let mysqlDb: MysqlTestDatabase;
  let target: TargetDatabase;

  const plan = (table: string, extra: Partial<TablePlan> = {}): TablePlan => ({
    id: { schema: mysqlDb.name, table },
    schemaOnly: false,
    rowFilters: [],
    timeFilters: [],
    ...extra,
  });

  beforeAll(async () => {
    mysqlDb = await createMysqlDatabase('mysql_describe');
    target = await createTargetDatabase('mysql_describe');
    await mysqlDb.query(`
      CREATE TABLE composite (
        region varchar(10) NOT NULL, seq int NOT NULL, at datetime(3) NOT NULL, body text,
        doubled int AS (seq * 2) STORED,
        PRIMARY KEY (region, seq), UNIQUE KEY uq_at (at), KEY by_body (body(20)),
        KEY by_seq_desc (seq DESC, region), FULLTEXT KEY ft_body (body), KEY by_doubled (doubled)
      );
      CREATE TABLE by_unique (
        code char(3) NOT NULL, maybe int NULL, label varchar(10),
        UNIQUE KEY z_code (code), UNIQUE KEY a_maybe (maybe)
      );
      CREATE TABLE counted (id bigint AUTO_INCREMENT PRIMARY KEY, v int) AUTO_INCREMENT = 500;
      INSERT INTO counted (v) VALUES (1), (2);
      CREATE TABLE keyless_one (a int);
      CREATE TABLE keyless_two (a int NULL, UNIQUE KEY (a));
      CREATE VIEW a_view AS SELECT 1 AS x;
      INSERT INTO by_unique VALUES ('abc', NULL, 'x');
    `);
    const rows: string[] = [];
    for (const region of ['eu', 'us', 'ap']) {
      for (let seq = 1; seq <= 7; seq += 1) {
        rows.push(
          `('${region}', ${seq}, NOW(3) - INTERVAL ${seq * 10 + rows.length} DAY, 'row ${region}${seq}')`,
        );
      }
    }
    await mysqlDb.query(`INSERT INTO composite (region, seq, at, body) VALUES ${rows.join(', ')}`);
  });

  afterAll(async () => {
    await target?.drop();
    await mysqlDb?.drop();
  });

  it('lists the base tables of the database for planning', async () => {
    expect((await listMysqlTables(mysqlDb.url)).map((id) => id.table).sort()).toEqual([
      'by_unique',
      'composite',
      'counted',
      'keyless_one',
      'keyless_two',
    ]);
  });

  it('refuses keyless tables, naming each with the fix', async () => {
    const source = openSource(mysqlDb);
    try {
      const error: unknown = await source.describeTables().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toMatchObject({
        code: 'REPL_MYSQL_KEYLESS_TABLE',
        fix: expect.stringContaining('--exclude-tables'),
      });
      expect(String(error)).toContain(
        `Tables ${mysqlDb.name}.keyless_one, ${mysqlDb.name}.keyless_two of the MySQL source have no primary key`,
      );
    } finally {
      await source.close();
    }
  });

  it('describes keys, indexes and columns, and the DDL runs on PostgreSQL', async () => {
    const source = openSource(mysqlDb, {
      tables: [plan('composite'), plan('by_unique'), plan('counted')],
    });
    try {
      const [composite, byUnique] = await source.describeTables();
      expect(await source.autoIncrements()).toEqual([
        { table: { schema: mysqlDb.name, table: 'counted' }, column: 'id', next: 502 },
      ]);
      expect(composite?.keyColumns).toEqual(['region', 'seq']);
      expect(composite?.columns).toEqual([
        { name: 'region', type: 'character varying(10)', nullable: false },
        { name: 'seq', type: 'integer', nullable: false },
        // Zero dates become NULL: temporal columns outside the key accept NULL.
        { name: 'at', type: 'timestamp(3) without time zone', nullable: true },
        { name: 'body', type: 'text', nullable: true },
      ]);
      const table = `"${mysqlDb.name}"."composite"`;
      expect(composite?.indexes).toEqual([
        `CREATE INDEX IF NOT EXISTS "composite_by_seq_desc" ON ${table} ("seq" DESC, "region")`,
        `CREATE UNIQUE INDEX IF NOT EXISTS "composite_uq_at" ON ${table} ("at")`,
      ]);
      // No primary key: the unique key over NOT NULL columns, not the first by name.
      expect(byUnique?.keyColumns).toEqual(['code']);
      expect(byUnique?.indexes).toEqual([
        `CREATE UNIQUE INDEX IF NOT EXISTS "by_unique_a_maybe" ON "${mysqlDb.name}"."by_unique" ("maybe")`,
      ]);
      for (const described of [composite, byUnique]) {
        if (described !== undefined) await target.createTable(described);
      }
      const { rows } = await target.client.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM pg_indexes WHERE schemaname = $1',
        [mysqlDb.name],
      );
      expect(rows[0]?.n).toBe('5');
    } finally {
      await source.close();
    }
  });

  it('reads composite-key pages in key order and resumes after any key', async () => {
    const source = openSource(mysqlDb, { tables: [plan('composite')] });
    try {
      const [table] = await source.describeTables();
      if (table === undefined) throw new Error('no table');
      const pages: number[] = [];
      const rows = [];
      for await (const page of source.readSnapshot(table, null, { pageRows: 4 })) {
        pages.push(page.length);
        rows.push(...page);
      }
      expect(pages).toEqual([4, 4, 4, 4, 4, 1]);
      const keys = rows.map((row) => `${String(row['region'])}/${String(row['seq'])}`);
      const expected = ['ap', 'eu', 'us'].flatMap((region) =>
        [1, 2, 3, 4, 5, 6, 7].map((seq) => `${region}/${seq}`),
      );
      expect(keys).toEqual(expected);
      expect(rows.every((row) => !('doubled' in row))).toBe(true);
      const resumed = await readAfter(source, table, { region: 'eu', seq: 6 });
      expect(resumed).toEqual(expected.slice(expected.indexOf('eu/6') + 1));
    } finally {
      await source.close();
    }
  });

  it('applies row and time filters to the snapshot, and reads nothing of schema-only tables', async () => {
    const source = openSource(mysqlDb, {
      tables: [
        plan('composite', {
          rowFilters: ["region <> 'us'", 'seq % 2 = 1'],
          timeFilters: [{ column: 'at', last: { amount: 45, unit: 'day' } }],
        }),
        plan('by_unique', { schemaOnly: true }),
      ],
    });
    try {
      const [composite, byUnique] = await source.describeTables();
      if (composite === undefined || byUnique === undefined) throw new Error('no table');
      const rows = await readAll(source, composite, 2);
      const expected = (
        await mysqlDb.rows(
          "SELECT region, seq FROM composite WHERE region <> 'us' AND seq % 2 = 1 AND at >= NOW() - INTERVAL 45 DAY ORDER BY region, seq",
        )
      ).map((row) => `${String(row['region'])}/${String(row['seq'])}`);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(21);
      expect(rows.map((row) => `${String(row['region'])}/${String(row['seq'])}`)).toEqual(expected);
      expect(byUnique.schemaOnly).toBe(true);
      expect(await readAll(source, byUnique)).toEqual([]);
    } finally {
      await source.close();
    }
  });
});

async function readAfter(
  source: ReturnType<typeof openSource>,
  table: SourceTable,
  after: Record<string, string | number>,
): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of source.readSnapshot(table, after, { pageRows: 3 })) {
    keys.push(...page.map((row) => `${String(row['region'])}/${String(row['seq'])}`));
  }
  return keys;
}
