import { describe, expect, it } from 'vitest';
import { mapMysqlType, parseMysqlColumnType } from '@database-replicator/source-mysql';

// One row per mapping of docs/type-mapping.md (MySQL section): COLUMN_TYPE → PostgreSQL type, wire.
const MAPPINGS: readonly (readonly [string, string, string])[] = [
  ['tinyint(1)', 'boolean', 'boolean'],
  ['tinyint(4)', 'smallint', 'integer'],
  ['tinyint', 'smallint', 'integer'],
  ['tinyint(3) unsigned', 'smallint', 'integer'],
  ['tinyint(1) unsigned', 'smallint', 'integer'],
  ['smallint(6)', 'smallint', 'integer'],
  ['smallint(5) unsigned', 'integer', 'integer'],
  ['mediumint(9)', 'integer', 'integer'],
  ['mediumint(8) unsigned', 'integer', 'integer'],
  ['int(11)', 'integer', 'integer'],
  ['int unsigned', 'bigint', 'integer'],
  ['int(10) unsigned zerofill', 'bigint', 'integer'],
  ['bigint(20)', 'bigint', 'bigint'],
  ['bigint(20) unsigned', 'numeric(20,0)', 'bigint'],
  ['decimal(30,10)', 'numeric(30,10)', 'decimal'],
  ['decimal(10,0)', 'numeric(10,0)', 'decimal'],
  ['numeric(5,2)', 'numeric(5,2)', 'decimal'],
  ['float', 'real', 'real'],
  ['float(7,4)', 'real', 'real'],
  ['double', 'double precision', 'double'],
  ['double(10,2)', 'double precision', 'double'],
  ['char(3)', 'character varying(3)', 'text'],
  ['char(0)', 'text', 'text'],
  ['varchar(255)', 'character varying(255)', 'text'],
  ['tinytext', 'text', 'text'],
  ['text', 'text', 'text'],
  ['mediumtext', 'text', 'text'],
  ['longtext', 'text', 'text'],
  ['binary(16)', 'bytea', 'bytea'],
  ['varbinary(10)', 'bytea', 'bytea'],
  ['tinyblob', 'bytea', 'bytea'],
  ['blob', 'bytea', 'bytea'],
  ['mediumblob', 'bytea', 'bytea'],
  ['longblob', 'bytea', 'bytea'],
  ['date', 'date', 'date'],
  ['datetime', 'timestamp(0) without time zone', 'timestamp'],
  ['datetime(6)', 'timestamp(6) without time zone', 'timestamp'],
  ['timestamp', 'timestamp(0) with time zone', 'timestamptz'],
  ['timestamp(3)', 'timestamp(3) with time zone', 'timestamptz'],
  ['time', 'time(0) without time zone', 'time'],
  ['time(6)', 'time(6) without time zone', 'time'],
  ['year(4)', 'smallint', 'year'],
  ['year', 'smallint', 'year'],
  ['bit(1)', 'bit varying(1)', 'bit'],
  ['bit(64)', 'bit varying(64)', 'bit'],
  ["enum('a','b c','d,e')", 'text', 'text'],
  ["set('x','y')", 'text[]', 'set'],
  ['json', 'jsonb', 'json'],
  ['geometry', 'text', 'geometry'],
  ['point', 'text', 'geometry'],
  ['multipolygon', 'text', 'geometry'],
  ['uuid', 'uuid', 'text'],
  ['inet6', 'inet', 'text'],
];

describe('mapMysqlType', () => {
  it.each(MAPPINGS)('maps %s to %s', (columnType, type, wire) => {
    expect(mapMysqlType(columnType)).toMatchObject({ type, wire });
  });

  it('maps MariaDB JSON (LONGTEXT checked by json_valid) to jsonb', () => {
    expect(mapMysqlType('longtext', { json: true })).toMatchObject({ type: 'jsonb', wire: 'json' });
  });

  it('maps TIME to interval when asked', () => {
    expect(mapMysqlType('time(6)', { timeType: 'interval' })).toMatchObject({
      type: 'interval(6)',
      wire: 'interval',
    });
  });

  it('keeps the width of bit and the kind of geometry columns', () => {
    expect(mapMysqlType('bit(10)').bits).toBe(10);
    expect(mapMysqlType('multipoint').geometry).toBe('multipoint');
  });

  it('refuses a type without a mapping', () => {
    expect(() => mapMysqlType('vector(3)')).toThrow(
      expect.objectContaining({ code: 'REPL_MYSQL_TYPE_UNSUPPORTED' }),
    );
  });
});

describe('parseMysqlColumnType', () => {
  it('reads enum and set members with doubled quotes, backslashes and commas', () => {
    expect(parseMysqlColumnType("enum('it''s','a\\\\b','x,y','','ü')").members).toEqual([
      "it's",
      'a\\b',
      'x,y',
      '',
      'ü',
    ]);
    expect(parseMysqlColumnType("set('a)','b')").members).toEqual(['a)', 'b']);
  });

  it('reads arguments and signedness', () => {
    expect(parseMysqlColumnType('decimal(30,10) unsigned zerofill')).toEqual({
      base: 'decimal',
      args: [30, 10],
      members: [],
      unsigned: true,
    });
  });

  it('refuses text of another shape', () => {
    expect(() => parseMysqlColumnType("enum('a")).toThrow(
      expect.objectContaining({ code: 'REPL_MYSQL_TYPE_UNSUPPORTED' }),
    );
  });
});
