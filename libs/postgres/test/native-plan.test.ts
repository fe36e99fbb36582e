import type { ReplicatorConfig, TablePlan } from '@database-replicator/core';
import { describe, expect, it } from 'vitest';
import {
  composeRowPredicate,
  databasePairs,
  findKeylessTables,
  nativeFingerprint,
  nativeJobId,
  nativeObjectNames,
  rowFilterAttributeNumbers,
  type PostgresTableInfo,
} from '@database-replicator/postgres';

function plan(table: string, extra: Partial<TablePlan> = {}): TablePlan {
  return {
    id: { schema: 'public', table },
    schemaOnly: false,
    rowFilters: [],
    timeFilters: [],
    ...extra,
  };
}

const NO_FILTERS: ReplicatorConfig['filters'] = {
  schemaOnlyTables: [],
  tableFilters: [],
  timeFilters: [],
};

describe('composeRowPredicate', () => {
  it('is undefined for an unfiltered table', () => {
    expect(composeRowPredicate(plan('t'), [])).toBeUndefined();
  });

  it('ANDs row filters and time cutoffs, quoting the column and the literal', () => {
    const table = plan('events', {
      rowFilters: ["kind <> 'x'", 'id > 3'],
      timeFilters: [{ column: 'Happened At', last: { amount: 90, unit: 'day' } }],
    });
    expect(composeRowPredicate(table, ["2024-01-01 00:00:00+00'"])).toBe(
      `(kind <> 'x') AND (id > 3) AND ("Happened At" >= '2024-01-01 00:00:00+00''')`,
    );
  });

  it('requires one cutoff per time filter', () => {
    const table = plan('e', { timeFilters: [{ column: 'c', last: { amount: 1, unit: 'day' } }] });
    expect(() => composeRowPredicate(table, [])).toThrow();
  });
});

describe('nativeFingerprint', () => {
  const base = [plan('a'), plan('b', { rowFilters: ['x > 1'] })];

  it('does not depend on table order', () => {
    expect(nativeFingerprint('s', 't', base)).toBe(
      nativeFingerprint('s', 't', [...base].reverse()),
    );
  });

  it('changes with filters, schema-only, windows and databases', () => {
    const fingerprint = nativeFingerprint('s', 't', base);
    const variants = [
      [plan('a'), plan('b', { rowFilters: ['x > 2'] })],
      [plan('a', { schemaOnly: true }), plan('b', { rowFilters: ['x > 1'] })],
      [
        plan('a', { timeFilters: [{ column: 'c', last: { amount: 1, unit: 'day' } }] }),
        base[1] ?? plan('b'),
      ],
      [plan('a')],
    ];
    for (const variant of variants)
      expect(nativeFingerprint('s', 't', variant)).not.toBe(fingerprint);
    expect(nativeFingerprint('s', 'other', base)).not.toBe(fingerprint);
  });
});

describe('databasePairs', () => {
  it('replicates the URL database into the target URL database by default', () => {
    expect(databasePairs('shop', 'shop_copy', NO_FILTERS)).toEqual([
      { source: 'shop', target: 'shop_copy' },
    ]);
  });

  it('adds every other database the filters name, into a same-named target database', () => {
    const filters: ReplicatorConfig['filters'] = {
      ...NO_FILTERS,
      includeTables: [{ database: 'crm', schema: 'public', table: 'x' }, { table: 'y' }],
      schemaOnlyTables: [{ database: 'shop', schema: 'public', table: 'z' }],
      timeFilters: [
        { table: { database: 'audit', table: 'e' }, column: 'c', last: { amount: 1, unit: 'day' } },
      ],
    };
    expect(databasePairs('shop', 'shop_copy', filters)).toEqual([
      { source: 'shop', target: 'shop_copy' },
      { source: 'audit', target: 'audit' },
      { source: 'crm', target: 'crm' },
    ]);
  });
});

it('databasePairs refuses two source databases landing in one target database', () => {
  const filters: ReplicatorConfig['filters'] = {
    ...NO_FILTERS,
    excludeTables: [{ database: 'copy', schema: 'public', table: 'x' }],
  };
  expect(() => databasePairs('shop', 'copy', filters)).toThrow(
    /REPL_CONFIG_INVALID|already receives/,
  );
});

describe('native names', () => {
  const source = { systemIdentifier: '7000000000000000001', database: 'shop' };
  const target = { systemIdentifier: '7000000000000000002', database: 'shop' };

  it('derive the job from what the servers say, not from URLs', () => {
    const job = nativeJobId(source, target);
    expect(job).toMatch(/^[0-9a-f]{12}$/);
    expect(nativeJobId(source, target)).toBe(job);
    expect(nativeJobId(source, { ...target, database: 'shop2' })).not.toBe(job);
    expect(nativeJobId(target, source)).not.toBe(job);
  });

  it('name slot, publication and subscription validly and per database', () => {
    const names = nativeObjectNames('0123456789ab', 'Weird "DB" name');
    expect(names.slot).toMatch(/^dr_0123456789ab_[0-9a-f]{8}$/);
    expect(names.publication).toBe(names.slot);
    expect(names.subscription).toBe(names.slot);
    expect(nativeObjectNames('0123456789ab', 'other').slot).not.toBe(names.slot);
  });
});

describe('rowFilterAttributeNumbers', () => {
  it('reads the Var nodes of a stored row filter and ignores constants', () => {
    // From pg_publication_rel.prqual of `(ts >= '2024-01-01') AND (id > 3)`.
    const prqual =
      '{BOOLEXPR :boolop and :args ({OPEXPR :opno 1325 :args ({VAR :varno 1 :varattno 2 :vartype 1184} ' +
      '{CONST :consttype 1184 :constvalue 8 [ 0 64 -23 -44 ]}) :location 48} {OPEXPR :opno 521 :args ' +
      '({VAR :varno 1 :varattno 1 :vartype 23} {VAR :varno 1 :varattno 2 :vartype 23} {CONST :consttype 23 ' +
      ':constvalue 4 [ 3 0 0 0 ]}) :location 83}) :location 76}';
    expect(rowFilterAttributeNumbers(prqual)).toEqual([1, 2]);
    expect(rowFilterAttributeNumbers('{CONST :consttype 16 :constvalue 1 [ 1 ]}')).toEqual([]);
  });
});

describe('findKeylessTables', () => {
  const info = (
    table: string,
    primaryKey: string[],
    replicaIdentity: PostgresTableInfo['replicaIdentity'],
  ): PostgresTableInfo => ({
    id: { schema: 'public', table },
    primaryKey,
    columns: ['a'],
    replicaIdentity,
    estimatedRows: 0,
    totalBytes: 0,
    partitioned: false,
  });
  const tables = [
    info('keyed', ['id'], 'default'),
    info('bare', [], 'default'),
    info('full', [], 'full'),
    info('nothing', ['id'], 'nothing'),
    info('indexed', [], 'index'),
  ];

  it('finds tables whose changes cannot be replicated, except schema-only ones', () => {
    const planned = ['keyed', 'bare', 'full', 'nothing', 'indexed'].map((t) => plan(t));
    expect(findKeylessTables(planned, tables).map((p) => p.id.table)).toEqual(['bare', 'nothing']);
    const schemaOnly = [plan('bare', { schemaOnly: true })];
    expect(findKeylessTables(schemaOnly, tables)).toEqual([]);
  });
});
