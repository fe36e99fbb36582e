/**
 * Schema changes (`s` events) in applyChangeBatch: applied in event order between the rows
 * before and after them, in the batch's transaction with the offsets; each partition's copy is
 * applied once (later copies and replays are skipped or no-ops); rows of a partition that lags
 * behind a rename or drop applied from another partition are translated; the shape cache is
 * refreshed; a failing change rolls back the whole batch, offsets included.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  Secret,
  type ChangeEvent,
  type ChangeRow,
  type SchemaChange,
} from '@database-replicator/core';
import {
  TargetTableShapeCache,
  applyChangeBatch,
  connectPostgres,
  migrateReplicatorSchema,
  type BatchEvent,
  type ChangeBatch,
  type PostgresClient,
} from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

const GROUP = 'loader';
const TOPIC = 'dr.src.app.t';

function source(pos: number): ChangeEvent['source'] {
  return {
    connector: 'mysql',
    name: 'src',
    db: 'app',
    schema: null,
    table: 't',
    snapshot: 'false',
    position: { kind: 'mysql', gtidSet: '', file: 'bin.000001', pos, eventIndex: 0 },
    ts_ms: 0,
  };
}

function row(partition: number, offset: number, pos: number, after: ChangeRow): BatchEvent {
  return {
    topic: TOPIC,
    partition,
    offset: String(offset),
    event: { op: 'c', before: null, after, source: source(pos), ts_ms: 0 },
  };
}

function schema(partition: number, offset: number, pos: number, change: SchemaChange): BatchEvent {
  return {
    topic: TOPIC,
    partition,
    offset: String(offset),
    event: {
      op: 's',
      before: null,
      after: null,
      source: source(pos),
      ts_ms: 0,
      schema_change: change,
    },
  };
}

function batch(events: BatchEvent[]): ChangeBatch {
  return { consumerGroup: GROUP, table: { schema: 'app', table: 't' }, keyColumns: ['id'], events };
}

const ADD: SchemaChange = {
  kind: 'add_column',
  column: { name: 'qty', type: 'integer', nullable: false },
  default: 7,
  statement: 'ALTER TABLE t ADD qty int NOT NULL DEFAULT 7',
};
const DROP: SchemaChange = { kind: 'drop_column', column: 'c', statement: 'ALTER TABLE t DROP c' };
const RENAME: SchemaChange = {
  kind: 'rename_column',
  column: 'r',
  new_name: 'r 2',
  statement: 'ALTER TABLE t RENAME COLUMN r TO `r 2`',
};

describeWithServices(['postgres'], 'postgres writer: schema changes', () => {
  let dbs: TestDatabases;
  let client: PostgresClient;
  const shapes = new TargetTableShapeCache();

  async function rows(): Promise<unknown[]> {
    return (await client.query('SELECT * FROM app.t ORDER BY id')).rows;
  }

  beforeAll(async () => {
    dbs = await createTestDatabases('writer_ddl');
    client = await connectPostgres(new Secret(dbs.targetUrl));
    await migrateReplicatorSchema(client);
    await client.query(
      'CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY, a text, c text, r text)',
    );
  });
  afterAll(async () => {
    await client?.close();
    await dbs?.drop();
  });

  it('applies changes between the rows in event order, once per change across partitions', async () => {
    const first = await applyChangeBatch(
      client,
      batch([
        row(0, 0, 100, { id: 1, a: 'a1', c: 'c1', r: 'r1' }),
        schema(0, 1, 200, ADD),
        row(0, 2, 210, { id: 2, a: 'a2', c: 'c2', r: 'r2', qty: 3 }),
        schema(0, 3, 300, DROP),
        schema(0, 4, 400, RENAME),
        row(0, 5, 410, { id: 3, a: 'a3', 'r 2': 'r3', qty: 4 }),
      ]),
      { shapes },
    );
    expect(first).toEqual({ applied: 6, skipped: 0, upserts: 3, deletes: 0 });
    expect(await rows()).toEqual([
      { id: 1, a: 'a1', 'r 2': 'r1', qty: 7 },
      { id: 2, a: 'a2', 'r 2': 'r2', qty: 3 },
      { id: 3, a: 'a3', 'r 2': 'r3', qty: 4 },
    ]);

    // Partition 1 lags: its rows before the changes still name c and r; its copies change nothing.
    const lagging = await applyChangeBatch(
      client,
      batch([
        row(1, 0, 150, { id: 4, a: 'a4', c: 'c4', r: 'r4' }),
        schema(1, 1, 200, ADD),
        row(1, 2, 250, { id: 5, a: 'a5', c: 'c5', r: 'r5', qty: 5 }),
        schema(1, 3, 300, DROP),
        schema(1, 4, 400, RENAME),
        row(1, 5, 420, { id: 6, a: 'a6', 'r 2': 'r6', qty: 6 }),
      ]),
      { shapes },
    );
    expect(lagging.applied).toBe(6);
    expect(await rows()).toEqual([
      { id: 1, a: 'a1', 'r 2': 'r1', qty: 7 },
      { id: 2, a: 'a2', 'r 2': 'r2', qty: 3 },
      { id: 3, a: 'a3', 'r 2': 'r3', qty: 4 },
      { id: 4, a: 'a4', 'r 2': 'r4', qty: 7 },
      { id: 5, a: 'a5', 'r 2': 'r5', qty: 5 },
      { id: 6, a: 'a6', 'r 2': 'r6', qty: 6 },
    ]);
    // A partition that lags behind everything applies only rows, still translated.
    const behind = await applyChangeBatch(
      client,
      batch([row(2, 0, 120, { id: 7, a: 'a7', c: 'c7', r: 'r7' })]),
      { shapes },
    );
    expect(behind.applied).toBe(1);
    expect((await rows()).at(-1)).toEqual({ id: 7, a: 'a7', 'r 2': 'r7', qty: 7 });

    // A replay of partition 0 is skipped as a whole.
    const replay = await applyChangeBatch(
      client,
      batch([schema(0, 3, 300, DROP), schema(0, 4, 400, RENAME)]),
      { shapes },
    );
    expect(replay).toEqual({ applied: 0, skipped: 2, upserts: 0, deletes: 0 });
    const { rows: notNull } = await client.query(
      "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'app.t'::regclass AND attname = 'qty'",
    );
    expect(notNull).toEqual([{ attnotnull: true }]);
  });

  it('rolls back a failing change with the rows and offsets of its batch', async () => {
    const bad: SchemaChange = {
      kind: 'add_column',
      column: { name: 'x', type: 'integer; DROP TABLE app.t', nullable: true },
      default: null,
      statement: 'ALTER TABLE t ADD x int',
    };
    await expect(
      applyChangeBatch(
        client,
        batch([row(0, 6, 500, { id: 8, a: 'a8', 'r 2': 'r8', qty: 1 }), schema(0, 7, 600, bad)]),
        { shapes },
      ),
    ).rejects.toMatchObject({ code: 'REPL_WRITER_EVENT_INVALID' });
    expect((await rows()).map((r) => (r as { id: number }).id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const { rows: offsets } = await client.query(
      'SELECT next_offset::text AS next FROM _replicator.offsets WHERE partition = 0',
    );
    expect(offsets).toEqual([{ next: '6' }]);
  });

  it('creates a table from a create_table change, idempotently', async () => {
    const create: SchemaChange = {
      kind: 'create_table',
      columns: [
        { name: 'id', type: 'bigint', nullable: false },
        { name: 'v', type: 'numeric(12,2)', nullable: true },
      ],
      key_columns: ['id'],
      statement: 'CREATE TABLE n (id bigint primary key, v decimal(12,2))',
    };
    const target = { schema: 'app', table: 'n' };
    await client.query('CREATE TABLE app.n (id bigint PRIMARY KEY, v numeric(12,2))');
    const event = schema(0, 0, 700, create);
    const applied = await applyChangeBatch(
      client,
      {
        consumerGroup: GROUP,
        table: target,
        keyColumns: ['id'],
        events: [{ ...event, topic: 'dr.src.app.n' }],
      },
      { shapes },
    );
    expect(applied.applied).toBe(1);
    await client.query('DROP TABLE app.n');
    await client.query('CREATE TABLE app.n (id bigint PRIMARY KEY)');
    // The target table exists (the job store created it); a copy of the change leaves it alone.
    await applyChangeBatch(
      client,
      {
        consumerGroup: GROUP,
        table: target,
        keyColumns: ['id'],
        events: [{ ...schema(1, 0, 700, create), topic: 'dr.src.app.n' }],
      },
      { shapes },
    );
    const { rows: columns } = await client.query(
      "SELECT attname FROM pg_attribute WHERE attrelid = 'app.n'::regclass AND attnum > 0 ORDER BY attnum",
    );
    expect(columns).toEqual([{ attname: 'id' }]);
  });
});
