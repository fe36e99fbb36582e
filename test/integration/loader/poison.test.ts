/**
 * Poison messages on Kafka: an invalid-JSON message, an event for a table the target does not
 * have, and an event whose value the column type rejects land on `<prefix>.dead-letters` with
 * their reasons and codes, while every valid event is applied and the loader keeps going (new
 * events, and a topic created while it runs, are applied too). In a change chunk, only the
 * refused event is dead-lettered; the chunk's other events are applied, exactly once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  Secret,
  deserializeChangeEvent,
  serializeChangeChunk,
  serializeChangeEvent,
  serializeChunkEvent,
  type ChangeRow,
} from '@database-replicator/core';
import type { BusMessage, BusRecord, KafkaBus } from '@database-replicator/bus';
import { DEAD_LETTER_CODE_HEADER, deadLetterTopic } from '@database-replicator/pipeline';
import {
  MetricsRegistry,
  createLoaderMetrics,
  runLoaderService,
  type LoaderServiceOptions,
} from '@database-replicator/runtime';
import type { LoaderStats } from '@database-replicator/pipeline';
import { describeWithServices } from '../../support/describe-with-services.js';
import { queryOnce, type TestDatabases } from '../../support/postgres-databases.js';
import { waitFor } from '../../support/wait-for.js';
import {
  countPerPartition,
  insertEvent,
  loaderLogger as logger,
  openKafkaLoaderSuite,
  storedOffsets,
  tableTopic,
  uniquePrefix,
  type KafkaLoaderSuite,
} from './loader-support.js';

const GROUP = 'poison-loader';
const PARTITIONS = 3;

/** An insert into items at source position `seq` (increasing in send order, as from a source). */
function itemMessage(id: number, row: ChangeRow, seq: number): BusMessage {
  return {
    key: JSON.stringify({ id }),
    value: serializeChangeEvent(insertEvent('items', row, seq)),
  };
}

/**
 * How both suites run the loader service on `suite`'s bus and target, for the topics of
 * `prefix`: group {@link GROUP}, one partition per topic, new topics looked for every 300 ms.
 */
function serviceOptions(
  suite: KafkaLoaderSuite,
  prefix: string,
  signal: AbortSignal,
): LoaderServiceOptions {
  return {
    bus: suite.bus,
    targetUrl: new Secret(suite.dbs.targetUrl),
    topicPrefix: prefix,
    consumerGroup: GROUP,
    signal,
    logger,
    partitions: 1,
    topicPollMs: 300,
  };
}

