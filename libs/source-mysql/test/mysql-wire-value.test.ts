import { describe, expect, it } from 'vitest';
import {
  encodeMysqlRow,
  encodeMysqlValue,
  mapMysqlType,
  type MysqlWireColumn,
} from '@database-replicator/source-mysql';

function column(
  columnType: string,
  options: Parameters<typeof mapMysqlType>[1] = {},
): MysqlWireColumn {
  const { wire, bits, geometry } = mapMysqlType(columnType, options);
  return { name: 'c', wire, bits, geometry };
}

// [column type, value as mysql2 (snapshot) returns it, value as zongji (binlog) decodes it, wire]
const CASES: readonly (readonly [string, unknown, unknown, unknown])[] = [
  ['tinyint(1)', 1, 1, true],
  ['tinyint(1)', 0, 0, false],
  ['tinyint(1)', -5, -5, true],
  ['int(10) unsigned', 4294967295, 4294967295, 4294967295],
  ['bigint(20)', '-9223372036854775808', '-9223372036854775808', '-9223372036854775808'],
  ['bigint(20)', '42', 42, '42'],
  ['bigint(20) unsigned', '18446744073709551615', '18446744073709551615', '18446744073709551615'],
  ['decimal(30,10)', '-1.0000000001', '-1.0000000001', '-1.0000000001'],
  // FLOAT: the snapshot reads it widened to DOUBLE, zongji decodes the exact float.
  ['float', 3.3999999521443642e38, 3.3999999521443642e38, 3.4e38],
  ['float', 1.2345677614212036, 1.2345677614212036, 1.2345678],
  ['double', 0.30000000000000004, 0.30000000000000004, 0.30000000000000004],
  ['varchar(10)', 'héllo😀', 'héllo😀', 'héllo😀'],
  ['varchar(10)', '', '', ''],
  ['binary(4)', Buffer.from([1, 2, 0, 0]), Buffer.from([1, 2, 0, 0]), 'AQIAAA=='],
  ['blob', Buffer.alloc(0), Buffer.alloc(0), ''],
  ['date', '0000-00-00', '0000-00-00', null],
  ['date', '2024-00-10', '2024-00-10', null],
  ['date', '1000-01-01', '1000-01-01', '1000-01-01'],
  [
    'datetime(6)',
    '2024-02-29 23:59:59.999999',
    '2024-02-29 23:59:59.999999',
    '2024-02-29 23:59:59.999999',
  ],
  ['datetime', '0000-00-00 00:00:00', '0000-00-00 00:00:00', null],
  [
    'timestamp(3)',
    '2038-01-19 03:14:07.123',
    '2038-01-19 03:14:07.123',
    '2038-01-19 03:14:07.123+00',
  ],
  ['timestamp', '0000-00-00 00:00:00', '0000-00-00 00:00:00', null],
  ['time(6)', '23:59:59.999999', '23:59:59.999999', '23:59:59.999999'],
  ['time', '24:00:00', '24:00:00', '24:00:00'],
  // zongji reads the zero year's stored byte 0 as 1900, which is not a valid MySQL YEAR.
  ['year', 0, 1900, 0],
  ['year', 2155, 2155, 2155],
  ['bit(10)', Buffer.from([0x02, 0xaa]), Buffer.from([0x02, 0xaa]), '1010101010'],
  ['bit(10)', Buffer.from([0x00, 0x01]), Buffer.from([0x00, 0x01]), '0000000001'],
  ["enum('a','b')", 'b', 'b', 'b'],
  // MySQL's invalid-enum value '' (index 0): zongji decodes it as undefined.
  ["enum('a','b')", '', undefined, ''],
  ["set('x','y','z')", 'x,z', 'x,z', ['x', 'z']],
  ["set('x','y','z')", '', '', []],
  ['json', '{"b": [1.5, "x"], "a": null}', '{"b":[1.5,"x"],"a":null}', { b: [1.5, 'x'], a: null }],
  ['json', '"text"', '"text"', 'text'],
  ['point', { x: 0.1, y: -2.5 }, { x: 0.1, y: -2.5 }, 'POINT(0.1 -2.5)'],
  [
    'multipoint',
    [
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ],
    [
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ],
    'MULTIPOINT(1 2,3 4)',
  ],
  [
    'polygon',
    [
      [
        { x: 0, y: 0 },
        { x: 1, y: 0 },
        { x: 0, y: 0 },
      ],
    ],
    [
      [
        { x: 0, y: 0 },
        { x: 1, y: 0 },
        { x: 0, y: 0 },
      ],
    ],
    'POLYGON((0 0,1 0,0 0))',
  ],
  [
    'geometry',
    [
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ],
    [
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ],
    'LINESTRING(1 2,3 4)',
  ],
  [
    'geometrycollection',
    [
      { x: 1, y: 2 },
      [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ],
    ],
    [
      { x: 1, y: 2 },
      [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ],
    ],
    'GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))',
  ],
];

