import { describe, expect, it } from 'vitest';
import {
  comparePositions,
  formatLsn,
  parseLsn,
  parseSourcePosition,
  sourcePositionSchema,
  type BinlogPosition,
  type MongoResumePosition,
  type PostgresPosition,
  type SourcePosition,
  type SqliteChangelogPosition,
} from '@database-replicator/core';

const pg = (lsn: string, txIndex = 0): PostgresPosition => ({ kind: 'postgres', lsn, txIndex });
const binlog = (file: string, pos: number, eventIndex = 0): BinlogPosition => ({
  kind: 'mysql',
  gtidSet: '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5',
  file,
  pos,
  eventIndex,
});
const sqlite = (sequence: string): SqliteChangelogPosition => ({ kind: 'sqlite', sequence });
const mongo: MongoResumePosition = {
  kind: 'mongodb',
  resumeToken: { _data: '8263A1B2C3000000012B022C0100296E5A1004' },
  clusterTime: '7183247836547203073',
};

describe('LSN', () => {
  it('parses and formats the textual form', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(parseLsn('16/b374d848')).toBe(0x16b374d848n);
    expect(parseLsn('0/0')).toBe(0n);
    expect(parseLsn('FFFFFFFF/FFFFFFFF')).toBe(2n ** 64n - 1n);
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(formatLsn(0x100000000n)).toBe('1/0');
    expect(formatLsn(parseLsn('0/1A2B3C'))).toBe('0/1A2B3C');
  });

  it.each(['', '16', '16/', '/1', '16/B374D848/1', '123456789/0', 'G/0', '-1/0'])(
    'rejects %j',
    (text) => {
      expect(() => parseLsn(text)).toThrow(
        expect.objectContaining({ code: 'REPL_POSITION_INVALID' }),
      );
    },
  );

  it('rejects values outside 64 bits', () => {
    expect(() => formatLsn(-1n)).toThrow(
      expect.objectContaining({ code: 'REPL_POSITION_INVALID' }),
    );
    expect(() => formatLsn(2n ** 64n)).toThrow(
      expect.objectContaining({ code: 'REPL_POSITION_INVALID' }),
    );
  });
});

describe('sourcePositionSchema', () => {
  it('accepts each kind', () => {
    for (const position of [
      pg('16/B374D848', 3),
      binlog('mysql-bin.000042', 4, 1),
      sqlite('9223372036854775807'),
      mongo,
    ]) {
      expect(sourcePositionSchema.parse(position)).toEqual(position);
    }
    expect(sourcePositionSchema.parse({ ...mongo, resumeToken: '8263A1B2' })).toEqual({
      ...mongo,
      resumeToken: '8263A1B2',
    });
  });

  it.each([
    ['unknown kind', { kind: 'oracle', scn: '1' }],
    ['bad LSN', { kind: 'postgres', lsn: '16-B374', txIndex: 0 }],
    ['negative txIndex', { kind: 'postgres', lsn: '0/1', txIndex: -1 }],
    ['extra field', { kind: 'postgres', lsn: '0/1', txIndex: 0, xid: 5 }],
    ['fractional pos', { kind: 'mysql', gtidSet: '', file: 'f.000001', pos: 1.5, eventIndex: 0 }],
    ['sequence as number', { kind: 'sqlite', sequence: 5 }],
    ['sequence above int64', { kind: 'sqlite', sequence: '9223372036854775808' }],
    ['sequence with leading zero', { kind: 'sqlite', sequence: '007' }],
    ['null resume token', { ...mongo, resumeToken: null }],
    ['cluster time not decimal', { ...mongo, clusterTime: '{t:1,i:2}' }],
  ])('rejects %s', (_label, value) => {
    expect(sourcePositionSchema.safeParse(value).success).toBe(false);
    expect(() => parseSourcePosition(value)).toThrow(
      expect.objectContaining({ code: 'REPL_POSITION_INVALID' }),
    );
  });

  it('parseSourcePosition returns a deep-frozen position', () => {
    const position = parseSourcePosition(structuredClone(mongo));
    expect(Object.isFrozen(position)).toBe(true);
    expect('resumeToken' in position && Object.isFrozen(position.resumeToken)).toBe(true);
  });
});

