import type { ChangeEvent, ChangeRow } from '@database-replicator/core';
import {
  copyTextField,
  partitionKey,
  planChangeBatch,
  toPostgresText,
  type BatchEvent,
  type ChangeBatch,
  type StoredPartition,
} from '@database-replicator/postgres';
import { describe, expect, it } from 'vitest';

const TABLE = { schema: 'public', table: 'items' };

function event(
  op: ChangeEvent['op'],
  row: ChangeRow | null,
  offset: number,
  extra: {
    before?: ChangeRow;
    unchanged?: string[];
    partition?: number;
    lsn?: string;
    snapshot?: 'true' | 'false';
  } = {},
): BatchEvent {
  const isDelete = op === 'd';
  return {
    topic: 'dr.src.public.items',
    partition: extra.partition ?? 0,
    offset: String(offset),
    event: {
      op,
      before: isDelete ? row : (extra.before ?? null),
      after: isDelete || op === 't' ? null : row,
      ts_ms: 0,
      source: {
        connector: 'postgresql',
        name: 'src',
        db: 'app',
        schema: 'public',
        table: 'items',
        snapshot: extra.snapshot ?? 'false',
        position: { kind: 'postgres', lsn: extra.lsn ?? `0/${offset.toString(16)}`, txIndex: 0 },
        ts_ms: 0,
      },
      ...(extra.unchanged === undefined ? {} : { unchanged_columns: extra.unchanged }),
    },
  };
}

function batch(events: BatchEvent[]): ChangeBatch {
  return { consumerGroup: 'g', table: TABLE, keyColumns: ['id'], events };
}

const NONE = new Map<string, StoredPartition>();