describe('encodeMysqlValue', () => {
  it.each(CASES)(
    '%s: snapshot %j and binlog %j both encode as %j',
    (type, snapshot, binlog, wire) => {
      expect(encodeMysqlValue(snapshot, column(type))).toEqual(wire);
      expect(encodeMysqlValue(binlog, column(type))).toEqual(wire);
    },
  );

  it('encodes SQL NULL as null for every type', () => {
    for (const [type] of CASES) expect(encodeMysqlValue(null, column(type))).toBeNull();
  });

  it('keeps the whole MySQL TIME range for interval columns', () => {
    const interval = column('time(6)', { timeType: 'interval' });
    expect(encodeMysqlValue('-838:59:59.000000', interval)).toBe('-838:59:59.000000');
    expect(encodeMysqlValue('838:59:59.000000', interval)).toBe('838:59:59.000000');
  });

  it('refuses TIME values a time of day cannot hold', () => {
    for (const value of ['-00:00:01', '24:00:00.000001', '838:59:59']) {
      expect(() => encodeMysqlValue(value, column('time(6)'))).toThrow(
        expect.objectContaining({ code: 'REPL_MYSQL_VALUE_OUT_OF_RANGE' }),
      );
    }
    expect(encodeMysqlValue('-00:00:00', column('time'))).toBe('00:00:00');
  });

  it('refuses JSON numbers that would be rounded, not ones that are exact', () => {
    expect(() => encodeMysqlValue('{"id": 12345678901234567890}', column('json'))).toThrow(
      expect.objectContaining({ code: 'REPL_VALUE_UNSUPPORTED' }),
    );
    expect(
      encodeMysqlValue('[9007199254740991, 1e300, "12345678901234567890"]', column('json')),
    ).toEqual([9007199254740991, 1e300, '12345678901234567890']);
  });

  it('refuses a BIGINT that arrived as an inexact number', () => {
    expect(() => encodeMysqlValue(2 ** 60, column('bigint(20)'))).toThrow(
      expect.objectContaining({ code: 'REPL_VALUE_INVALID' }),
    );
  });
});

describe('encodeMysqlRow', () => {
  const columns: MysqlWireColumn[] = [
    { ...column('int(11)'), name: 'id' },
    { ...column('datetime(6)'), name: 'at' },
  ];

  it('encodes the listed columns and leaves generated and absent ones out', () => {
    expect(
      encodeMysqlRow({ id: 1, at: '0000-00-00 00:00:00.000000', generated: 2 }, columns, 'db.t'),
    ).toEqual({
      id: 1,
      at: null,
    });
    expect(encodeMysqlRow({ id: 1 }, columns, 'db.t')).toEqual({ id: 1 });
  });

  it('names the table and column of a value it cannot encode', () => {
    expect(() => encodeMysqlRow({ id: 'x', at: null }, columns, 'db.t')).toThrow(
      expect.objectContaining({
        code: 'REPL_VALUE_INVALID',
        details: { table: 'db.t', column: 'id' },
      }),
    );
  });
});
