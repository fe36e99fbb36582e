/**
 * Table and column names that need quoting everywhere (a dash, a dot, a space, a reserved word,
 * mixed case, a backtick and a double quote) are described, snapshotted, streamed and applied
 * under their own names, with their case kept.
 */
import type { SourceTable } from '@database-replicator/pipeline';
import { quoteMysqlIdent } from '@database-replicator/core';
import type { MysqlSource } from '@database-replicator/source-mysql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  collectStream,
  createMysqlDatabase,
  createTargetDatabase,
  openSource,
  readAll,
  snapshotEvent,
  type MysqlTestDatabase,
  type TargetDatabase,
} from './mysql-fixtures.js';

const TABLES = [
  'order-lines',
  'order.lines',
  'order lines',
  'select',
  'MixedCase',
  'back`tick"quote',
];
const KEY = 'Key Col';
const VALUE = 'Value.Col-1';

describeWithServices(['mariadb', 'postgres'], 'MySQL source: identifiers', () => {
  let mysqlDb: MysqlTestDatabase;
  let target: TargetDatabase;
  let source: MysqlSource;

  beforeAll(async () => {
    mysqlDb = await createMysqlDatabase('mysql_names');
    target = await createTargetDatabase('mysql_names');
    for (const name of TABLES) {
      const table = quoteMysqlIdent(name);
      await mysqlDb.query(
        `CREATE TABLE ${table} (${quoteMysqlIdent(KEY)} varchar(20) PRIMARY KEY, ${quoteMysqlIdent(VALUE)} int,
           \`order\` int, KEY ${quoteMysqlIdent(`idx ${name}`)} (${quoteMysqlIdent(VALUE)}))`,
      );
      await mysqlDb.query(`INSERT INTO ${table} VALUES ('a', 1, 10), ('B', 2, 20), ('c', 3, 30)`);
    }
    source = openSource(mysqlDb);
  });

  afterAll(async () => {
    await source?.close();
    await target?.drop();
    await mysqlDb?.drop();
  });

  it('replicates every table by snapshot and stream under its own name', async () => {
    const tables = await source.describeTables();
    expect(tables.map((table) => table.id.table).sort()).toEqual([...TABLES].sort());
    const start = await source.startPosition();
    const byName = new Map<string, SourceTable>(tables.map((table) => [table.id.table, table]));
    for (const table of tables) {
      expect(table.keyColumns).toEqual([KEY]);
      expect(table.columns.map((column) => column.name)).toEqual([KEY, VALUE, 'order']);
      await target.createTable(table);
      const rows = await readAll(source, table, 2);
      await target.apply(
        table,
        rows.map((row) => snapshotEvent(table, row, start)),
      );
    }

    const stream = collectStream(source, start);
    for (const name of TABLES) {
      const table = quoteMysqlIdent(name);
      await mysqlDb.query(`INSERT INTO ${table} VALUES ('d', 4, 40)`);
      await mysqlDb.query(
        `UPDATE ${table} SET ${quoteMysqlIdent(VALUE)} = 22 WHERE ${quoteMysqlIdent(KEY)} = 'B'`,
      );
      await mysqlDb.query(`DELETE FROM ${table} WHERE ${quoteMysqlIdent(KEY)} = 'a'`);
    }
    await stream.until(
      'three changes per table',
      (steps) => steps.reduce((sum, step) => sum + step.events.length, 0) >= TABLES.length * 3,
    );
    await stream.stop();
    for (const name of TABLES) {
      const table = byName.get(name);
      if (table === undefined) throw new Error(`no table ${name}`);
      const events = stream.events().filter((event) => event.source.table === name);
      expect(events.map((event) => event.op)).toEqual(['c', 'u', 'd']);
      expect(events.every((event) => event.source.db === mysqlDb.name)).toBe(true);
      await target.apply(table, events);
      expect(await target.textRows(table)).toEqual([
        { [KEY]: 'B', [VALUE]: '22', order: '20' },
        { [KEY]: 'c', [VALUE]: '3', order: '30' },
        { [KEY]: 'd', [VALUE]: '4', order: '40' },
      ]);
      // The secondary index exists on the target under the table-prefixed name.
      const { rows } = await target.client.query<{ indexname: string }>(
        'SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexname <> $3',
        [mysqlDb.name, name, `${name}_pkey`],
      );
      expect(rows.map((row) => row.indexname)).toEqual([`${name}_idx ${name}`.slice(0, 63)]);
    }
  });
});
