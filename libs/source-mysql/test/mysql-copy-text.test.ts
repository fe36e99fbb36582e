import { copyTextField, toPostgresText } from '@database-replicator/postgres';
import {
  encodeMysqlValue,
  mapMysqlType,
  mysqlColumnKind,
  mysqlCopyEncoder,
  type MysqlWireColumn,
} from '@database-replicator/source-mysql';
import { describe, expect, it } from 'vitest';

function column(columnType: string, json = false): MysqlWireColumn {
  const { wire, bits, geometry } = mapMysqlType(columnType, { json });
  return { name: 'c', wire, bits, geometry };
}

/** What the loader writes for the JSON path's wire value: the definition of the COPY field. */
function viaWire(value: unknown, target: MysqlWireColumn): string {
  return copyTextField(toPostgresText(encodeMysqlValue(value, target), mysqlColumnKind(target)));
}

function outcome(run: () => string): string {
  try {
    return run();
  } catch (error) {
    return `throws ${String(Reflect.get(Object(error), 'code'))}`;
  }
}

// [column type, is json, values as mysql2 returns them for the snapshot]
const CASES: readonly (readonly [string, boolean, readonly unknown[]])[] = [
  ['tinyint(1)', false, [0, 1, -5, null]],
  ['int', false, [0, -2147483648, 2147483647, null, '12', 2 ** 53, 1.5]],
  ['int(10) unsigned', false, [4294967295]],
  ['bigint', false, ['-9223372036854775808', '42', 42, 'x1', null]],
  ['bigint unsigned', false, ['18446744073709551615']],
  ['decimal(30,10)', false, ['-1.0000000001', '0.0000000000', null]],
  ['float', false, [3.3999999521443642e38, 1.2345677614212036, 0]],
  ['double', false, [0.30000000000000004, -0, 1e308, -1.7976931348623157e308, '2.5', null]],
  ['varchar(20)', false, ['', 'a\tb\nc\\d\re', '😀 mañana', Buffer.from('bin\t'), null]],
  ['text', false, ['x'.repeat(70_000), 'back\\slash']],
  ['varbinary(10)', false, [Buffer.from([0x5c, 0x09, 0x0a, 0x00]), Buffer.alloc(0), 'text', null]],
  ['longblob', false, [Buffer.from('\\x00', 'utf8')]],
  ['date', false, ['2024-02-29', '0000-00-00', '2024-00-10', null]],
  ['datetime(6)', false, ['2024-01-01 00:00:00.000001', '0000-00-00 00:00:00.000000']],
  ['timestamp(6)', false, ['1970-01-01 00:00:01.000000', '0000-00-00 00:00:00.000000']],
  ['time(6)', false, ['23:59:59.999999', '-00:00:00.000000', '25:00:00.000000']],
  ['year', false, [2024, 0, null]],
  ['bit(10)', false, [Buffer.from([0x02, 0x01]), null]],
  ["enum('a','b c')", false, ['a', 'b c', '']],
  ["set('x','y z')", false, ['', 'x,y z', null]],
  [
    'json',
    false,
    [
      '{"a": 1, "b": [true, null, "t\\tab"], "c": {"d": -1.5}}',
      'null',
      '"just a string"',
      '{"big": 12345678901234567890}',
      '{"exact": 1234567890123456}',
      '{"exp": 1e400}',
      '{"exp": 1.5e3}',
      '{"s": "9999999999999999999"}',
      '{"k": "v\\\\t\\n"}',
      '[1, 2.50, -0, 0.1]',
      'not json',
      '{"dup": 1, "dup": 2}',
      '{"dup":1,"dup":2}',
      '{"channel":"store","priority":3,"gift":false,"tags":["repeat"]}',
      '{"b":1,"1":2,"a":[]}',
      '{"n":1.5,"m":-0,"e":1e+21,"f":1e21,"z":0.1,"big":12345678901234567890}',
      '{"u":"😀","c":"\u0001","q":"\\"","t":"\t"}',
      '[1,[2,[3,{}]],{"a":{"b":null}}]',
      '{"a":1,}',
      '[01]',
      '{"a":tru}',
      'null',
      '""',
      '{"__proto__":1}',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      JSON.stringify(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]))),
      null,
    ],
  ],
  ['longtext', true, ['{"x": "😀", "n": 12.25}', 'null']],
  ['point', false, [null]],
];

describe('mysqlCopyEncoder', () => {
  it.each(CASES)('gives the loader’s COPY field of the wire value for %s', (type, json, values) => {
    const target = column(type, json);
    const encode = mysqlCopyEncoder(target);
    for (const value of values) {
      expect({ value, field: outcome(() => encode(value)) }).toEqual({
        value,
        field: outcome(() => viaWire(value, target)),
      });
    }
  });

  it('writes binary as COPY-escaped bytea hex and a JSON null document as NULL', () => {
    expect(mysqlCopyEncoder(column('blob'))(Buffer.from([0xde, 0xad]))).toBe('\\\\xdead');
    expect(mysqlCopyEncoder(column('json'))('null')).toBe('\\N');
    expect(mysqlCopyEncoder(column('json'))('{"a":[1,2.5,"x"]}')).toBe('{"a":[1,2.5,"x"]}');
    expect(mysqlCopyEncoder(column('text'))('a\tb')).toBe('a\\tb');
  });
});
