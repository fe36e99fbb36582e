import { describe, expect, it } from 'vitest';
import {
  isReplicatorError,
  loadConfig,
  planTable,
  planTables,
  type TableId,
} from '@database-replicator/core';

const TABLES: TableId[] = [
  { schema: 'public', table: 'orders' },
  { schema: 'public', table: 'customers' },
  { schema: 'public', table: 'events' },
  { schema: 'audit', table: 'orders' },
];
const DEFAULTS = { schema: 'public' };

async function filtersFrom(flags: Record<string, string | string[]>) {
  return (await loadConfig({ flags })).filters;
}

describe('planTables', () => {
  it('takes every table, sorted, when no filter is given', async () => {
    const plan = planTables(TABLES, await filtersFrom({}), DEFAULTS);
    expect(plan.map((p) => `${p.id.schema}.${p.id.table}`)).toEqual([
      'audit.orders',
      'public.customers',
      'public.events',
      'public.orders',
    ]);
    expect(plan.every((p) => !p.schemaOnly && p.rowFilters.length === 0)).toBe(true);
  });

  it('resolves an unqualified name in the default schema only', async () => {
    const plan = planTables(TABLES, await filtersFrom({ includeTables: 'orders' }), DEFAULTS);
    expect(plan.map((p) => p.id)).toEqual([{ schema: 'public', table: 'orders' }]);
  });

  it('excludes, marks schema-only tables and attaches row and time filters', async () => {
    const filters = await filtersFrom({
      excludeTables: 'audit.orders',
      schemaOnlyTables: 'events',
      tableFilter: ["orders:status = 'open'", 'orders:id > 10'],
      timeFilter: ['customers:created_at:90 days'],
    });
    const plan = planTables(TABLES, filters, DEFAULTS);
    expect(plan.map((p) => p.id.table)).toEqual(['customers', 'events', 'orders']);
    const byName = Object.fromEntries(plan.map((p) => [p.id.table, p]));
    expect(byName['events']?.schemaOnly).toBe(true);
    expect(byName['orders']?.rowFilters).toEqual(["status = 'open'", 'id > 10']);
    expect(byName['customers']?.timeFilters).toEqual([
      { column: 'created_at', last: { amount: 90, unit: 'day' } },
    ]);
  });

  it('refuses a filter naming a table the source does not have', async () => {
    const filters = await filtersFrom({ includeTables: 'ordres' });
    let caught: unknown;
    try {
      planTables(TABLES, filters, DEFAULTS);
    } catch (error) {
      caught = error;
    }
    expect(isReplicatorError(caught, 'REPL_CONFIG_TABLE_NOT_FOUND')).toBe(true);
    expect(String((caught as Error).message)).toContain('public.ordres');
  });

  it('leaves selectors of another database to that database', async () => {
    const filters = await filtersFrom({ includeTables: 'shop.public.orders,crm.public.leads' });
    const shop = planTables(
      TABLES.map((id) => ({ ...id, database: 'shop' })),
      filters,
      { database: 'shop', schema: 'public' },
    );
    expect(shop.map((p) => `${p.id.database}.${p.id.schema}.${p.id.table}`)).toEqual([
      'shop.public.orders',
    ]);
  });
});

describe('planTable', () => {
  it('decides for a table created later by the same filters, without checking selectors', async () => {
    const filters = await filtersFrom({
      includeTables: 'orders,missing_yet',
      schemaOnlyTables: 'missing_yet',
    });
    expect(planTable({ schema: 'public', table: 'missing_yet' }, filters, DEFAULTS)).toEqual({
      id: { schema: 'public', table: 'missing_yet' },
      schemaOnly: true,
      rowFilters: [],
      timeFilters: [],
    });
    expect(planTable({ schema: 'public', table: 'other' }, filters, DEFAULTS)).toBeUndefined();
    const excluded = await filtersFrom({ excludeTables: 'public.tmp' });
    expect(planTable({ schema: 'public', table: 'tmp' }, excluded, DEFAULTS)).toBeUndefined();
    expect(planTable({ schema: 'public', table: 'new' }, excluded, DEFAULTS)?.id.table).toBe('new');
  });
});
