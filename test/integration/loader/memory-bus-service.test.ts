/**
 * The loader service on the in-process bus, as the CLI runs it: it waits (not ready) until an
 * event topic exists, applies events of topics created later by re-joining the group, and stops
 * on abort with the counts of every generation.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, createLogger, serializeChangeEvent } from '@database-replicator/core';
import { MemoryBus } from '@database-replicator/bus';
import { runLoaderService } from '@database-replicator/runtime';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { waitFor } from '../../support/wait-for.js';
import { insertEvent, tableTopic } from './loader-support.js';

describeWithServices(['postgres'], 'loader service on MemoryBus', () => {
  let dbs: TestDatabases;

  beforeAll(async () => {
    dbs = await createTestDatabases('loader_memory');
    await dbs.target(`CREATE TABLE public.a (id int PRIMARY KEY, v text);
                      CREATE TABLE public.b (id int PRIMARY KEY, v text)`);
  });
  afterAll(async () => {
    await dbs?.drop();
  });

  it('waits for a topic, follows new topics, and stops on abort', async () => {
    const bus = new MemoryBus();
    const aborter = new AbortController();
    const consuming: (readonly string[])[] = [];
    const running = runLoaderService({
      bus,
      targetUrl: new Secret(dbs.targetUrl),
      topicPrefix: 'mem',
      consumerGroup: 'mem-loader',
      signal: aborter.signal,
      logger: createLogger({ level: 'silent' }),
      topicPollMs: 100,
      onConsuming: (topics) => consuming.push(topics),
    });
    const producer = await bus.producer();
    const send = async (table: string, ids: number[]): Promise<void> => {
      const topic = tableTopic('mem', table);
      await bus.ensureTopics([topic], { partitions: 2 });
      await producer.send(
        topic,
        ids.map((id) => ({
          key: JSON.stringify({ id }),
          value: serializeChangeEvent(insertEvent(table, { id, v: `${table}${id}` }, id)),
        })),
      );
    };
    const count = async (table: string): Promise<number> =>
      Number(
        (await queryOnce(dbs.targetUrl, `SELECT count(*) AS n FROM public.${table}`)).rows[0]?.n,
      );
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(consuming).toEqual([]);
      await send('a', [1, 2, 3]);
      await waitFor('table a', async () => (await count('a')) === 3);
      await send('b', [1, 2]);
      await send('a', [4]);
      await waitFor(
        'tables a and b',
        async () => (await count('b')) === 2 && (await count('a')) === 4,
      );
    } finally {
      aborter.abort();
      await producer.close();
    }
    expect(await running).toEqual({
      applied: 6,
      skipped: 0,
      deadLettered: 0,
      tombstones: 0,
      otherIncarnations: 0,
    });
    expect(consuming).toEqual([
      [tableTopic('mem', 'a')],
      [tableTopic('mem', 'a'), tableTopic('mem', 'b')],
    ]);
    await bus.close();
  });
});
