/**
 * KafkaBus sends uncompressed by default, and a broker refuses a record batch above its
 * `message.max.bytes` (1 MiB by default): one `sendTopics` of 3 MiB bound for ONE partition
 * still arrives whole and in order (the producer cuts it into requests below the limit), as it
 * does gzip-compressed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '@database-replicator/core';
import { KafkaBus, type KafkaCompression } from '@database-replicator/bus';
import { describeWithServices } from '../../support/describe-with-services.js';
import { deleteKafkaTopics, kafkaBrokers as brokers } from '../../support/kafka-topics.js';
import { Reader } from './bus-contract.js';

describeWithServices(['kafka'], 'KafkaBus: sends above the broker record batch limit', () => {
  const created: string[] = [];

  afterAll(() => deleteKafkaTopics(created));

  for (const compression of [undefined, 'gzip'] as const) {
    it(`delivers 3 MiB for one partition in one call (${compression ?? 'default'})`, async () => {
      const label = compression ?? 'none';
      const topic = `bus_large_${label}_${randomBytes(4).toString('hex')}`;
      created.push(topic);
      const options = compression === undefined ? {} : { compression };
      const bus = new KafkaBus({
        brokers: brokers(),
        logger: createLogger({ level: 'error' }),
        ...(options satisfies { compression?: KafkaCompression }),
      });
      try {
        await bus.ensureTopics([topic], { partitions: 3 });
        const producer = await bus.producer();
        // Random text: incompressible, so gzip does not save the batch either.
        const messages = Array.from({ length: 3 * 1024 }, (_, index) => ({
          key: 'one-key',
          value: `${index}:${randomBytes(384).toString('hex')}`,
        }));
        await producer.sendTopics([{ topic, messages }]);
        await producer.close();
        const reader = new Reader(
          await bus.consumer({ groupId: `g_${topic}`, topics: [topic], fromBeginning: true }),
        );
        await reader.until(() => reader.received.length >= messages.length, 60_000);
        expect(new Set(reader.received.map((m) => m.partition)).size).toBe(1);
        expect(reader.received.map((m) => Number(m.value?.split(':')[0]))).toEqual(
          messages.map((_, index) => index),
        );
        await reader.consumer.close();
      } finally {
        await bus.close();
      }
    });
  }
});
