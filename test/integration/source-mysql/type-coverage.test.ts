/**
 * Every MySQL type of docs/type-mapping.md with edge values (minimum and maximum, zero dates,
 * NULLs, 4-byte unicode, empty strings, fractional seconds, large text and blob values): read by
 * the snapshot, applied to PostgreSQL through applyChangeBatch, and every target cell compared
 * with the documented PostgreSQL value. The same rows inserted, updated and deleted after the
 * start position come through the binlog with the snapshot's exact encodings, and apply to the
 * same target values. The COPY-text snapshot gives the JSON path's exact fields and keys.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  quoteIdent,
  quoteTable,
  type ChangeEvent,
  type ChangeRow,
} from '@database-replicator/core';
import type { SourceTable, TargetColumnDefinition } from '@database-replicator/pipeline';
import { copyTextField, toPostgresText } from '@database-replicator/postgres';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
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

const LARGE_TEXT = 'ä😀x'.repeat(300_000); // 2.1 MB of UTF-8
const LARGE_BLOB = randomBytes(2 * 1024 * 1024);

/** Column → [MySQL type, target type]. */
const COLUMNS: Readonly<Record<string, readonly [string, string]>> = {
  c_bool: ['tinyint(1)', 'boolean'],
  c_tiny: ['tinyint', 'smallint'],
  c_tiny_u: ['tinyint unsigned', 'smallint'],
  c_small: ['smallint', 'smallint'],
  c_small_u: ['smallint unsigned', 'integer'],
  c_medium: ['mediumint', 'integer'],
  c_medium_u: ['mediumint unsigned', 'integer'],
  c_int: ['int', 'integer'],
  c_int_u: ['int unsigned', 'bigint'],
  c_big: ['bigint', 'bigint'],
  c_big_u: ['bigint unsigned', 'numeric(20,0)'],
  c_dec: ['decimal(30,10)', 'numeric(30,10)'],
  c_float: ['float', 'real'],
  c_double: ['double', 'double precision'],
  c_char: ['char(5)', 'character varying(5)'],
  c_varchar: ['varchar(20)', 'character varying(20)'],
  c_text: ['text', 'text'],
  c_longtext: ['longtext', 'text'],
  c_binary: ['binary(4)', 'bytea'],
  c_varbinary: ['varbinary(10)', 'bytea'],
  c_blob: ['longblob', 'bytea'],
  c_date: ['date', 'date'],
  c_datetime: ['datetime(6)', 'timestamp(6) without time zone'],
  c_datetime0: ['datetime', 'timestamp(0) without time zone'],
  c_timestamp: ['timestamp(6) NULL', 'timestamp(6) with time zone'],
  c_time: ['time(6)', 'time(6) without time zone'],
  c_year: ['year', 'smallint'],
  c_bit: ['bit(10)', 'bit varying(10)'],
  c_enum: ["enum('a','b c','d,e','it''s')", 'text'],
  c_set: ["set('x','y z','w')", 'text[]'],
  c_json: ['json', 'jsonb'],
  c_geometry: ['geometry', 'text'],
  c_point: ['point', 'text'],
  c_multipoint: ['multipoint', 'text'],
  c_polygon: ['polygon', 'text'],
  c_uuid: ['uuid', 'uuid'],
  c_inet6: ['inet6', 'inet'],
};

/** One source row: column → [MySQL literal, expected PostgreSQL text output or null]. */
type Case = Readonly<Record<string, readonly [string, string | null]>>;

const NULLS: Case = Object.fromEntries(Object.keys(COLUMNS).map((name) => [name, ['NULL', null]]));

