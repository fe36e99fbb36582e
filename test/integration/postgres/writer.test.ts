import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, type ChangeEvent, type ChangeRow } from '@database-replicator/core';
import {
  TargetTableShapeCache,
  applyChangeBatch,
  connectPostgres,
  migrateReplicatorSchema,
  type BatchEvent,
  type ChangeBatch,
  type PostgresClient,
} from '@database-replicator/postgres';
import { streamedChange } from '../../support/change-events.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

const GROUP = 'loader';

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

type EventOptions = { partition?: number; unchanged?: string[]; lsn?: string };

/** One bus message for table `table`, topic per table, offsets as strings. */
function message(
  table: string,
  op: ChangeEvent['op'],
  row: ChangeRow | null,
  offset: number,
  options: EventOptions = {},
): BatchEvent {
  return {
    topic: `dr.src.public.${table}`,
    partition: options.partition ?? 0,
    offset: String(offset),
    event: {
      ...streamedChange(table, op, row, {
        kind: 'postgres',
        lsn: options.lsn ?? `0/${(offset + 16).toString(16)}`,
        txIndex: 0,
      }),
      ...(options.unchanged === undefined ? {} : { unchanged_columns: options.unchanged }),
    },
  };
}

function batchOf(table: string, events: BatchEvent[], keyColumns = ['id']): ChangeBatch {
  return { consumerGroup: GROUP, table: { schema: 'public', table }, keyColumns, events };
}

