/**
 * DDL while streaming from the MariaDB binlog, through the embedded pipeline (in-process bus,
 * three partitions, so each schema change travels to every partition): ADD COLUMN (with the
 * default MariaDB gave the existing rows), DROP COLUMN and RENAME COLUMN reach the target, and
 * the rows written after them carry the new shape (compared cell by cell with MariaDB); CREATE
 * TABLE of a table the selection includes creates it on the target and streams it; an ALTER
 * the stream cannot follow (a type change) stops only its table, recorded failed in the job store
 * with the statement quoted, while the other tables keep streaming.
 */
import { randomBytes } from 'node:crypto';
import type { Secret, TablePlan } from '@database-replicator/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import { startTestPipeline, type TestPipelineRun } from '../../support/embedded-pipeline.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { createMysqlDatabase, openSource, type MysqlTestDatabase } from './mysql-fixtures.js';

const WAIT_MS = 30_000;

function plan(database: string, table: string): TablePlan {
  return { id: { schema: database, table }, schemaOnly: false, rowFilters: [], timeFilters: [] };
}

/** Reads until `ok`; a failed read (the target table not created yet) counts as not ok. */
async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  ok: (value: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (ok(value)) return value;
      last = value;
    } catch (error) {
      last = error instanceof Error ? error.message : error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describeWithServices(['mariadb', 'postgres'], 'MySQL source: DDL while streaming', () => {
  let mysqlDb: MysqlTestDatabase;
  let target: TestDatabases;
  const jobId = randomBytes(6).toString('hex');
  let pipeline: TestPipelineRun | undefined;
  let sourceUrl: Secret;

  /** MariaDB's rows of `table` as column → text (NULL as null), ordered by id. */
  async function sourceRows(table: string): Promise<Record<string, string | null>[]> {
    const rows = await mysqlDb.rows(`SELECT * FROM \`${table}\` ORDER BY id`);
    return rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([key, value]) => [key, value === null ? null : String(value)]),
      ),
    );
  }

  /** The target's rows of `table`, every column as text, ordered by id. */
  async function targetRows(table: string): Promise<Record<string, string | null>[]> {
    const { rows: columns } = await queryOnce(
      target.targetUrl,
      `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [`"${mysqlDb.name}"."${table}"`],
    );
    const list = columns
      .map((column: { attname: string }) => `"${column.attname}"::text AS "${column.attname}"`)
      .join(', ');
    const { rows } = await queryOnce(
      target.targetUrl,
      `SELECT ${list} FROM "${mysqlDb.name}"."${table}" ORDER BY id`,
    );
    return rows;
  }

  /** Rows as comparable text: the target appends added columns, MariaDB may place them first. */
  function canonical(rows: readonly Record<string, string | null>[]): string {
    return JSON.stringify(
      rows.map((row) => Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1))),
    );
  }

  async function matches(table: string): Promise<void> {
    const expected = canonical(await sourceRows(table));
    await eventually(
      `${table} to match MariaDB`,
      () => targetRows(table),
      (rows) => canonical(rows) === expected,
    );
  }

  /** Runs the embedded pipeline of the job on a new source connection (a restart after a stop). */
  function startPipeline(): void {
    // A failure of the pipeline shows in the waits below.
    pipeline = startTestPipeline({
      source: openSource(mysqlDb, {
        url: sourceUrl,
        tables: ['items', 'other', 'stopper'].map((table) => plan(mysqlDb.name, table)),
        includeNewTable: (id) =>
          id.schema === mysqlDb.name && id.table.startsWith('new')
            ? plan(id.schema, id.table)
            : undefined,
      }),
      sourceKind: 'mysql',
      targetUrl: target.targetUrl,
      jobId,
      partitions: 3,
    });
  }

  beforeAll(async () => {
    mysqlDb = await createMysqlDatabase('mysql_ddl');
    target = await createTestDatabases('mysql_ddl');
    await mysqlDb.query(
      'CREATE TABLE items (id int PRIMARY KEY, note varchar(20), old_col int, ren varchar(10))',
    );
    await mysqlDb.query('CREATE TABLE other (id int PRIMARY KEY, v int)');
    await mysqlDb.query('CREATE TABLE stopper (id int PRIMARY KEY, amount int)');
    await mysqlDb.query(
      "INSERT INTO items VALUES (1, 'a', 10, 'r1'), (2, 'b', 20, 'r2'); INSERT INTO other VALUES (1, 1); INSERT INTO stopper VALUES (1, 100)",
    );
    sourceUrl = (await mysqlDb.createSourceUser()).url;
    startPipeline();
    await matches('items');
  });

  afterAll(async () => {
    await pipeline?.stop().catch(() => undefined);
    await mysqlDb?.drop();
    await target?.drop();
  });

  it('adds a column with the default MariaDB gave the existing rows, and streams rows with it', async () => {
    await mysqlDb.query('ALTER TABLE items ADD COLUMN qty int NOT NULL DEFAULT 7');
    await mysqlDb.query("INSERT INTO items VALUES (3, 'c', 30, 'r3', 5)");
    await mysqlDb.query('UPDATE items SET qty = 9 WHERE id = 1');
    await matches('items');
    const rows = await targetRows('items');
    expect(rows.map((row) => row['qty'])).toEqual(['9', '7', '5']);
    const { rows: nullable } = await queryOnce(
      target.targetUrl,
      `SELECT attnotnull FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'qty'`,
      [`"${mysqlDb.name}"."items"`],
    );
    expect(nullable).toEqual([{ attnotnull: true }]);
  });

  it('drops a column and renames one; later rows carry the new shape', async () => {
    await mysqlDb.query("INSERT INTO items VALUES (4, 'd', 40, 'r4', 1)");
    await mysqlDb.query('ALTER TABLE items DROP COLUMN old_col');
    // One round trip: the rename is in the catalog before the stream decodes row 5, which it
    // must still decode with the name it had when written.
    await mysqlDb.query(
      "INSERT INTO items VALUES (5, 'e', 'r5', 2); ALTER TABLE `items` RENAME COLUMN `ren` TO `renamed col`; INSERT INTO items VALUES (6, 'f', 'r6', 3)",
    );
    await mysqlDb.query('ALTER TABLE items ADD COLUMN `first` int DEFAULT 1 FIRST');
    await mysqlDb.query("INSERT INTO items VALUES (2, 9, 'h', 'r9', 8)");
    await mysqlDb.query("UPDATE items SET `renamed col` = 'changed' WHERE id = 2");
    await matches('items');
    const rows = await targetRows('items');
    expect(Object.keys(rows[0] ?? {})).toEqual(['id', 'note', 'renamed col', 'qty', 'first']);
    expect(rows.find((row) => row['id'] === '2')?.['renamed col']).toBe('changed');
  });

  it('creates and streams a table created while streaming that the selection includes', async () => {
    await mysqlDb.query(
      'CREATE TABLE `new-t.1` (id bigint unsigned NOT NULL, `a b` varchar(10) DEFAULT NULL, flag tinyint(1) NOT NULL, PRIMARY KEY (id))',
    );
    await mysqlDb.query('CREATE TABLE skipped (id int PRIMARY KEY)');
    await mysqlDb.query("INSERT INTO `new-t.1` VALUES (1, 'x', 1), (2, NULL, 0)");
    await mysqlDb.query('INSERT INTO skipped VALUES (1)');
    await mysqlDb.query("UPDATE `new-t.1` SET `a b` = 'y' WHERE id = 2");
    const rows = await eventually(
      'the created table to stream',
      () => targetRows('new-t.1'),
      (got) => got.length === 2 && got[1]?.['a b'] === 'y',
    );
    expect(rows).toEqual([
      { id: '1', 'a b': 'x', flag: 'true' },
      { id: '2', 'a b': 'y', flag: 'false' },
    ]);
    const { rows: tables } = await queryOnce(
      target.targetUrl,
      `SELECT table_name, phase FROM _replicator.job_tables WHERE job_id = $1 AND table_name IN ('new-t.1', 'skipped')`,
      [jobId],
    );
    expect(tables).toEqual([{ table_name: 'new-t.1', phase: 'streaming' }]);
    const { rows: skipped } = await queryOnce(target.targetUrl, `SELECT to_regclass($1) AS t`, [
      `"${mysqlDb.name}"."skipped"`,
    ]);
    expect(skipped).toEqual([{ t: null }]);
  });

  it('stops only the table of an ALTER it cannot follow, quoting the statement', async () => {
    const statement = 'ALTER TABLE stopper MODIFY amount bigint';
    await mysqlDb.query(statement);
    await mysqlDb.query('INSERT INTO stopper VALUES (2, 200)');
    await mysqlDb.query('INSERT INTO other VALUES (2, 2)');
    await mysqlDb.query("INSERT INTO items VALUES (1, 7, 'g', 'r7', 4)");
    await matches('other');
    await matches('items');
    const [failed] = await eventually(
      'stopper to be failed',
      async () =>
        (
          await queryOnce(
            target.targetUrl,
            `SELECT phase, last_error FROM _replicator.job_tables WHERE job_id = $1 AND table_name = 'stopper'`,
            [jobId],
          )
        ).rows,
      (rows) => rows[0]?.phase === 'failed',
    );
    expect(failed.last_error).toContain('REPL_SOURCE_DDL_UNSUPPORTED');
    expect(failed.last_error).toContain(statement);
    expect(failed.last_error).toContain('from integer to bigint');
    // Its rows after the statement are not replicated; the other tables' phases are unchanged.
    expect((await targetRows('stopper')).map((row) => row['id'])).toEqual(['1']);
    const { rows: phases } = await queryOnce(
      target.targetUrl,
      `SELECT table_name, phase FROM _replicator.job_tables WHERE job_id = $1 ORDER BY table_name`,
      [jobId],
    );
    expect(phases).toEqual([
      { table_name: 'items', phase: 'streaming' },
      { table_name: 'new-t.1', phase: 'streaming' },
      { table_name: 'other', phase: 'streaming' },
      { table_name: 'stopper', phase: 'failed' },
    ]);
  });

  it('keeps a stopped table stopped when the extractor restarts', async () => {
    await pipeline?.stop();
    await mysqlDb.query('INSERT INTO stopper VALUES (3, 300)');
    await mysqlDb.query('INSERT INTO other VALUES (3, 3)');
    startPipeline();
    await matches('other');
    // Partitions apply independently: give a wrongly streamed stopper row time to land.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The restart resumed past the statement: the stopped table's later rows stay out.
    expect((await targetRows('stopper')).map((row) => row['id'])).toEqual(['1']);
    const { rows } = await queryOnce(
      target.targetUrl,
      `SELECT phase FROM _replicator.job_tables WHERE job_id = $1 AND table_name = 'stopper'`,
      [jobId],
    );
    expect(rows).toEqual([{ phase: 'failed' }]);
  });
});