describeWithServices(['postgres', 'kafka'], 'loader service: poison messages on Kafka', () => {
  const prefix = uniquePrefix('poison');
  const items = tableTopic(prefix, 'items');
  const ghost = tableTopic(prefix, 'ghost');
  const extra = tableTopic(prefix, 'extra');
  let suite: KafkaLoaderSuite;
  let dbs: TestDatabases;
  let bus: KafkaBus;

  beforeAll(async () => {
    suite = await openKafkaLoaderSuite('loader_poison', prefix);
    ({ dbs, bus } = suite);
    await dbs.target('CREATE TABLE public.items (id int PRIMARY KEY, v text NOT NULL, n numeric)');
    await dbs.target('CREATE TABLE public.extra (id int PRIMARY KEY, v text NOT NULL)');
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('dead-letters the three poison messages with their reasons and applies the rest', async () => {
    await bus.ensureTopics([items, ghost], { partitions: PARTITIONS });
    const valid = Array.from({ length: 20 }, (_, i) =>
      // Source positions follow send order: the uncastable event comes between 10 and 11.
      itemMessage(i + 1, { id: i + 1, v: `v-${i + 1}`, n: `${i + 1}.5` }, i < 10 ? i + 1 : i + 2),
    );
    const invalidJson: BusMessage = { key: '{"id":100}', value: '{"op":"c","after":' };
    const uncastable = itemMessage(101, { id: 101, v: 'bad', n: 'not-a-number' }, 11);
    const unknownTable: BusMessage = {
      key: '{"id":1}',
      value: serializeChangeEvent(insertEvent('ghost', { id: 1 }, 1)),
    };
    const first = [...valid.slice(0, 10), invalidJson, uncastable, ...valid.slice(10)];
    const producer = await bus.producer();
    await producer.send(items, first);
    await producer.send(ghost, [unknownTable]);

    const committed = new Map<string, number>();
    const aborter = new AbortController();
    let stats: LoaderStats | undefined;
    const running = runLoaderService({
      ...serviceOptions(suite, prefix, aborter.signal),
      onCommit: (p) => {
        committed.set(`${p.topic}/${p.partition}`, Number(p.nextOffset));
        stats = p.stats;
      },
    });
    try {
      /** True once the loader committed every message of `messages` on `topic`. */
      const caughtUp = (topic: string, messages: readonly BusMessage[]) => () =>
        [...countPerPartition(messages, PARTITIONS)].every(
          ([partition, count]) => committed.get(`${topic}/${partition}`) === count,
        );
      await waitFor(
        'the first messages',
        () => caughtUp(items, first)() && caughtUp(ghost, [unknownTable])(),
      );

      // It keeps going: more events on the same topic, and a topic created while it runs.
      const more = Array.from({ length: 5 }, (_, i) =>
        itemMessage(21 + i, { id: 21 + i, v: `v-${21 + i}`, n: null }, 200 + i),
      );
      await producer.send(items, more);
      await bus.ensureTopics([extra], { partitions: PARTITIONS });
      const extraMessages: BusMessage[] = [1, 2, 3].map((id) => ({
        key: JSON.stringify({ id }),
        value: serializeChangeEvent(insertEvent('extra', { id, v: `e-${id}` }, 100 + id)),
      }));
      await producer.send(extra, extraMessages);
      await waitFor(
        'the later messages and the new topic',
        () => caughtUp(items, [...first, ...more])() && caughtUp(extra, extraMessages)(),
      );
    } finally {
      aborter.abort();
      await producer.close();
    }
    const totals = await running;

    const { rows } = await queryOnce(
      dbs.targetUrl,
      'SELECT id, v, n::text FROM public.items ORDER BY id',
    );
    expect(rows).toEqual([
      ...Array.from({ length: 20 }, (_, i) => ({ id: i + 1, v: `v-${i + 1}`, n: `${i + 1}.5` })),
      ...Array.from({ length: 5 }, (_, i) => ({ id: 21 + i, v: `v-${21 + i}`, n: null })),
    ]);
    const extraRows = await queryOnce(dbs.targetUrl, 'SELECT id, v FROM public.extra ORDER BY id');
    expect(extraRows.rows).toEqual([1, 2, 3].map((id) => ({ id, v: `e-${id}` })));
    expect(totals).toMatchObject({ applied: 28, deadLettered: 3 });
    expect(stats?.deadLettered).toBe(3);

    const letters = await readDeadLetters(bus, deadLetterTopic(prefix), 3);
    const byCode = new Map(letters.map((letter) => [letter.code, letter]));
    expect([...byCode.keys()].sort()).toEqual([
      'REPL_EVENT_INVALID',
      'REPL_LOADER_TABLE_UNKNOWN',
      'REPL_WRITER_APPLY_FAILED',
    ]);
    expect(byCode.get('REPL_EVENT_INVALID')).toMatchObject({
      topic: items,
      key: '{"id":100}',
      value: invalidJson.value,
      messageKey: '{"id":100}',
      header: 'REPL_EVENT_INVALID',
    });
    expect(byCode.get('REPL_EVENT_INVALID')?.reason).toMatch(/not valid JSON/);
    expect(byCode.get('REPL_LOADER_TABLE_UNKNOWN')).toMatchObject({
      topic: ghost,
      partition: expect.any(Number),
      offset: '0',
      key: '{"id":1}',
      value: unknownTable.value,
      header: 'REPL_LOADER_TABLE_UNKNOWN',
    });
    expect(byCode.get('REPL_LOADER_TABLE_UNKNOWN')?.reason).toMatch(/public\.ghost/);
    expect(byCode.get('REPL_WRITER_APPLY_FAILED')).toMatchObject({
      topic: items,
      key: '{"id":101}',
      value: uncastable.value,
      header: 'REPL_WRITER_APPLY_FAILED',
    });
    expect(byCode.get('REPL_WRITER_APPLY_FAILED')?.reason).toMatch(
      /invalid input syntax for type numeric/,
    );
    for (const letter of letters) expect(Date.parse(letter.at)).not.toBeNaN();
  });
});

describeWithServices(
  ['postgres', 'kafka'],
  'loader service: a poison event in a change chunk',
  () => {
    const prefix = uniquePrefix('chunkpoison');
    const items = tableTopic(prefix, 'items');
    let suite: KafkaLoaderSuite;
    let dbs: TestDatabases;
    let bus: KafkaBus;

    beforeAll(async () => {
      suite = await openKafkaLoaderSuite('loader_chunk_poison', prefix);
      ({ dbs, bus } = suite);
      await dbs.target(
        'CREATE TABLE public.items (id int PRIMARY KEY, v text NOT NULL, n numeric)',
      );
    });
    afterAll(async () => {
      await suite?.close();
    });

    it('dead-letters the refused event alone and applies the rest of its chunk once', async () => {
      await bus.ensureTopics([items], { partitions: 1 });
      const events = Array.from({ length: 6 }, (_, i) =>
        insertEvent(
          'items',
          { id: i + 1, v: `v-${i + 1}`, n: i === 3 ? 'not-a-number' : `${i}.5` },
          i + 1,
        ),
      );
      const source = events[0]?.source;
      if (source === undefined) throw new Error('no events');
      const chunk: BusMessage = {
        key: '{"id":1}',
        value: serializeChangeChunk(source, events.map(serializeChunkEvent)),
      };
      const after: BusMessage = {
        key: '{"id":7}',
        value: serializeChangeEvent(insertEvent('items', { id: 7, v: 'v-7', n: null }, 7)),
      };
      const producer = await bus.producer();
      await producer.send(items, [chunk, after]);
      await producer.close();

      const aborter = new AbortController();
      let next = 0;
      // With metrics on, as a service runs: the instrumented applier must keep the probe.
      const metrics = createLoaderMetrics(new MetricsRegistry());
      const running = runLoaderService({
        ...serviceOptions(suite, prefix, aborter.signal),
        metrics,
        onCommit: (p) => (next = Number(p.nextOffset)),
      });
      try {
        await waitFor('both messages', () => next === 2);
      } finally {
        aborter.abort();
      }
      const totals = await running;
      const { rows } = await queryOnce(
        dbs.targetUrl,
        'SELECT id, n::text FROM public.items ORDER BY id',
      );
      expect(rows).toEqual([
        { id: 1, n: '0.5' },
        { id: 2, n: '1.5' },
        { id: 3, n: '2.5' },
        { id: 5, n: '4.5' },
        { id: 6, n: '5.5' },
        { id: 7, n: null },
      ]);
      expect(totals).toMatchObject({ applied: 6, deadLettered: 1 });
      // The chunk's offset (0) and the event after it (1) are both applied once: next is 2.
      expect(await storedOffsets(dbs.targetUrl, GROUP, items)).toEqual(new Map([[0, 2]]));
      const [letter] = await readDeadLetters(bus, deadLetterTopic(prefix), 1);
      expect(letter).toMatchObject({
        topic: items,
        offset: '0',
        key: '{"id":4}',
        code: 'REPL_WRITER_APPLY_FAILED',
      });
      expect(deserializeChangeEvent(String(letter?.value)).after).toEqual({
        id: 4,
        v: 'v-4',
        n: 'not-a-number',
      });
      expect(letter?.reason).toMatch(/invalid input syntax for type numeric/);
      expect(metrics.deadLetters.value({ code: 'REPL_WRITER_APPLY_FAILED' })).toBe(1);
    });
  },
);

type Letter = Readonly<{
  topic: unknown;
  partition: unknown;
  offset: unknown;
  key: unknown;
  value: unknown;
  reason: string;
  code: string;
  at: string;
  messageKey: string | null;
  header: string | undefined;
}>;

/** Reads `count` dead letters from the start of `topic` with a fresh group; fails on more. */
async function readDeadLetters(bus: KafkaBus, topic: string, count: number): Promise<Letter[]> {
  const aborter = new AbortController();
  const consumer = await bus.consumer({
    groupId: `${topic}-reader`,
    topics: [topic],
    fromBeginning: true,
    signal: aborter.signal,
  });
  const records: BusRecord[] = [];
  let timer = setTimeout(() => aborter.abort(), 15_000);
  try {
    for await (const batch of consumer) {
      records.push(...batch.messages);
      if (records.length >= count) {
        // Read on a little past the expected count: a duplicate letter would show up here.
        clearTimeout(timer);
        timer = setTimeout(() => aborter.abort(), 1_000);
      }
    }
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  expect(records).toHaveLength(count);
  return records.map((record) => {
    const parsed: unknown = JSON.parse(record.value ?? 'null');
    if (typeof parsed !== 'object' || parsed === null) throw new Error('letter is not an object');
    const field = (name: string): unknown => Reflect.get(parsed, name);
    return {
      topic: field('topic'),
      partition: field('partition'),
      offset: field('offset'),
      key: field('key'),
      value: field('value'),
      reason: String(field('reason')),
      code: String(field('code')),
      at: String(field('at')),
      messageKey: record.key,
      header: record.headers[DEAD_LETTER_CODE_HEADER],
    };
  });
}
