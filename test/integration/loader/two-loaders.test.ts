/**
 * Two loader services (child processes, configured through the environment) in one consumer
 * group on a 6-partition topic: both receive partitions; after `kill -9` of one, the survivor
 * takes its partitions over, and the target ends equal to what was produced with nothing
 * applied twice (offsets in `_replicator.offsets`, and an audit trigger counting row writes).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BusMessage } from '@database-replicator/bus';
import { describeWithServices } from '../../support/describe-with-services.js';
import { waitFor } from '../../support/wait-for.js';
import {
  LoaderProcess,
  countPerPartition,
  createAuditedItems,
  expectItemsWrittenOnce,
  itemMessage,
  loaderEnv,
  openKafkaLoaderSuite,
  storedOffsets,
  tableTopic,
  uniquePrefix,
  waitForAppliedCounts,
  type KafkaLoaderSuite,
} from './loader-support.js';

const GROUP = 'pair';
const PARTITIONS = 6;

describeWithServices(['postgres', 'kafka'], 'loader service: two processes share a topic', () => {
  const prefix = uniquePrefix('pair');
  const topic = tableTopic(prefix, 'items');
  let suite: KafkaLoaderSuite;

  beforeAll(async () => {
    suite = await openKafkaLoaderSuite('loader_pair', prefix);
    await createAuditedItems(suite.dbs.targetUrl);
    await suite.bus.ensureTopics([topic], { partitions: PARTITIONS });
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('splits the partitions, and the survivor of a kill -9 takes them over', async () => {
    const { bus, dbs, loaders } = suite;
    const env = loaderEnv({ targetUrl: dbs.targetUrl, prefix, group: GROUP });
    const a = new LoaderProcess(env);
    const b = new LoaderProcess(env);
    loaders.push(a, b);
    for (const loader of [a, b]) await loader.ready();

    // Produce in small steps until both report partitions: the group may rebalance once more
    // after the second member joins, and until then one member may hold all six.
    const producer = await bus.producer();
    const sent: BusMessage[] = [];
    let next = 1;
    const send = async (count: number): Promise<void> => {
      const messages = Array.from({ length: count }, () => itemMessage(next++));
      await producer.send(topic, messages);
      sent.push(...messages);
    };
    try {
      await waitFor(
        'both loaders to commit partitions',
        async () => {
          await send(60);
          return (await a.partitionsOf(topic)).size > 0 && (await b.partitionsOf(topic)).size > 0;
        },
        30_000,
      );
      const before = { a: await a.partitionsOf(topic), b: await b.partitionsOf(topic) };
      expect(before.b.size).toBeLessThan(PARTITIONS);

      await a.kill9();
      await send(600);
    } finally {
      await producer.close();
    }

    const expected = countPerPartition(sent, PARTITIONS);
    await waitForAppliedCounts(
      'the survivor to apply everything',
      { url: dbs.targetUrl, group: GROUP, topic },
      expected,
    );
    // The survivor committed every partition, those the killed one held included.
    await waitFor('the survivor to report all partitions', async () => {
      return (await b.partitionsOf(topic)).size === PARTITIONS;
    });

    expect(await storedOffsets(dbs.targetUrl, GROUP, topic)).toEqual(expected);
    await expectItemsWrittenOnce(dbs.targetUrl, sent.length);
    expect(await b.stop()).toBe(0);
  });
});