describeWithServices(['postgres'], 'postgres writer: applyChangeBatch', () => {
  let dbs: TestDatabases;
  let client: PostgresClient;
  const shapes = new TargetTableShapeCache();

  beforeAll(async () => {
    dbs = await createTestDatabases('writer');
    client = await connectPostgres(new Secret(dbs.targetUrl));
    await migrateReplicatorSchema(client);
    await client.query(`
      CREATE TABLE public.typed (tenant int, id bigint, amount numeric(30,10), at timestamptz,
        payload bytea, doc jsonb, note text, tags text[], PRIMARY KEY (tenant, id));
      CREATE TABLE public.plain (id int PRIMARY KEY, v text NOT NULL);
      CREATE TABLE public.toasty (id int PRIMARY KEY, note text, big_text text NOT NULL);
      CREATE TABLE public.strict (id int PRIMARY KEY, n int);`);
  });
  afterAll(async () => {
    await client?.close();
    await dbs?.drop();
  });

  async function offsets(topic: string) {
    const { rows } = await client.query<{ partition: number; next: string; position: unknown }>(
      `SELECT partition, next_offset::text AS next, source_position AS position
         FROM _replicator.offsets WHERE consumer_group = $1 AND topic = $2 ORDER BY partition`,
      [GROUP, topic],
    );
    return rows;
  }

  async function plainRows() {
    const { rows } = await client.query('SELECT id, v FROM public.plain ORDER BY id');
    return rows;
  }

  it('round-trips inserts, updates and deletes of wide types on a composite key', async () => {
    const payload = Buffer.from([0, 1, 2, 255, 92, 9, 10]);
    const doc = { a: [1, 'x', null], s: 'tab\there "q" \\ back', n: { deep: true } };
    const weird = 'a\tb\nc\\d\re\\N \\x';
    const first = {
      tenant: 1,
      id: '9007199254740993',
      amount: '12345678901234567890.0123456789',
      at: '2024-02-29T12:34:56.123456Z',
      payload: payload.toString('base64'),
      doc,
      note: weird,
      tags: ['a,b', 'c"d', null, '{x}'],
    };
    const second = {
      ...first,
      id: '9223372036854775807',
      note: '',
      tags: [],
      doc: null,
      payload: null,
    };
    const third = { ...first, tenant: 2, id: '1', note: null };
    const result = await applyChangeBatch(
      client,
      batchOf(
        'typed',
        [
          message('typed', 'c', first, 0),
          message('typed', 'r', second, 1),
          message('typed', 'c', third, 2),
        ],
        ['tenant', 'id'],
      ),
      { shapes },
    );
    expect(result).toEqual({ applied: 3, skipped: 0, upserts: 3, deletes: 0 });
    const { rows } = await client.query(
      `SELECT tenant, id::text, amount::text, at::text, encode(payload, 'hex') AS payload,
              doc, note, note IS NULL AS note_null, tags FROM public.typed ORDER BY tenant, id`,
    );
    expect(rows).toEqual([
      {
        tenant: 1,
        id: '9007199254740993',
        amount: '12345678901234567890.0123456789',
        at: '2024-02-29 12:34:56.123456+00',
        payload: payload.toString('hex'),
        doc,
        note: weird,
        note_null: false,
        tags: ['a,b', 'c"d', null, '{x}'],
      },
      {
        tenant: 1,
        id: '9223372036854775807',
        amount: '12345678901234567890.0123456789',
        at: '2024-02-29 12:34:56.123456+00',
        payload: null,
        doc: null,
        note: '',
        note_null: false,
        tags: [],
      },
      { ...rows[0], tenant: 2, id: '1', note: null, note_null: true },
    ]);

    const update = await applyChangeBatch(
      client,
      batchOf(
        'typed',
        [
          message('typed', 'u', { ...first, amount: '-0.0000000001', note: 'changed' }, 3),
          message('typed', 'd', { tenant: 1, id: '9223372036854775807' }, 4),
        ],
        ['tenant', 'id'],
      ),
      { shapes },
    );
    expect(update).toEqual({ applied: 2, skipped: 0, upserts: 1, deletes: 1 });
    const after = await client.query(
      'SELECT tenant, id::text, amount::text, note FROM public.typed ORDER BY tenant, id',
    );
    expect(after.rows).toEqual([
      { tenant: 1, id: '9007199254740993', amount: '-0.0000000001', note: 'changed' },
      { tenant: 2, id: '1', amount: '12345678901234567890.0123456789', note: null },
    ]);
    expect(await offsets('dr.src.public.typed')).toEqual([
      { partition: 0, next: '5', position: { kind: 'postgres', lsn: '0/14', txIndex: 0 } },
    ]);
  });

  it('re-applying a batch is a no-op, and an overlapping batch applies only new offsets', async () => {
    const events = [
      message('plain', 'c', { id: 1, v: 'one' }, 0),
      message('plain', 'c', { id: 2, v: 'two' }, 1),
      message('plain', 'c', { id: 3, v: 'p1' }, 0, { partition: 1 }),
    ];
    expect(await applyChangeBatch(client, batchOf('plain', events), { shapes })).toEqual({
      applied: 3,
      skipped: 0,
      upserts: 3,
      deletes: 0,
    });
    // A change made behind the loader's back shows whether a replay writes again.
    await client.query("UPDATE public.plain SET v = 'manual' WHERE id = 1");
    expect(await applyChangeBatch(client, batchOf('plain', events), { shapes })).toEqual({
      applied: 0,
      skipped: 3,
      upserts: 0,
      deletes: 0,
    });
    expect(await plainRows()).toEqual([
      { id: 1, v: 'manual' },
      { id: 2, v: 'two' },
      { id: 3, v: 'p1' },
    ]);
    const overlapping = [
      message('plain', 'u', { id: 1, v: 'replayed' }, 0),
      message('plain', 'd', { id: 2, v: 'two' }, 1),
      message('plain', 'u', { id: 2, v: 'new two' }, 2),
      message('plain', 'c', { id: 4, v: 'four' }, 3),
    ];
    expect(await applyChangeBatch(client, batchOf('plain', overlapping), { shapes })).toEqual({
      applied: 2,
      skipped: 2,
      upserts: 2,
      deletes: 0,
    });
    expect(await plainRows()).toEqual([
      { id: 1, v: 'manual' },
      { id: 2, v: 'new two' },
      { id: 3, v: 'p1' },
      { id: 4, v: 'four' },
    ]);
    expect((await offsets('dr.src.public.plain')).map((r) => [r.partition, r.next])).toEqual([
      [0, '4'],
      [1, '1'],
    ]);
  });

  it('collapses per key: insert+update+delete leaves nothing, update+update leaves the last', async () => {
    await client.query('INSERT INTO public.strict VALUES (2, 0)');
    const result = await applyChangeBatch(
      client,
      batchOf('strict', [
        message('strict', 'c', { id: 1, n: 1 }, 0),
        message('strict', 'u', { id: 1, n: 2 }, 1),
        message('strict', 'u', { id: 2, n: 20 }, 2),
        message('strict', 'd', { id: 1 }, 3),
        message('strict', 'u', { id: 2, n: 21 }, 4),
      ]),
      { shapes },
    );
    expect(result).toEqual({ applied: 5, skipped: 0, upserts: 1, deletes: 0 });
    const { rows } = await client.query('SELECT id, n FROM public.strict ORDER BY id');
    expect(rows).toEqual([{ id: 2, n: 21 }]);
  });

  it('keeps a TOAST-sized column the update lists in unchanged_columns', async () => {
    const big = randomBytes(50_000).toString('hex');
    await applyChangeBatch(
      client,
      batchOf('toasty', [message('toasty', 'c', { id: 1, note: 'a', big_text: big }, 0)]),
      { shapes },
    );
    const result = await applyChangeBatch(
      client,
      batchOf('toasty', [
        message('toasty', 'u', { id: 1, note: 'b' }, 1, { unchanged: ['big_text'] }),
      ]),
      { shapes },
    );
    expect(result.upserts).toBe(1);
    const { rows } = await client.query(
      'SELECT note, md5(big_text) AS hash, length(big_text) AS size FROM public.toasty',
    );
    expect(rows).toEqual([{ note: 'b', hash: md5(big), size: 100_000 }]);

    // Insert and TOAST-less update of one key in one batch: the update inherits the value; an
    // update of a row the target lacks is not turned into a row with an invented value.
    const other = randomBytes(50_000).toString('hex');
    const mixed = await applyChangeBatch(
      client,
      batchOf('toasty', [
        message('toasty', 'c', { id: 2, note: 'a', big_text: other }, 2),
        message('toasty', 'u', { id: 2, note: 'c' }, 3, { unchanged: ['big_text'] }),
        message('toasty', 'u', { id: 3, note: 'x' }, 4, { unchanged: ['big_text'] }),
      ]),
      { shapes },
    );
    expect(mixed).toEqual({ applied: 3, skipped: 0, upserts: 1, deletes: 0 });
    const stored = await client.query(
      'SELECT id, note, md5(big_text) AS hash FROM public.toasty ORDER BY id',
    );
    expect(stored.rows).toEqual([
      { id: 1, note: 'b', hash: md5(big) },
      { id: 2, note: 'c', hash: md5(other) },
    ]);
  });

  it('truncates the table in the same transaction and applies what follows', async () => {
    await client.query(
      "TRUNCATE public.plain; INSERT INTO public.plain VALUES (7, 'old'), (8, 'old')",
    );
    const result = await applyChangeBatch(
      client,
      batchOf('plain', [
        message('plain', 'c', { id: 9, v: 'gone' }, 10),
        message('plain', 't', null, 11),
        message('plain', 'c', { id: 10, v: 'new' }, 12),
      ]),
      { shapes },
    );
    expect(result).toEqual({ applied: 3, skipped: 0, upserts: 1, deletes: 0 });
    expect(await plainRows()).toEqual([{ id: 10, v: 'new' }]);
  });

  it('rolls back rows and offsets together when a statement fails', async () => {
    const before = await offsets('dr.src.public.strict');
    const failing = batchOf('strict', [
      message('strict', 'c', { id: 50, n: 1 }, 5),
      message('strict', 'c', { id: 51, n: 'not a number' }, 6),
    ]);
    await expect(applyChangeBatch(client, failing, { shapes })).rejects.toThrow(
      expect.objectContaining({ code: 'REPL_WRITER_APPLY_FAILED' }),
    );
    expect(await offsets('dr.src.public.strict')).toEqual(before);
    const { rows } = await client.query('SELECT id FROM public.strict WHERE id >= 50');
    expect(rows).toEqual([]);
    const drifted = batchOf('strict', [message('strict', 'c', { id: 52, extra: 1 }, 7)]);
    await expect(applyChangeBatch(client, drifted, { shapes })).rejects.toThrow(
      expect.objectContaining({ code: 'REPL_WRITER_TARGET_TABLE_INVALID' }),
    );
    await expect(
      applyChangeBatch(client, batchOf('absent', [message('absent', 'c', { id: 1 }, 0)])),
    ).rejects.toThrow(expect.objectContaining({ code: 'REPL_WRITER_TARGET_TABLE_INVALID' }));
  });
});
