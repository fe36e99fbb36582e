/**
 * A FLOAT primary key as the snapshot's keyset cursor: the key travels as the shortest decimal of
 * its 32-bit value (0.1), while the server compares the stored value (0.10000000149…). Pages
 * whose boundary lands on such a key, and a snapshot resumed after one, must read every row once:
 * compared as the decimal, the boundary row would be read again.
 */
import type { ChangeKey, ChangeRow, TablePlan } from '@database-replicator/core';
import type { SourceTable } from '@database-replicator/pipeline';
import type { MysqlSource } from '@database-replicator/source-mysql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createMysqlDatabase, openSource, type MysqlTestDatabase } from './mysql-fixtures.js';

/** Keys with no exact 32-bit value: each stored FLOAT differs from its shortest decimal. */
const KEYS = [0.1, 0.2, 0.3, 1.1, 2.2, 3.3, 4.4, 5.5, 6.7, 7.9, 10.1, 100.3];

function keyOf(row: ChangeRow): unknown {
  return row['k'];
}

describeWithServices(['mariadb'], 'MySQL source: FLOAT key snapshot resume', () => {
  let mysqlDb: MysqlTestDatabase;
  let source: MysqlSource;
  let table: SourceTable;

  beforeAll(async () => {
    mysqlDb = await createMysqlDatabase('mysql_float_key');
    await mysqlDb.query('CREATE TABLE floats (k float NOT NULL PRIMARY KEY, note varchar(10))');
    await mysqlDb.query(
      `INSERT INTO floats VALUES ${KEYS.map((_, i) => `(?, 'n${i}')`).join(', ')}`,
      KEYS,
    );
    const plan: TablePlan = {
      id: { schema: mysqlDb.name, table: 'floats' },
      schemaOnly: false,
      rowFilters: [],
      timeFilters: [],
    };
    source = openSource(mysqlDb, { tables: [plan] });
    const [described] = await source.describeTables();
    if (described === undefined) throw new Error('floats was not described');
    table = described;
  });

  afterAll(async () => {
    await source?.close();
    await mysqlDb?.drop();
  });

  it('reads every row once in pages whose boundaries are FLOAT keys', async () => {
    const keys: unknown[] = [];
    for await (const page of source.readSnapshot(table, null, { pageRows: 2 })) {
      keys.push(...page.map(keyOf));
    }
    expect(keys).toEqual(KEYS);
  });

  it('resumes after a FLOAT key without reading that row again (rows and COPY text)', async () => {
    for (const [index, key] of KEYS.entries()) {
      const after: ChangeKey = { k: key };
      const rows: unknown[] = [];
      for await (const page of source.readSnapshot(table, after, { pageRows: 3 })) {
        rows.push(...page.map(keyOf));
      }
      expect(rows, `rows after ${key}`).toEqual(KEYS.slice(index + 1));
      const copied: unknown[] = [];
      for await (const page of source.readSnapshotCopy(table, after, { pageRows: 3 })) {
        copied.push(...page.keys.map((pageKey) => pageKey['k']));
      }
      expect(copied, `COPY keys after ${key}`).toEqual(KEYS.slice(index + 1));
    }
  });
});
