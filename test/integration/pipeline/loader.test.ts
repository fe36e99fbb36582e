/**
 * The loader loop end to end on a real in-process bus and a real PostgreSQL target: events and a
 * poison message go through MemoryBus, `applyChangeBatch` writes them with their offsets, and a
 * replay of the whole topic (a fresh bus group, same loader group) changes nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  Secret,
  createLogger,
  serializeChangeEvent,
  type ChangeEvent,
  type ChangeRow,
} from '@database-replicator/core';
import { MemoryBus } from '@database-replicator/bus';
import {
  TargetTableShapeCache,
  applyChangeBatch,
  applyCopyChunks,
  connectPostgres,
  migrateReplicatorSchema,
  type PostgresClient,
} from '@database-replicator/postgres';
import {
  runLoader,
  type ChangeApplier,
  type DeadLetter,
  type LoaderStats,
} from '@database-replicator/pipeline';
import { streamedChange } from '../../support/change-events.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

const GROUP = 'loader';
const TOPIC = 'dr.src.public.items';
const logger = createLogger({ level: 'silent' });

function event(op: ChangeEvent['op'], row: ChangeRow, lsn: string, table = 'items'): string {
  return serializeChangeEvent(
    streamedChange(table, op, row, { kind: 'postgres', lsn, txIndex: 0 }),
  );
}

describeWithServices(['postgres'], 'pipeline: loader on MemoryBus and PostgreSQL', () => {
  let dbs: TestDatabases;
  let client: PostgresClient;
  let bus: MemoryBus;
  const shapes = new TargetTableShapeCache();

  beforeAll(async () => {
    dbs = await createTestDatabases('loader');
    client = await connectPostgres(new Secret(dbs.targetUrl));
    await migrateReplicatorSchema(client);
    await client.query('CREATE TABLE public.items (id int PRIMARY KEY, v text NOT NULL)');
    // Small consumer batches so the run spans several batches and commits.
    bus = new MemoryBus({ maxBatchMessages: 3 });
    await bus.ensureTopics([TOPIC], { partitions: 1 });
    // MemoryBus keeps a record until every group that ever subscribed has committed past it:
    // subscribing the replay group now keeps the whole topic readable for the replay.
    await (await bus.consumer({ groupId: 'run-2', topics: [TOPIC], fromBeginning: true })).close();
    const producer = await bus.producer();
    await producer.send(TOPIC, [
      { key: '{"id":1}', value: event('c', { id: 1, v: 'one' }, '0/10') },
      { key: '{"id":2}', value: event('c', { id: 2, v: 'two' }, '0/20') },
      { key: '{"id":3}', value: '{"op":"c","after":' },
      { key: '{"id":1}', value: event('u', { id: 1, v: 'uno' }, '0/30') },
      { key: '{"id":2}', value: event('d', { id: 2, v: 'two' }, '0/40') },
      { key: '{"id":2}', value: null },
      { key: '{"id":4}', value: event('c', { id: 4, v: 'four' }, '0/50') },
      // A table the target does not have: the writer rejects it, the loader dead-letters it.
      { key: '{"id":5}', value: event('c', { id: 5, v: 'five' }, '0/60', 'missing') },
    ]);
    await producer.close();
  });
  afterAll(async () => {
    await bus?.close();
    await client?.close();
    await dbs?.drop();
  });

  const applier: ChangeApplier = {
    apply: (batch) => applyChangeBatch(client, batch, { shapes }),
    applyCopyChunks: (batch) => applyCopyChunks(client, batch, shapes),
  };

  /** Runs the loader with bus group `busGroup` until offset 8 is committed. */
  async function load(busGroup: string): Promise<{ stats: LoaderStats; letters: DeadLetter[] }> {
    const aborter = new AbortController();
    const consumer = await bus.consumer({
      groupId: busGroup,
      topics: [TOPIC],
      fromBeginning: true,
      signal: aborter.signal,
    });
    const letters: DeadLetter[] = [];
    try {
      const stats = await runLoader({
        consumer,
        applier,
        deadLetters: { send: (letter) => Promise.resolve(void letters.push(letter)) },
        keyColumnsOf: async (table) => (table.table === 'unplanned' ? undefined : ['id']),
        consumerGroup: GROUP,
        maxBatchMessages: 100,
        signal: aborter.signal,
        logger,
        onCommit: ({ nextOffset }) => {
          if (nextOffset === '8') aborter.abort();
        },
      });
      return { stats, letters };
    } finally {
      await consumer.close();
    }
  }

  async function rows() {
    return (await client.query('SELECT id, v FROM public.items ORDER BY id')).rows;
  }

  async function offsets() {
    const { rows: stored } = await client.query(
      `SELECT consumer_group, topic, partition, next_offset::text AS next
         FROM _replicator.offsets ORDER BY consumer_group, topic, partition`,
    );
    return stored;
  }

  it('applies the topic, dead-letters the poison message, stores the offsets', async () => {
    const { stats, letters } = await load('run-1');
    expect(stats).toEqual({
      applied: 5,
      skipped: 0,
      deadLettered: 2,
      tombstones: 1,
      otherIncarnations: 0,
    });
    expect(await rows()).toEqual([
      { id: 1, v: 'uno' },
      { id: 4, v: 'four' },
    ]);
    expect(await offsets()).toEqual([
      { consumer_group: GROUP, topic: TOPIC, partition: 0, next: '7' },
    ]);
    expect(letters.map((l) => [l.offset, l.code])).toEqual([
      ['2', 'REPL_EVENT_INVALID'],
      ['7', 'REPL_WRITER_TARGET_TABLE_INVALID'],
    ]);
    expect(letters[0]).toMatchObject({
      topic: TOPIC,
      partition: 0,
      offset: '2',
      key: '{"id":3}',
      value: '{"op":"c","after":',
      code: 'REPL_EVENT_INVALID',
    });
    expect(letters[0]?.reason).toMatch(/not valid JSON/);
  });

  it('replays the whole topic from offset 0 without changing the target', async () => {
    // A row changed behind the loader's back shows whether a replayed event is written again.
    await client.query(`UPDATE public.items SET v = 'manual' WHERE id = 1`);
    const { stats } = await load('run-2');
    expect(stats).toEqual({
      applied: 0,
      skipped: 5,
      deadLettered: 2,
      tombstones: 1,
      otherIncarnations: 0,
    });
    expect(await rows()).toEqual([
      { id: 1, v: 'manual' },
      { id: 4, v: 'four' },
    ]);
    expect(await offsets()).toEqual([
      { consumer_group: GROUP, topic: TOPIC, partition: 0, next: '7' },
    ]);
  });
});
