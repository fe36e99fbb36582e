import { describe, expect, it } from 'vitest';
import { secondaryIndexDdl, targetIndexName } from '@database-replicator/source-mysql';

const table = { schema: 'shop', table: 'Order Lines' };
const replicated = new Set(['a', 'b', 'Mixed Case']);
const part = (column: string | null, subPart: number | null = null, descending = false) => ({
  column,
  subPart,
  descending,
});

describe('secondaryIndexDdl', () => {
  it('writes a quoted, table-prefixed CREATE INDEX with descending parts', () => {
    expect(
      secondaryIndexDdl(
        table,
        {
          name: 'by_ab',
          unique: true,
          type: 'BTREE',
          parts: [part('a'), part('Mixed Case', null, true)],
        },
        replicated,
      ),
    ).toBe(
      'CREATE UNIQUE INDEX IF NOT EXISTS "Order Lines_by_ab" ON "shop"."Order Lines" ("a", "Mixed Case" DESC)',
    );
  });

  it.each([
    ['a FULLTEXT index', { type: 'FULLTEXT', parts: [part('a')] }],
    ['a SPATIAL index', { type: 'SPATIAL', parts: [part('a')] }],
    ['a prefix part', { type: 'BTREE', parts: [part('a', 10)] }],
    ['a functional part', { type: 'BTREE', parts: [part(null)] }],
    ['a generated column', { type: 'BTREE', parts: [part('generated')] }],
  ])('leaves out %s', (_, index) => {
    expect(
      secondaryIndexDdl(table, { name: 'i', unique: false, ...index }, replicated),
    ).toBeUndefined();
  });
});

describe('targetIndexName', () => {
  it('keeps short names and cuts long ones to 63 bytes with a stable hash', () => {
    expect(targetIndexName('t', 'i')).toBe('t_i');
    const long = targetIndexName('é'.repeat(40), 'index');
    expect(Buffer.byteLength(long, 'utf8')).toBeLessThanOrEqual(63);
    expect(long).toMatch(/_[0-9a-f]{8}$/);
    expect(targetIndexName('é'.repeat(40), 'index')).toBe(long);
    expect(targetIndexName('é'.repeat(40), 'index2')).not.toBe(long);
  });
});
