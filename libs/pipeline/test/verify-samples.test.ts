/**
 * Sample values of verify reports: which columns a sample lists, how masks hide values, how
 * `--mask-columns` is parsed and how samples print; and the table selection the cross-engine
 * sessions share.
 */
import { describe, expect, it } from 'vitest';
import { isReplicatorError, type TablePlan } from '@database-replicator/core';
import {
  MASKED,
  formatSample,
  maskSample,
  maskedColumnsOf,
  parseMaskColumns,
  sampleRow,
  selectVerifyPlans,
  verifyBlockOf,
} from '@database-replicator/pipeline';

const KEY = Object.freeze({ id: '5' });

describe('sampleRow', () => {
  it('lists only the columns whose values differ, source order first, then target-only ones', () => {
    const sample = sampleRow(
      KEY,
      { id: 5, name: 'Ann', tags: ['a'], note: null, email: 'a@x' },
      { id: 5, name: 'Bob', tags: ['a'], email: 'a@x', added: 1 },
    );
    expect(sample).toEqual({
      key: KEY,
      columns: [
        { column: 'name', source: 'Ann', target: 'Bob' },
        { column: 'added', source: null, target: 1 },
      ],
    });
  });

  it('compares structured values by content', () => {
    const sample = sampleRow(KEY, { j: { a: [1, 2] } }, { j: { a: [1, 3] } });
    expect(sample.columns).toEqual([{ column: 'j', source: { a: [1, 2] }, target: { a: [1, 3] } }]);
  });
});

describe('masks', () => {
  it('replace both values of masked columns and keep the others', () => {
    const sample = sampleRow(KEY, { name: 'Ann', email: 'ann@x' }, { name: 'Bob', email: 'b@x' });
    const masked = maskSample(sample, new Set(['email']));
    expect(masked.columns).toEqual([
      { column: 'name', source: 'Ann', target: 'Bob' },
      { column: 'email', source: MASKED, target: MASKED },
    ]);
    expect(JSON.stringify(masked)).not.toContain('ann@x');
  });

  it('parse table:col1,col2, repeated and schema-qualified, and apply by full or bare table name', () => {
    const mask = parseMaskColumns(['people:email, phone', 'public.people:ssn', 'other.t:x']);
    expect([...maskedColumnsOf(mask, 'public.people')].sort()).toEqual(['email', 'phone', 'ssn']);
    expect([...maskedColumnsOf(mask, 'crm.people')].sort()).toEqual(['email', 'phone']);
    expect([...maskedColumnsOf(mask, 'other.t')]).toEqual(['x']);
    expect(maskedColumnsOf(mask, 'public.t').size).toBe(0);
  });

  it.each(['people', 'people:', ':email', ' : , '])('refuse %j naming the flag', (spec) => {
    try {
      parseMaskColumns([spec]);
      expect.unreachable();
    } catch (error) {
      expect(isReplicatorError(error) && error.code).toBe('REPL_CONFIG_INVALID');
      expect(String(error)).toContain('--mask-columns');
    }
  });
});

describe('formatSample', () => {
  it('prints source → target per column, masked columns without values', () => {
    const sample = maskSample(
      sampleRow(KEY, { name: 'Ann', age: 3, email: 'a' }, { name: 'Bob', age: 4, email: 'b' }),
      new Set(['email']),
    );
    expect(formatSample(sample)).toBe('name: "Ann" → "Bob", age: 3 → 4, email: [masked]');
  });

  it('shortens long values and says when no column differs as read', () => {
    const long = 'x'.repeat(100);
    expect(formatSample(sampleRow(KEY, { v: long }, { v: 'y' }))).toBe(
      `v: "${'x'.repeat(38)}… → "y"`,
    );
    expect(formatSample(sampleRow(KEY, { v: 1 }, { v: 1 }))).toBe(
      'no column differs as read (canonical forms differ)',
    );
  });
});

describe('selectVerifyPlans', () => {
  const plan = (schema: string, table: string, extra: Partial<TablePlan> = {}): TablePlan => ({
    id: { schema, table },
    schemaOnly: false,
    rowFilters: [],
    timeFilters: [],
    ...extra,
  });
  const naming = { defaultSchema: 'app', noun: 'table', source: 'the source', form: '[db.]table' };
  const plans = [plan('app', 'a'), plan('app', 'b'), plan('other', 'a')];

  it('keeps every plan without selectors and narrows in the selectors order', () => {
    expect(selectVerifyPlans(plans, undefined, naming)).toBe(plans);
    expect(
      selectVerifyPlans(plans, [{ table: 'b' }, { schema: 'other', table: 'a' }], naming).map(
        (p) => `${p.id.schema}.${p.id.table}`,
      ),
    ).toEqual(['app.b', 'other.a']);
  });

  it('refuses a table the plans lack with REPL_CONFIG_TABLE_NOT_FOUND', () => {
    expect(() => selectVerifyPlans(plans, [{ table: 'zz' }], naming)).toThrow(
      /--tables names table app\.zz, which the source does not have/,
    );
  });

  it('blocks schema-only and filtered tables', () => {
    expect(verifyBlockOf(plan('app', 'a'), 'filtered')).toBeUndefined();
    expect(verifyBlockOf(plan('app', 'a', { schemaOnly: true }), 'filtered')?.note).toBe(
      'schema only: rows not compared',
    );
    expect(verifyBlockOf(plan('app', 'a', { rowFilters: ['id > 1'] }), 'filtered')).toEqual({
      status: 'skipped',
      note: 'filtered',
    });
  });
});
