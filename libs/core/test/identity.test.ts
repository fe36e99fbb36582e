import { describe, expect, it } from 'vitest';
import {
  formatTableRef,
  parseTableRef,
  parseTableSelector,
  quoteIdent,
  quoteMysqlIdent,
  quoteTable,
  resolveTableSelector,
  tableKey,
  type TableId,
} from '@database-replicator/core';

const ADVERSARIAL_NAMES = [
  'orders',
  'order-items',
  'my.table',
  'sch ema',
  ' padded ',
  'ta"ble',
  '"',
  '""',
  'select',
  'order',
  'MixedCase',
  'UPPER',
  'café_crème',
  'naïve.résumé',
  '🚀 launches',
  '表',
  'a,b',
  'a:b',
  'back`tick',
  "it's",
  'tab\there',
  'line\nbreak',
];

describe('quoteIdent', () => {
  it.each([
    ['orders', '"orders"'],
    ['select', '"select"'],
    ['MixedCase', '"MixedCase"'],
    ['ta"ble', '"ta""ble"'],
    ['"', '""""'],
    ['my.table', '"my.table"'],
    ['🚀', '"🚀"'],
  ])('%s → %s', (name, quoted) => {
    expect(quoteIdent(name)).toBe(quoted);
  });

  it('rejects empty names and NUL', () => {
    expect(() => quoteIdent('')).toThrow(
      expect.objectContaining({ code: 'REPL_IDENTIFIER_INVALID' }),
    );
    expect(() => quoteIdent('a\u0000b')).toThrow(
      expect.objectContaining({ code: 'REPL_IDENTIFIER_INVALID' }),
    );
  });
});

describe('quoteMysqlIdent', () => {
  it('backticks and doubles embedded backticks', () => {
    expect(quoteMysqlIdent('order')).toBe('`order`');
    expect(quoteMysqlIdent('back`tick')).toBe('`back``tick`');
    expect(quoteMysqlIdent('ta"ble')).toBe('`ta"ble`');
  });

  it('rejects empty names and NUL', () => {
    expect(() => quoteMysqlIdent('')).toThrow(
      expect.objectContaining({ code: 'REPL_IDENTIFIER_INVALID' }),
    );
    expect(() => quoteMysqlIdent('\u0000')).toThrow(
      expect.objectContaining({ code: 'REPL_IDENTIFIER_INVALID' }),
    );
  });
});

describe('quoteTable', () => {
  it('quotes schema and table and ignores the database', () => {
    expect(quoteTable({ database: 'shop', schema: 'Sales', table: 'order"s' })).toBe(
      '"Sales"."order""s"',
    );
  });
});

describe('parseTableRef', () => {
  const defaults = { schema: 'public' } as const;

  it('fills unwritten parts from the defaults', () => {
    expect(parseTableRef('orders', defaults)).toEqual({ schema: 'public', table: 'orders' });
    expect(parseTableRef('orders', { database: 'shop', schema: 'public' })).toEqual({
      database: 'shop',
      schema: 'public',
      table: 'orders',
    });
    expect(parseTableRef('sales.orders', defaults)).toEqual({ schema: 'sales', table: 'orders' });
    expect(parseTableRef('shop.sales.orders', defaults)).toEqual({
      database: 'shop',
      schema: 'sales',
      table: 'orders',
    });
  });

  it('parses quoted parts with dots, spaces and doubled quotes', () => {
    expect(parseTableRef('"my.db"."sch ema"."ta""ble"', defaults)).toEqual({
      database: 'my.db',
      schema: 'sch ema',
      table: 'ta"ble',
    });
    expect(parseTableRef(' "a,b" . "c:d" ', defaults)).toEqual({ schema: 'a,b', table: 'c:d' });
  });

  it('takes bare names literally: no case folding, unicode kept', () => {
    expect(parseTableRef('Sales.Orders', defaults)).toEqual({ schema: 'Sales', table: 'Orders' });
    expect(parseTableRef('café.🚀', defaults)).toEqual({ schema: 'café', table: '🚀' });
  });

  it.each([
    '',
    'a..b',
    '.a',
    'a.',
    'a.b.c.d',
    '"unterminated',
    'a"b',
    '"a"b',
    '""',
    'x.""',
    'a\u0000b',
  ])('rejects %j', (text) => {
    expect(() => parseTableRef(text, defaults)).toThrow(
      expect.objectContaining({ code: 'REPL_IDENTIFIER_INVALID' }),
    );
  });

  it('returns frozen values', () => {
    expect(Object.isFrozen(parseTableRef('orders', defaults))).toBe(true);
  });
});

describe('parseTableSelector / resolveTableSelector', () => {
  it('leaves unwritten parts absent until resolved', () => {
    const selector = parseTableSelector('orders');
    expect(selector).toEqual({ table: 'orders' });
    expect('schema' in selector).toBe(false);
    expect(resolveTableSelector(selector, { schema: 'main' })).toEqual({
      schema: 'main',
      table: 'orders',
    });
    expect(resolveTableSelector({ database: 'shop', table: 't' }, { schema: 'public' })).toEqual({
      database: 'shop',
      schema: 'public',
      table: 't',
    });
  });
});

describe('formatTableRef', () => {
  it('quotes only the parts that need it', () => {
    expect(formatTableRef({ schema: 'public', table: 'orders' })).toBe('public.orders');
    expect(formatTableRef({ schema: 'public', table: 'select' })).toBe('public.select');
    expect(formatTableRef({ schema: 'Sales', table: 'order-items' })).toBe('Sales.order-items');
    expect(formatTableRef({ schema: 'café', table: '🚀' })).toBe('café.🚀');
    expect(formatTableRef({ database: 'my.db', schema: 'sch ema', table: 'ta"ble' })).toBe(
      '"my.db"."sch ema"."ta""ble"',
    );
  });

  it('round-trips adversarial names exactly', () => {
    for (const database of [undefined, ...ADVERSARIAL_NAMES]) {
      for (const schema of ADVERSARIAL_NAMES) {
        for (const table of ['t', 'ta"ble', 'my.table', '🚀 launches']) {
          const id: TableId =
            database === undefined ? { schema, table } : { database, schema, table };
          const text = formatTableRef(id);
          expect(parseTableRef(text, { schema: 'ignored' }), text).toEqual(id);
        }
      }
    }
  });
});

describe('tableKey', () => {
  it('is unambiguous and stable', () => {
    expect(tableKey({ schema: 'public', table: 'orders' })).toBe('"public"."orders"');
    expect(tableKey({ database: 'd', schema: 's', table: 't' })).toBe('"d"."s"."t"');
    // Names with dots and quotes never collide with differently split names.
    const keys = new Set([
      tableKey({ schema: 'a.b', table: 'c' }),
      tableKey({ schema: 'a', table: 'b.c' }),
      tableKey({ database: 'a', schema: 'b', table: 'c' }),
      tableKey({ schema: 'a"."b', table: 'c' }),
    ]);
    expect(keys.size).toBe(4);
  });
});
