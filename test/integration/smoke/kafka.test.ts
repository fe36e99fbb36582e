/**
 * Smoke test for the Kafka broker `test/services/run up kafka` starts (one KRaft node), through
 * kafkajs, the client the replicator uses: topics only exist when created, keyed messages written
 * with acks=all come back through a consumer group in per-key order on one partition per key, and
 * the group's committed offsets are what the admin API reports and where a new member resumes.
 */
import kafkajs from 'kafkajs';
import type { Admin, Consumer, KafkaMessage, Producer } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';

// kafkajs is CommonJS; Node's ESM loader cannot see all of its named exports.
const { Kafka, logLevel, Partitioners, ConfigResourceTypes } = kafkajs;

interface Received {
  key: string;
  value: string;
  partition: number;
  offset: number;
}

function received(partition: number, message: KafkaMessage): Received {
  return {
    key: message.key?.toString() ?? '',
    value: message.value?.toString() ?? '',
    partition,
    offset: Number(message.offset),
  };
}

describeWithServices(['kafka'], 'kafka smoke', () => {
  const suffix = `${process.pid}_${Date.now()}`;
  const topic = `smoke_${suffix}`;
  const groupId = `smoke_group_${suffix}`;
  // With the default (Java-compatible murmur2) partitioner these six keys land on all 3 partitions.
  const keys = ['customer-1', 'customer-2', 'customer-3', 'customer-4', 'customer-5', 'customer-6'];
  const perKey = 4;

  const kafka = new Kafka({
    clientId: 'database-replicator-smoke',
    brokers: requiredEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
  });
  // Filled in by the round trip, checked by the resume test.
  const partitionOf = new Map<string, number>();
  const committedOffset = new Map<number, number>();
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  const consumers: Consumer[] = [];

  function theAdmin(): Admin {
    if (admin === undefined) throw new Error('admin client was not connected');
    return admin;
  }
  function theProducer(): Producer {
    if (producer === undefined) throw new Error('producer was not connected');
    return producer;
  }

  /**
   * Runs a new member of `groupId` from the earliest offset (for a group without commits) until
   * `count` messages arrived; commits nothing by itself. Resolves with the messages in arrival order.
   */
  async function consume(count: number): Promise<{ consumer: Consumer; messages: Received[] }> {
    // A short fetch long-poll: disconnect() waits for the fetch in flight (5 s by default).
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const messages: Received[] = [];
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`consumed ${messages.length} of ${count} messages within 30 s`)),
        30_000,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            messages.push(received(partition, message));
            if (messages.length >= count) resolve();
          },
        })
        .catch(reject);
    }).finally(() => clearTimeout(timer));
    return { consumer, messages };
  }

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  afterAll(async () => {
    try {
      for (const consumer of consumers) await consumer.disconnect();
      await producer?.disconnect();
      if (admin !== undefined) {
        if (consumers.length > 0) await admin.deleteGroups([groupId]);
        await admin.deleteTopics({ topics: [topic] });
        expect(await admin.listTopics()).not.toContain(topic);
      }
    } finally {
      await admin?.disconnect();
    }
  });

  it('creates topics only on request', async () => {
    const cluster = await theAdmin().describeCluster();
    const broker = cluster.brokers[0];
    expect(broker).toBeDefined();
    const configs = await theAdmin().describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.BROKER,
          name: String(broker?.nodeId),
          configNames: ['auto.create.topics.enable'],
        },
      ],
    });
    expect(configs.resources[0]?.configEntries).toEqual([
      expect.objectContaining({ configName: 'auto.create.topics.enable', configValue: 'false' }),
    ]);

    const metadata = await theAdmin().fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);

    // A producer asks for the topic's metadata with auto creation allowed; the broker refuses.
    const missing = `${topic}_missing`;
    const eager = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 0 },
    });
    await eager.connect();
    try {
      await expect(
        eager.send({ topic: missing, acks: -1, messages: [{ key: 'k', value: 'v' }] }),
      ).rejects.toThrow(/does not host this topic-partition/);
    } finally {
      await eager.disconnect();
    }
    expect(await theAdmin().listTopics()).not.toContain(missing);
  });

  it('round-trips keyed messages through a consumer group and commits their offsets', async () => {
    const sent = keys.flatMap((key) =>
      Array.from({ length: perKey }, (_, i) => ({ key, value: `${key}#${i}` })),
    );
    const metadata = await theProducer().send({ topic, acks: -1, messages: sent });
    // acks=all: every partition written to answers without an error and from offset 0.
    expect(metadata.length).toBeGreaterThan(0);
    for (const written of metadata) {
      expect(written).toMatchObject({ topicName: topic, errorCode: 0, baseOffset: '0' });
    }

    const { consumer, messages } = await consume(sent.length);
    expect(messages).toHaveLength(sent.length);
    expect(messages.map(({ key, value }) => ({ key, value }))).toEqual(
      expect.arrayContaining(sent),
    );

    // Same key, same partition; all three partitions used; per-key order kept.
    for (const m of messages) {
      expect(partitionOf.get(m.key) ?? m.partition).toBe(m.partition);
      partitionOf.set(m.key, m.partition);
    }
    expect(new Set(partitionOf.values())).toEqual(new Set([0, 1, 2]));
    for (const key of keys) {
      expect(messages.filter((m) => m.key === key).map((m) => m.value)).toEqual(
        Array.from({ length: perKey }, (_, i) => `${key}#${i}`),
      );
    }

    // Each partition's offsets run 0..n-1 and its high watermark is n.
    const offsets = await theAdmin().fetchTopicOffsets(topic);
    expect(offsets).toHaveLength(3);
    for (const { partition, high, low } of offsets) {
      const inPartition = messages.filter((m) => m.partition === partition).map((m) => m.offset);
      expect(inPartition).toEqual(inPartition.map((_, i) => i));
      expect(low).toBe('0');
      expect(high).toBe(String(inPartition.length));
    }

    // Commit the next offset to read, per partition, and read the commits back.
    await consumer.commitOffsets(
      offsets.map(({ partition, high }) => ({ topic, partition, offset: high })),
    );
    const committed = await theAdmin().fetchOffsets({ groupId, topics: [topic] });
    expect(committed).toHaveLength(1);
    expect(committed[0]?.topic).toBe(topic);
    const byPartition = new Map(
      (committed[0]?.partitions ?? []).map(({ partition, offset }) => [partition, offset]),
    );
    expect(byPartition).toEqual(new Map(offsets.map(({ partition, high }) => [partition, high])));
    for (const { partition, high } of offsets) committedOffset.set(partition, Number(high));
    // Leaves the group, so the next member gets all partitions without waiting for a timeout.
    await consumer.disconnect();
  });

  it('a new member of the group resumes after the committed offsets', async () => {
    expect(committedOffset.size).toBe(3); // the round trip committed
    const more = keys.map((key) => ({ key, value: `${key}#late` }));
    await theProducer().send({ topic, acks: -1, messages: more });
    const { messages } = await consume(more.length);
    // Exactly the new messages: nothing before the commits is read again.
    expect(messages).toHaveLength(more.length);
    expect(messages.map(({ key, value }) => ({ key, value }))).toEqual(
      expect.arrayContaining(more),
    );
    for (const m of messages) {
      expect(m.partition).toBe(partitionOf.get(m.key));
      expect(m.offset).toBeGreaterThanOrEqual(committedOffset.get(m.partition) ?? Infinity);
    }
  });
});
