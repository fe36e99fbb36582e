import { describe, expect, it } from 'vitest';
import { parseTableFilterFlag, parseTimeFilterFlag } from '@database-replicator/core';

const syntaxError = (flag: string) =>
  expect.objectContaining({
    code: 'REPL_CONFIG_FILTER_SYNTAX',
    message: expect.stringContaining(flag),
    fix: expect.stringContaining(flag),
  });

describe('parseTableFilterFlag', () => {
  it('splits at the first colon so predicates may contain colons', () => {
    expect(parseTableFilterFlag("orders:created_at > '2024-01-01 00:00:00'")).toEqual({
      table: { table: 'orders' },
      where: "created_at > '2024-01-01 00:00:00'",
    });
    expect(parseTableFilterFlag("sales.orders: payload::jsonb ? 'k'")).toEqual({
      table: { schema: 'sales', table: 'orders' },
      where: "payload::jsonb ? 'k'",
    });
  });

  it('accepts a quoted table containing colons and dots', () => {
    expect(parseTableFilterFlag('shop."a:b"."c.d":id > 10')).toEqual({
      table: { database: 'shop', schema: 'a:b', table: 'c.d' },
      where: 'id > 10',
    });
  });

  it.each(['orders', 'orders:', 'orders:   ', ':id > 1', '"unterminated:id > 1', 'a..b:id > 1'])(
    'rejects %j naming the flag and an example',
    (value) => {
      expect(() => parseTableFilterFlag(value)).toThrow(syntaxError('--table-filter'));
    },
  );
});

describe('parseTimeFilterFlag', () => {
  it('parses table, column and window', () => {
    expect(parseTimeFilterFlag('events:created_at:6 months')).toEqual({
      table: { table: 'events' },
      column: 'created_at',
      last: { amount: 6, unit: 'month' },
    });
    expect(parseTimeFilterFlag('shop.public.metrics:"ts:utc":1 Hour')).toEqual({
      table: { database: 'shop', schema: 'public', table: 'metrics' },
      column: 'ts:utc',
      last: { amount: 1, unit: 'hour' },
    });
    expect(parseTimeFilterFlag('e:c:90days').last).toEqual({ amount: 90, unit: 'day' });
  });

  it.each([
    'events',
    'events:created_at',
    'events:created_at:soon',
    'events:created_at:0 days',
    'events::6 months',
    'events:c:6 fortnights',
    'events:c:6 months:x',
  ])('rejects %j naming the flag and an example', (value) => {
    expect(() => parseTimeFilterFlag(value)).toThrow(syntaxError('--time-filter'));
  });
});