describe('planChangeBatch', () => {
  it('collapses insert + update + delete of one key into one delete', () => {
    const plan = planChangeBatch(
      batch([
        event('c', { id: 1, v: 'a' }, 0),
        event('u', { id: 1, v: 'b' }, 1),
        event('d', { id: 1, v: 'b' }, 2),
      ]),
      NONE,
    );
    expect(plan.upserts).toEqual([]);
    expect(plan.deletes).toEqual([{ id: 1 }]);
    expect(plan.applied).toBe(3);
  });

  it('keeps the last of several updates', () => {
    const plan = planChangeBatch(
      batch([event('u', { id: 1, v: 'b' }, 0), event('u', { id: 1, v: 'c' }, 1)]),
      NONE,
    );
    expect(plan.upserts).toEqual([
      { columns: ['id', 'v'], partial: false, rows: [{ id: 1, v: 'c' }] },
    ]);
    expect(plan.deletes).toEqual([]);
  });

  it('turns a delete followed by an insert into an upsert of the new row', () => {
    const plan = planChangeBatch(
      batch([event('d', { id: 1, v: 'a' }, 0), event('c', { id: 1, v: 'z' }, 1)]),
      NONE,
    );
    expect(plan.upserts).toEqual([
      { columns: ['id', 'v'], partial: false, rows: [{ id: 1, v: 'z' }] },
    ]);
    expect(plan.deletes).toEqual([]);
  });

  it('groups upserts by the columns they provide and never invents unchanged columns', () => {
    const plan = planChangeBatch(
      batch([
        event('c', { id: 1, v: 'a', big: 'x' }, 0),
        event('u', { id: 2, v: 'b' }, 1, { unchanged: ['big'] }),
      ]),
      NONE,
    );
    expect(plan.upserts).toEqual([
      { columns: ['big', 'id', 'v'], partial: false, rows: [{ id: 1, v: 'a', big: 'x' }] },
      { columns: ['id', 'v'], partial: true, rows: [{ id: 2, v: 'b' }] },
    ]);
  });

  it('lets an update with unchanged columns inherit them from an insert in the same batch', () => {
    const plan = planChangeBatch(
      batch([
        event('c', { id: 1, v: 'a', big: 'x' }, 0),
        event('u', { id: 1, v: 'b' }, 1, { unchanged: ['big'] }),
      ]),
      NONE,
    );
    expect(plan.upserts).toEqual([
      { columns: ['big', 'id', 'v'], partial: false, rows: [{ id: 1, v: 'b', big: 'x' }] },
    ]);
  });

  it('deletes the old key when an update changes the key', () => {
    const plan = planChangeBatch(
      batch([event('u', { id: 2, v: 'a' }, 0, { before: { id: 1, v: 'a' } })]),
      NONE,
    );
    expect(plan.deletes).toEqual([{ id: 1 }]);
    expect(plan.upserts).toEqual([
      { columns: ['id', 'v'], partial: false, rows: [{ id: 2, v: 'a' }] },
    ]);
  });

  it('forgets everything before a truncate and keeps what follows', () => {
    const plan = planChangeBatch(
      batch([
        event('c', { id: 1, v: 'a' }, 0),
        event('d', { id: 2, v: 'a' }, 1),
        event('t', null, 2),
        event('c', { id: 3, v: 'c' }, 3),
      ]),
      NONE,
    );
    expect(plan.truncate).toBe(true);
    expect(plan.deletes).toEqual([]);
    expect(plan.upserts).toEqual([
      { columns: ['id', 'v'], partial: false, rows: [{ id: 3, v: 'c' }] },
    ]);
  });

  it('skips events below the stored next offset per partition and advances the rest', () => {
    const stored = new Map([
      [partitionKey('dr.src.public.items', 0), { nextOffset: 2n, position: null }],
    ]);
    const plan = planChangeBatch(
      batch([
        event('c', { id: 1, v: 'a' }, 1),
        event('c', { id: 2, v: 'b' }, 2),
        event('c', { id: 3, v: 'c' }, 3),
        event('c', { id: 4, v: 'd' }, 0, { partition: 1 }),
      ]),
      stored,
    );
    expect(plan.skipped).toBe(1);
    expect(plan.applied).toBe(3);
    expect(plan.upserts[0]?.rows.map((row) => row.id)).toEqual([2, 3, 4]);
    expect(plan.advances).toEqual([
      {
        topic: 'dr.src.public.items',
        partition: 0,
        nextOffset: '4',
        position: { kind: 'postgres', lsn: '0/3', txIndex: 0 },
      },
      {
        topic: 'dr.src.public.items',
        partition: 1,
        nextOffset: '1',
        position: { kind: 'postgres', lsn: '0/0', txIndex: 0 },
      },
    ]);
  });

  it('skips streamed events an extractor resent, by source position, but never snapshot rows', () => {
    const stored = new Map([
      [
        partitionKey('dr.src.public.items', 0),
        { nextOffset: 10n, position: { kind: 'postgres' as const, lsn: '0/50', txIndex: 0 } },
      ],
    ]);
    const plan = planChangeBatch(
      batch([
        event('u', { id: 1, v: 'old' }, 9, { lsn: '0/10' }),
        event('u', { id: 1, v: 'old' }, 10, { lsn: '0/40' }),
        event('r', { id: 2, v: 'snap' }, 11, { lsn: '0/10', snapshot: 'true' }),
        event('u', { id: 3, v: 'new' }, 12, { lsn: '0/60' }),
        event('u', { id: 3, v: 'resent' }, 13, { lsn: '0/55' }),
      ]),
      stored,
    );
    expect(plan.skipped).toBe(3);
    expect(plan.upserts[0]?.rows).toEqual([
      { id: 2, v: 'snap' },
      { id: 3, v: 'new' },
    ]);
    expect(plan.advances[0]).toMatchObject({
      nextOffset: '14',
      position: { lsn: '0/60' },
    });
  });

  it('orders positions within one commit by their index, and binlog positions of one file by offset', () => {
    const stored = new Map([
      [
        partitionKey('dr.src.public.items', 0),
        { nextOffset: 0n, position: { kind: 'postgres' as const, lsn: '0/50', txIndex: 5 } },
      ],
    ]);
    const atIndex = (id: number, offset: number, txIndex: number): BatchEvent => {
      const item = event('u', { id, v: `i${txIndex}` }, offset, { lsn: '0/50' });
      const source = {
        ...item.event.source,
        position: { kind: 'postgres' as const, lsn: '0/50', txIndex },
      };
      return { ...item, event: { ...item.event, source } };
    };
    const plan = planChangeBatch(batch([atIndex(1, 0, 4), atIndex(2, 1, 6)]), stored);
    expect(plan.skipped).toBe(1);
    expect(plan.upserts[0]?.rows).toEqual([{ id: 2, v: 'i6' }]);

    const binlog = (id: number, offset: number, pos: number, eventIndex: number): BatchEvent => {
      const item = event('u', { id, v: `${pos}.${eventIndex}` }, offset);
      const position = { kind: 'mysql' as const, gtidSet: '', file: 'bin.000002', pos, eventIndex };
      const source = { ...item.event.source, connector: 'mysql' as const, position };
      return { ...item, event: { ...item.event, source } };
    };
    const mysqlStored = new Map([
      [
        partitionKey('dr.src.public.items', 0),
        {
          nextOffset: 0n,
          position: {
            kind: 'mysql' as const,
            gtidSet: '',
            file: 'bin.000002',
            pos: 900,
            eventIndex: 2,
          },
        },
      ],
    ]);
    const replayed = planChangeBatch(
      batch([
        binlog(1, 0, 900, 1),
        binlog(2, 1, 900, 3),
        binlog(3, 2, 100, 9),
        binlog(4, 3, 1200, 0),
      ]),
      mysqlStored,
    );
    expect(replayed.upserts[0]?.rows.map((row) => row['id'])).toEqual([2, 4]);
    expect(replayed.advances[0]?.position).toMatchObject({ pos: 1200, eventIndex: 0 });
  });

  it('keeps 64-bit offsets exact', () => {
    const item = { ...event('c', { id: 1 }, 0), offset: '9223372036854775806' };
    const plan = planChangeBatch(batch([item]), NONE);
    expect(plan.advances[0]?.nextOffset).toBe('9223372036854775807');
  });

  it('refuses an event without a key column or with a malformed offset', () => {
    expect(() => planChangeBatch(batch([event('c', { v: 'a' }, 0)]), NONE)).toThrow(
      expect.objectContaining({ code: 'REPL_WRITER_EVENT_INVALID' }),
    );
    const bad = { ...event('c', { id: 1 }, 0), offset: '-1' };
    expect(() => planChangeBatch(batch([bad]), NONE)).toThrow(
      expect.objectContaining({ code: 'REPL_WRITER_EVENT_INVALID' }),
    );
  });
});

describe('toPostgresText and copyTextField', () => {
  it.each([
    [null, 'scalar', null],
    ['', 'scalar', ''],
    ['9007199254740993', 'scalar', '9007199254740993'],
    [1.5, 'scalar', '1.5'],
    [true, 'scalar', 'true'],
    ['AAH/', 'bytea', '\\x0001ff'],
    [{ a: [1, 'x'] }, 'json', '{"a":[1,"x"]}'],
    ['plain', 'json', '"plain"'],
    [['a,b', null, 'q"\\'], 'array', '{"a,b",NULL,"q\\"\\\\"}'],
    [
      [
        [1, 2],
        [3, 4],
      ],
      'array',
      '{{"1","2"},{"3","4"}}',
    ],
  ] as const)('%j as %s is %j', (value, kind, text) => {
    expect(toPostgresText(value, kind)).toBe(text);
  });

  it('escapes backslashes, tabs and line breaks and writes NULL as \\N', () => {
    expect(copyTextField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyTextField(null)).toBe('\\N');
    expect(copyTextField('')).toBe('');
  });
});
