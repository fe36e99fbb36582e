import { describe, expect, it } from 'vitest';
import {
  deserializeChangeEvent,
  parseChangeEvent,
  serializeChangeEvent,
  type ChangeEvent,
  type ChangeSource,
  type SchemaChange,
} from '@database-replicator/core';

const source: ChangeSource = {
  connector: 'mysql',
  name: 'shop',
  db: 'shop',
  schema: null,
  table: 'orders',
  snapshot: 'false',
  position: { kind: 'mysql', gtidSet: '0-1-5', file: 'bin.000001', pos: 900, eventIndex: 0 },
  ts_ms: 1_709_251_199_000,
};

const ADD_COLUMN: SchemaChange = {
  kind: 'add_column',
  column: { name: 'qty', type: 'integer', nullable: false },
  default: 7,
  statement: 'ALTER TABLE orders ADD qty int NOT NULL DEFAULT 7',
};

const addColumn: ChangeEvent = {
  before: null,
  after: null,
  op: 's',
  source,
  ts_ms: 1_709_251_200_000,
  schema_change: ADD_COLUMN,
};

function invalid(value: unknown, path: string): void {
  expect(() => parseChangeEvent(value)).toThrow(
    expect.objectContaining({ code: 'REPL_EVENT_INVALID', message: expect.stringContaining(path) }),
  );
}

describe('schema change events', () => {
  it('round-trips every kind through the wire form', () => {
    const changes: SchemaChange[] = [
      ADD_COLUMN,
      { kind: 'drop_column', column: 'old', statement: 'ALTER TABLE orders DROP old' },
      {
        kind: 'rename_column',
        column: 'a',
        new_name: 'b c',
        statement: 'ALTER TABLE orders RENAME COLUMN a TO `b c`',
      },
      {
        kind: 'create_table',
        columns: [{ name: 'id', type: 'bigint', nullable: false }],
        key_columns: ['id'],
        statement: 'CREATE TABLE t (id bigint primary key)',
      },
    ];
    for (const schemaChange of changes) {
      const event = { ...addColumn, schema_change: schemaChange };
      expect(deserializeChangeEvent(serializeChangeEvent(event))).toEqual(event);
    }
  });

  it('requires schema_change exactly on s, and no row images on s', () => {
    const bare = Object.fromEntries(
      Object.entries(addColumn).filter(([field]) => field !== 'schema_change'),
    );
    invalid(bare, 'schema_change');
    invalid({ ...addColumn, after: { id: 1 } }, 'after');
    invalid(
      {
        before: null,
        after: { id: 1 },
        op: 'c',
        source,
        ts_ms: 1,
        schema_change: ADD_COLUMN,
      },
      'schema_change',
    );
    invalid(
      { ...addColumn, schema_change: { kind: 'alter_type', statement: '' } },
      'schema_change',
    );
    invalid(
      { ...addColumn, schema_change: { ...ADD_COLUMN, default: undefined } },
      'schema_change.default',
    );
  });
});
