import { describe, expect, it } from 'vitest';
import {
  changeKeySchema,
  deserializeChangeEvent,
  encodeValue,
  parseChangeEvent,
  serializeChangeEvent,
  type ChangeEvent,
  type ChangeSource,
} from '@database-replicator/core';

const source: ChangeSource = {
  connector: 'postgresql',
  name: 'shop-primary',
  db: 'shop',
  schema: 'public',
  table: 'orders',
  snapshot: 'false',
  position: { kind: 'postgres', lsn: '16/B374D848', txIndex: 2 },
  ts_ms: 1_709_251_199_123,
};

const row = {
  id: encodeValue(2n ** 63n - 1n),
  big: encodeValue(9007199254740993n),
  amount: '123456789012345678901234567890',
  created_at: '2024-02-29 23:59:59.123456',
  payload: encodeValue(Buffer.from([0, 255, 16, 32])),
  doc: { tags: ['a', 'b'], n: 1 },
  note: null,
};

const create: ChangeEvent = { before: null, after: row, source, op: 'c', ts_ms: 1_709_251_200_000 };

function invalid(value: unknown, path: string): void {
  expect(() => parseChangeEvent(value)).toThrow(
    expect.objectContaining({ code: 'REPL_EVENT_INVALID', message: expect.stringContaining(path) }),
  );
}

describe('change events', () => {
  it('round-trip losslessly: 64-bit ints, decimals, microseconds, binary', () => {
    const text = serializeChangeEvent(create);
    const parsed = deserializeChangeEvent(text);
    expect(parsed).toEqual(create);
    expect(parsed.after?.['id']).toBe('9223372036854775807');
    expect(parsed.after?.['big']).toBe('9007199254740993');
    expect(parsed.after?.['amount']).toBe('123456789012345678901234567890');
    expect(parsed.after?.['created_at']).toBe('2024-02-29 23:59:59.123456');
    expect(Buffer.from(String(parsed.after?.['payload']), 'base64')).toEqual(
      Buffer.from([0, 255, 16, 32]),
    );
  });

  it('are deep-frozen after parsing', () => {
    const parsed = parseChangeEvent(JSON.parse(serializeChangeEvent(create)));
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(Object.isFrozen(parsed.after)).toBe(true);
    expect(Object.isFrozen(parsed.source.position)).toBe(true);
    expect(Object.isFrozen(parsed.after?.['doc'])).toBe(true);
  });

  it('round-trip an update with unchanged TOAST columns', () => {
    const update: ChangeEvent = {
      before: { id: '1' },
      after: { id: '1', status: 'shipped' },
      source,
      op: 'u',
      ts_ms: 1,
      unchanged_columns: ['description', 'blob'],
    };
    expect(deserializeChangeEvent(serializeChangeEvent(update))).toEqual(update);
  });

  it('accept each operation with its row images', () => {
    const events: ChangeEvent[] = [
      {
        before: null,
        after: { id: '1' },
        source: { ...source, snapshot: 'true' },
        op: 'r',
        ts_ms: 1,
      },
      { before: null, after: { id: '1' }, source, op: 'u', ts_ms: 1 },
      { before: { id: '1' }, after: null, source, op: 'd', ts_ms: 1 },
      { before: null, after: null, source, op: 't', ts_ms: 1 },
      {
        before: null,
        after: { id: '1' },
        source: {
          ...source,
          connector: 'mysql',
          schema: null,
          position: { kind: 'mysql', gtidSet: '', file: 'mysql-bin.000001', pos: 4, eventIndex: 0 },
        },
        op: 'c',
        ts_ms: 1,
      },
    ];
    for (const event of events) expect(parseChangeEvent(event)).toEqual(event);
  });

  it('drop unknown fields (tolerant reader)', () => {
    expect(parseChangeEvent({ ...create, transaction: null })).toEqual(create);
  });

  it('reject a create without after', () => invalid({ ...create, after: null }, 'after'));
  it('reject a delete without before', () =>
    invalid({ ...create, op: 'd', after: null }, 'before'));
  it('reject a delete with after', () =>
    invalid({ ...create, op: 'd', before: { id: '1' } }, 'after'));
  it('reject an unknown op', () => invalid({ ...create, op: 'x' }, 'op'));
  it('reject a position of unknown kind', () =>
    invalid(
      { ...create, source: { ...source, position: { kind: 'oracle', scn: '1' } } },
      'source.position.kind',
    ));
  it('reject a position that does not match the connector', () =>
    invalid({ ...create, source: { ...source, connector: 'mysql' } }, 'source.position.kind'));
  it('reject a missing schema for postgresql', () =>
    invalid({ ...create, source: { ...source, schema: null } }, 'source.schema'));
  it('reject unchanged_columns on a create', () =>
    invalid({ ...create, unchanged_columns: ['x'] }, 'unchanged_columns'));
  it('reject unchanged_columns that are in after', () =>
    invalid({ ...create, op: 'u', unchanged_columns: ['note'] }, 'unchanged_columns[0]'));
  it('reject non-JSON values in a row', () =>
    invalid({ ...create, after: { id: 1n } }, 'after.id'));
  it('reject non-integer timestamps', () => invalid({ ...create, ts_ms: 1.5 }, 'ts_ms'));

  it('never echo row values in errors', () => {
    try {
      parseChangeEvent({ ...create, op: 'x', after: { secret_column: 'hunter2' } });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });

  it('reject malformed JSON with the same code', () => {
    expect(() => deserializeChangeEvent('{"before":')).toThrow(
      expect.objectContaining({ code: 'REPL_EVENT_INVALID' }),
    );
  });
});

describe('changeKeySchema', () => {
  it('accepts primary-key objects of JSON values', () => {
    expect(changeKeySchema.parse({ id: '9223372036854775807', region: 'eu' })).toEqual({
      id: '9223372036854775807',
      region: 'eu',
    });
    expect(changeKeySchema.safeParse({ id: 1n }).success).toBe(false);
  });
});
