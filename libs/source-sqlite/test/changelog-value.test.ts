import { describe, expect, it } from 'vitest';
import { changelogValueSql, parseChangelogRow } from '@database-replicator/source-sqlite';
import { isReplicatorError } from '@database-replicator/core';

describe('parseChangelogRow', () => {
  it('reads every storage class back exactly', () => {
    const row = parseChangelogRow(
      JSON.stringify({
        n: null,
        t: 'text "quoted" ✓',
        e: '',
        i: { i: '-9223372036854775808' },
        r: { r: '5404319552844596p-54' },
        big: { r: '5010420900022432p971' },
        tiny: { r: '4503599627370496p-1126' },
        negative: { r: '-4835703278458517p-84' },
        zero: { r: '0p-1587' },
        inf: { r: 'Inf' },
        ninf: { r: '-Inf' },
        b: { b: '00FF10' },
        empty: { b: '' },
      }),
      'seq 1',
    );
    expect(Object.fromEntries(row)).toEqual({
      n: null,
      t: 'text "quoted" ✓',
      e: '',
      i: -9223372036854775808n,
      r: 0.30000000000000004,
      big: 1e308,
      tiny: 5e-324,
      negative: -2.5e-10,
      zero: 0,
      inf: Number.POSITIVE_INFINITY,
      ninf: Number.NEGATIVE_INFINITY,
      b: Buffer.from([0, 255, 16]),
      empty: Buffer.alloc(0),
    });
  });

  it.each([
    ['not json', '{'],
    ['an array', '[1]'],
    ['a bare number', '{"a": 1}'],
    ['an unknown tag', '{"a": {"x": "1"}}'],
    ['a bad integer', '{"a": {"i": "1.5"}}'],
    ['bad hex', '{"a": {"b": "F"}}'],
    ['a bad real', '{"a": {"r": "0.5"}}'],
    ['a runaway exponent', '{"a": {"r": "1p999999"}}'],
  ])('refuses %s, naming the changelog row', (_, text) => {
    let caught: unknown;
    try {
      parseChangelogRow(text, 'seq 42');
    } catch (error) {
      caught = error;
    }
    expect(isReplicatorError(caught, 'REPL_SQLITE_CHANGELOG_INVALID')).toBe(true);
    expect(caught instanceof Error ? caught.message : '').toContain('seq 42');
  });

  it('writes REALs by exact binary scaling, never through decimal text, and tags each class', () => {
    const sql = changelogValueSql('NEW."c"');
    expect(sql).not.toContain('printf');
    expect(sql).toContain(`CAST(CAST(v AS INTEGER) AS TEXT) || 'p' || e`);
    expect(sql.match(/LIMIT 1 OFFSET 0/g)).toHaveLength(22);
    expect(sql).toContain(`json_object('i', CAST(NEW."c" AS TEXT))`);
    expect(sql).toContain(`json_object('b', hex(NEW."c"))`);
  });
});