describe('comparePositions', () => {
  it('orders postgres by LSN numerically, then by index in the transaction', () => {
    expect(comparePositions(pg('0/FFFFFFFF'), pg('1/0'))).toBe(-1);
    expect(comparePositions(pg('16/B374D848', 2), pg('16/b374d848', 2))).toBe(0);
    expect(comparePositions(pg('16/B374D848', 3), pg('16/B374D848', 2))).toBe(1);
    expect(comparePositions(pg('9/0'), pg('10/0'))).toBe(-1);
  });

  it('orders sqlite by sequence as a 64-bit integer', () => {
    expect(comparePositions(sqlite('9'), sqlite('10'))).toBe(-1);
    expect(comparePositions(sqlite('9007199254740993'), sqlite('9007199254740992'))).toBe(1);
    expect(comparePositions(sqlite('42'), sqlite('42'))).toBe(0);
  });

  it('orders mysql by file sequence, offset, event index', () => {
    expect(comparePositions(binlog('mysql-bin.000001', 900), binlog('mysql-bin.000002', 4))).toBe(
      -1,
    );
    expect(comparePositions(binlog('mysql-bin.999999', 4), binlog('mysql-bin.1000000', 4))).toBe(
      -1,
    );
    expect(
      comparePositions(binlog('mysql-bin.000002', 4, 1), binlog('mysql-bin.000002', 4, 0)),
    ).toBe(1);
    expect(
      comparePositions(binlog('mysql-bin.000002', 120, 3), binlog('mysql-bin.000002', 120, 3)),
    ).toBe(0);
  });

  it('refuses binlog files of different sequences', () => {
    expect(() => comparePositions(binlog('a-bin.000001', 4), binlog('b-bin.000001', 4))).toThrow(
      expect.objectContaining({ code: 'REPL_POSITION_MISMATCH' }),
    );
  });

  it('refuses to order MongoDB resume tokens', () => {
    expect(() => comparePositions(mongo, mongo)).toThrow(
      expect.objectContaining({
        code: 'REPL_POSITION_MISMATCH',
        message: expect.stringContaining('not orderable'),
      }),
    );
  });

  it('refuses positions of different kinds', () => {
    expect(() => comparePositions(pg('0/1'), sqlite('1'))).toThrow(
      expect.objectContaining({ code: 'REPL_POSITION_MISMATCH' }),
    );
  });
});

describe('MongoDB refresh positions', () => {
  const refresh = (refreshSequence: string): SourcePosition => ({
    kind: 'mongodb',
    refreshSequence,
  });

  it('parses beside resume-token positions and refuses a mix of both forms', () => {
    expect(parseSourcePosition({ kind: 'mongodb', refreshSequence: '12' })).toEqual(refresh('12'));
    expect(sourcePositionSchema.safeParse({ ...mongo, refreshSequence: '1' }).success).toBe(false);
    expect(sourcePositionSchema.safeParse({ kind: 'mongodb', refreshSequence: 7 }).success).toBe(
      false,
    );
    expect(sourcePositionSchema.safeParse({ kind: 'mongodb' }).success).toBe(false);
  });

  it('orders refresh positions by sequence and refuses to mix them with resume tokens', () => {
    expect(comparePositions(refresh('9'), refresh('10'))).toBe(-1);
    expect(comparePositions(refresh('10'), refresh('10'))).toBe(0);
    expect(() => comparePositions(refresh('1'), mongo)).toThrow(
      expect.objectContaining({ code: 'REPL_POSITION_MISMATCH' }),
    );
  });
});