const CASES: Readonly<Record<number, Case>> = {
  // Minimum values and empty strings.
  1: {
    c_bool: ['0', 'false'],
    c_tiny: ['-128', '-128'],
    c_tiny_u: ['0', '0'],
    c_small: ['-32768', '-32768'],
    c_small_u: ['0', '0'],
    c_medium: ['-8388608', '-8388608'],
    c_medium_u: ['0', '0'],
    c_int: ['-2147483648', '-2147483648'],
    c_int_u: ['0', '0'],
    c_big: ['-9223372036854775808', '-9223372036854775808'],
    c_big_u: ['0', '0'],
    c_dec: ['-99999999999999999999.9999999999', '-99999999999999999999.9999999999'],
    c_float: ['-3.40282e38', '-3.40282e+38'],
    c_double: ['-1.7976931348623157e308', '-1.7976931348623157e+308'],
    c_char: ["''", ''],
    c_varchar: ["''", ''],
    c_text: ["''", ''],
    c_longtext: ["''", ''],
    c_binary: ["x'00000000'", '\\x00000000'],
    c_varbinary: ["x''", '\\x'],
    c_blob: ["x''", '\\x'],
    c_date: ["'1000-01-01'", '1000-01-01'],
    c_datetime: ["'1000-01-01 00:00:00.000000'", '1000-01-01 00:00:00'],
    c_datetime0: ["'1000-01-01 00:00:00'", '1000-01-01 00:00:00'],
    c_timestamp: ["'1970-01-01 00:00:01.000000'", '1970-01-01 00:00:01+00'],
    c_time: ["'00:00:00'", '00:00:00'],
    c_year: ['1901', '1901'],
    c_bit: ["b'0'", '0000000000'],
    c_enum: ["'a'", 'a'],
    c_set: ["''", '{}'],
    c_json: ["'{}'", '{}'],
    c_geometry: ["ST_GeomFromText('POINT(0 0)')", 'POINT(0 0)'],
    c_point: ["ST_GeomFromText('POINT(-180 -90)')", 'POINT(-180 -90)'],
    c_multipoint: ["ST_GeomFromText('MULTIPOINT(1 2)')", 'MULTIPOINT(1 2)'],
    c_polygon: ["ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))')", 'POLYGON((0 0,1 0,1 1,0 0))'],
    c_uuid: ["'00000000-0000-0000-0000-000000000000'", '00000000-0000-0000-0000-000000000000'],
    // inet::text shows the prefix length.
    c_inet6: ["'::'", '::/128'],
  },
  // Maximum values, 4-byte unicode, fractional seconds.
  2: {
    c_bool: ['1', 'true'],
    c_tiny: ['127', '127'],
    c_tiny_u: ['255', '255'],
    c_small: ['32767', '32767'],
    c_small_u: ['65535', '65535'],
    c_medium: ['8388607', '8388607'],
    c_medium_u: ['16777215', '16777215'],
    c_int: ['2147483647', '2147483647'],
    c_int_u: ['4294967295', '4294967295'],
    c_big: ['9223372036854775807', '9223372036854775807'],
    c_big_u: ['18446744073709551615', '18446744073709551615'],
    c_dec: ['99999999999999999999.9999999999', '99999999999999999999.9999999999'],
    c_float: ['3.40282e38', '3.40282e+38'],
    c_double: ['1.7976931348623157e308', '1.7976931348623157e+308'],
    c_char: ["'abcde'", 'abcde'],
    c_varchar: [`'${'😀'.repeat(20)}'`, '😀'.repeat(20)],
    c_text: ["'𝄞 mañana 中文 😀'", '𝄞 mañana 中文 😀'],
    c_longtext: ["'😀'", '😀'],
    c_binary: ["x'ffffffff'", '\\xffffffff'],
    c_varbinary: ["x'00ff00ff00ff00ff00ff'", '\\x00ff00ff00ff00ff00ff'],
    c_blob: ["x'deadbeef'", '\\xdeadbeef'],
    c_date: ["'9999-12-31'", '9999-12-31'],
    c_datetime: ["'9999-12-31 23:59:59.999999'", '9999-12-31 23:59:59.999999'],
    c_datetime0: ["'9999-12-31 23:59:59'", '9999-12-31 23:59:59'],
    c_timestamp: ["'2038-01-19 03:14:07.999999'", '2038-01-19 03:14:07.999999+00'],
    c_time: ["'23:59:59.999999'", '23:59:59.999999'],
    c_year: ['2155', '2155'],
    c_bit: ["b'1111111111'", '1111111111'],
    c_enum: ["'d,e'", 'd,e'],
    c_set: ["'x,y z,w'", '{x,"y z",w}'],
    c_json: [
      `'{"big": 9007199254740991, "nested": {"list": [1.5, -0.25, true, null, "😀"]}, "s": "line\\\\nbreak \\\\"q\\\\""}'`,
      '{"s": "line\\nbreak \\"q\\"", "big": 9007199254740991, "nested": {"list": [1.5, -0.25, true, null, "😀"]}}',
    ],
    c_geometry: ["ST_GeomFromText('LINESTRING(0 0,1.5 2.25)')", 'LINESTRING(0 0,1.5 2.25)'],
    c_point: ["ST_GeomFromText('POINT(180 90)')", 'POINT(180 90)'],
    c_multipoint: ["ST_GeomFromText('MULTIPOINT(1 2,3 4)')", 'MULTIPOINT(1 2,3 4)'],
    c_polygon: [
      "ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 0),(1 1,2 1,2 2,1 1))')",
      'POLYGON((0 0,10 0,10 10,0 0),(1 1,2 1,2 2,1 1))',
    ],
    c_uuid: ["'ffffffff-ffff-ffff-ffff-ffffffffffff'", 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
    c_inet6: ["'2001:db8::ff00:42:8329'", '2001:db8::ff00:42:8329/128'],
  },
  // NULL in every column.
  3: NULLS,
  // Zero dates, the zero year, MySQL's invalid enum, midnight at 24:00, inexact floats.
  4: {
    ...NULLS,
    c_float: ['1.2345678', '1.2345678'],
    c_double: ['0.1', '0.1'],
    c_date: ["'0000-00-00'", null],
    c_datetime: ["'0000-00-00 00:00:00.000000'", null],
    c_datetime0: ["'2024-00-10 12:00:00'", null],
    c_timestamp: ["'0000-00-00 00:00:00'", null],
    c_time: ["'24:00:00'", '24:00:00'],
    c_year: ['0', '0'],
    c_enum: ["'not a member'", ''],
    c_set: ["'w,x'", '{x,w}'],
    c_json: ['\'"just a string"\'', '"just a string"'],
    c_bit: ["b'1'", '0000000001'],
  },
  // Large values.
  5: {
    ...NULLS,
    c_longtext: [`'${LARGE_TEXT}'`, LARGE_TEXT],
    c_blob: [`x'${LARGE_BLOB.toString('hex')}'`, `\\x${LARGE_BLOB.toString('hex')}`],
    c_text: [`'${'t'.repeat(65_535)}'`, 't'.repeat(65_535)],
  },
};

function insertSql(table: string, id: number, values: Case): string {
  const names = Object.keys(COLUMNS);
  return `INSERT INTO ${table} (id, ${names.join(', ')}) VALUES (${id}, ${names.map((name) => values[name]?.[0] ?? 'NULL').join(', ')})`;
}

function expectedRow(id: number, values: Case): Record<string, string | null> {
  return {
    id: String(id),
    ...Object.fromEntries(Object.keys(COLUMNS).map((name) => [name, values[name]?.[1] ?? null])),
    // Generated columns are not replicated.
  };
}

describeWithServices(['mariadb', 'postgres'], 'MySQL source: type coverage', () => {
  let mysqlDb: MysqlTestDatabase;
  let target: TargetDatabase;
  let source: MysqlSource;
  let table: SourceTable;

  beforeAll(async () => {
    mysqlDb = await createMysqlDatabase('mysql_types');
    target = await createTargetDatabase('mysql_types');
    const columns = Object.entries(COLUMNS).map(([name, [type]]) => `${name} ${type}`);
    await mysqlDb.query(
      `CREATE TABLE types (id int PRIMARY KEY, ${columns.join(', ')},
         c_virtual bigint AS (c_int * 2) VIRTUAL, c_stored bigint AS (c_int + 1) STORED)`,
    );
    await mysqlDb.query("SET SESSION sql_mode = ''");
    for (const [id, values] of Object.entries(CASES))
      await mysqlDb.query(insertSql('types', Number(id), values));
    source = openSource(mysqlDb);
  });

  afterAll(async () => {
    await source?.close();
    await target?.drop();
    await mysqlDb?.drop();
  });

  it('describes every column with its documented PostgreSQL type and leaves generated ones out', async () => {
    const [described] = await source.describeTables();
    if (described === undefined) throw new Error('no table described');
    table = described;
    expect(table.id).toEqual({ schema: mysqlDb.name, table: 'types' });
    expect(table.keyColumns).toEqual(['id']);
    expect(table.columns.map((column) => [column.name, column.type])).toEqual([
      ['id', 'integer'],
      ...Object.entries(COLUMNS).map(([name, [, type]]) => [name, type]),
    ]);
    // Zero dates become NULL, so temporal columns accept NULL even when the source's do not.
    expect(table.columns.find((column) => column.name === 'id')?.nullable).toBe(false);
  });

  it('gives, through COPY text, exactly the cells and keys of the JSON snapshot path', async () => {
    // Escapes COPY must write: tab, line breaks and backslashes in text and json.
    await mysqlDb.query(
      `INSERT INTO types (id, c_text, c_varchar, c_json, c_blob) VALUES (6, 'a\\tb\\nc\\\\d\\re', 'x\\ty', '{"k": "v\\\\\\\\t\\\\n"}', x'5c090a')`,
    );
    try {
      const rows = await readAll(source, table, 2);
      const pages = [];
      for await (const page of source.readSnapshotCopy(table, null, { pageRows: 2 }))
        pages.push(page);
      expect(pages.map((page) => page.keys.length)).toEqual([2, 2, 2]);
      const keys = pages.flatMap((page) => page.keys);
      expect(keys).toEqual(rows.map((row) => ({ id: row['id'] })));
      // Line by line and field by field, what the loader writes for the JSON path's wire values.
      const lines = pages
        .map((page) => page.copy)
        .join('')
        .split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.map((line) => line.split('\t'))).toEqual(
        rows.map((row) => table.columns.map((column) => loaderField(row, column))),
      );

      const viaJson = { ...table, id: { ...table.id, table: 'types_json' } };
      const viaCopy = { ...table, id: { ...table.id, table: 'types_copy' } };
      await target.createTable(viaJson);
      await target.createTable(viaCopy);
      const start = await source.startPosition();
      await target.apply(
        viaJson,
        rows.map((row) => snapshotEvent(viaJson, row, start)),
      );
      await copyInto(target.client, viaCopy, pages.map((page) => page.copy).join(''));
      const copied = await target.textRows(viaCopy);
      expect(copied).toEqual(await target.textRows(viaJson));
      expect(copied.slice(0, 5)).toEqual(
        Object.entries(CASES).map(([id, values]) => expectedRow(Number(id), values)),
      );
    } finally {
      await mysqlDb.query('DELETE FROM types WHERE id = 6');
    }
  });

  it('copies every cell by snapshot as documented, and streams the same rows with the same encodings', async () => {
    const start = await source.startPosition();
    const snapshot = await readAll(source, table, 2);
    expect(snapshot.map((row) => row['id'])).toEqual([1, 2, 3, 4, 5]);
    await target.createTable(table);
    await target.apply(
      table,
      snapshot.map((row) => snapshotEvent(table, row, start)),
    );
    expect(await target.textRows(table)).toEqual(
      Object.entries(CASES).map(([id, values]) => expectedRow(Number(id), values)),
    );

    // The same values written after the start position come through the binlog.
    const stream = collectStream(source, start);
    const names = Object.keys(COLUMNS).join(', ');
    const writer = await mysqlDb.connect();
    try {
      await writer.query(
        `INSERT INTO types (id, ${names}) SELECT id + 100, ${names} FROM types ORDER BY id`,
      );
      await writer.query(
        `UPDATE types AS t JOIN types AS s ON s.id = 1 SET ${Object.keys(COLUMNS)
          .map((name) => `t.${name} = s.${name}`)
          .join(', ')} WHERE t.id = 2`,
      );
      await writer.query('DELETE FROM types WHERE id = 3');
    } finally {
      await writer.end();
    }
    await stream.until('the insert, update and delete', (steps) =>
      steps.some((step) => step.events.some((event) => event.op === 'd')),
    );
    await stream.stop();
    const events = stream.events();
    const byId = new Map(snapshot.map((row) => [row['id'], row]));
    const withId = (row: ChangeRow | undefined, id: number): ChangeRow => ({ ...row, id });

    const inserts = events.filter((event) => event.op === 'c');
    expect(inserts.map((event) => event.after?.['id'])).toEqual([101, 102, 103, 104, 105]);
    for (const event of inserts) {
      const id = Number(event.after?.['id']);
      expect(event.after).toEqual(withId(byId.get(id - 100), id));
    }
    const [update] = events.filter((event) => event.op === 'u');
    expect(update?.before).toEqual(byId.get(2));
    expect(update?.after).toEqual(withId(byId.get(1), 2));
    const [remove] = events.filter((event) => event.op === 'd');
    expect(remove?.before).toEqual(byId.get(3));
    expect(events.every((event: ChangeEvent) => event.source.snapshot === 'false')).toBe(true);

    await target.apply(table, events);
    const expected = [1, 2, 4, 5, 101, 102, 103, 104, 105].map((id) =>
      expectedRow(id, id === 2 ? (CASES[1] ?? NULLS) : (CASES[id > 100 ? id - 100 : id] ?? NULLS)),
    );
    expect(await target.textRows(table)).toEqual(expected);
  });

  it('maps TIME to interval on request, keeping the whole MySQL range', async () => {
    await mysqlDb.query('CREATE TABLE durations (id int PRIMARY KEY, d time(6))');
    await mysqlDb.query(
      "INSERT INTO durations VALUES (1, '-838:59:59'), (2, '838:59:59'), (3, '-00:00:01.5'), (4, NULL)",
    );
    const plan = {
      id: { schema: mysqlDb.name, table: 'durations' },
      schemaOnly: false,
      rowFilters: [],
      timeFilters: [],
    };
    const intervals = openSource(mysqlDb, { timeType: 'interval', tables: [plan] });
    const times = openSource(mysqlDb, { tables: [plan] });
    try {
      const [durations] = await intervals.describeTables();
      if (durations === undefined) throw new Error('no table described');
      expect(durations.columns.map((column) => column.type)).toEqual(['integer', 'interval(6)']);
      const start = await intervals.startPosition();
      const rows = await readAll(intervals, durations);
      await target.createTable(durations);
      await target.apply(
        durations,
        rows.map((row) => snapshotEvent(durations, row, start)),
      );
      const stream = collectStream(intervals, start);
      await mysqlDb.query(
        "INSERT INTO durations VALUES (5, '-838:59:59'), (6, '100:00:00.000001')",
      );
      await stream.until('the inserts', (steps) => steps.some((step) => step.events.length > 0));
      await stream.stop();
      expect(stream.events().map((event) => event.after)).toEqual([
        { id: 5, d: '-838:59:59.000000' },
        { id: 6, d: '100:00:00.000001' },
      ]);
      await target.apply(durations, stream.events());
      expect((await target.textRows(durations)).map((row) => row['d'])).toEqual([
        '-838:59:59',
        '838:59:59',
        '-00:00:01.5',
        null,
        '-838:59:59',
        '100:00:00.000001',
      ]);

      // As time (the default), a value outside a time of day stops the snapshot, naming it.
      const [asTime] = await times.describeTables();
      if (asTime === undefined) throw new Error('no table described');
      await expect(readAll(times, asTime)).rejects.toMatchObject({
        code: 'REPL_MYSQL_VALUE_OUT_OF_RANGE',
        details: { table: `${mysqlDb.name}.durations`, column: 'd' },
      });
    } finally {
      await intervals.close();
      await times.close();
    }
  });
});

/** The COPY field the loader writes for `row`'s wire value of `column` (apply-copy-chunks). */
function loaderField(row: ChangeRow, column: TargetColumnDefinition): string {
  const kind =
    column.type === 'bytea'
      ? 'bytea'
      : column.type === 'jsonb'
        ? 'json'
        : column.type.endsWith('[]')
          ? 'array'
          : 'scalar';
  return copyTextField(toPostgresText(row[column.name] ?? null, kind));
}

/** Loads COPY text into `table` as the copy-chunk writer does. */
async function copyInto(client: pg.Client, table: SourceTable, copy: string): Promise<void> {
  const columns = table.columns.map((column) => quoteIdent(column.name)).join(', ');
  await pipeline(
    Readable.from([copy]),
    client.query(copyFrom(`COPY ${quoteTable(table.id)} (${columns}) FROM STDIN`)),
  );
}
