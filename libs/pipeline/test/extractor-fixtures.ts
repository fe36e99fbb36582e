/**
 * What the extractor's unit suites share: the scripted source's one table (`public.items`, key
 * `id`), PostgreSQL positions by number, and streamed change events of that table.
 */
import type { ChangeEvent, ChangeRow, SourcePosition } from '@database-replicator/core';
import type { SourceTable } from '@database-replicator/pipeline';

/** `public.items (id integer NOT NULL, v text)`, keyed by `id`. */
export const TABLE: SourceTable = {
  id: { schema: 'public', table: 'items' },
  keyColumns: ['id'],
  columns: [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'v', type: 'text', nullable: true },
  ],
  indexes: [],
  estimatedRows: 5,
  schemaOnly: false,
};

/** The stream start the scripted sources report. */
export const P0: SourcePosition = { kind: 'postgres', lsn: '0/100', txIndex: 0 };

/** The PostgreSQL position at LSN `0/<n in hex>`. */
export function lsn(n: number, txIndex = 0): SourcePosition {
  return { kind: 'postgres', lsn: `0/${n.toString(16)}`, txIndex };
}

/** A streamed change of `public.items` at position `lsn(at, txIndex)`. */
export function change(
  op: ChangeEvent['op'],
  before: ChangeRow | null,
  after: ChangeRow | null,
  at: number,
  txIndex = 0,
): ChangeEvent {
  return {
    op,
    before,
    after,
    ts_ms: at,
    source: {
      connector: 'postgresql',
      name: 'src',
      db: 'app',
      schema: 'public',
      table: 'items',
      snapshot: 'false',
      position: lsn(at, txIndex),
      ts_ms: at,
    },
  };
}
