/**
 * KafkaBus against the broker `test/services/run up kafka` starts: the shared Bus contract, and
 * end offsets read while the same client creates other topics (kafkajs shares its metadata
 * between them).
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { createLogger } from '@database-replicator/core';
import { KafkaBus } from '@database-replicator/bus';
import kafkajs from 'kafkajs';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';
import { describeBusContract } from './bus-contract.js';

// kafkajs is CommonJS; Node's ESM loader cannot see all of its named exports.
const { Kafka, logLevel } = kafkajs;

describeWithServices(['kafka'], 'KafkaBus', () => {
  describeBusContract('KafkaBus', async () => {
    const brokers = requiredEnv('KAFKA_BROKERS').split(',');
    const bus = new KafkaBus({ brokers, logger: createLogger({ level: 'error' }) });
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    return {
      bus,
      dropTopics: async (names) => {
        const existing = new Set(await admin.listTopics());
        const topics = names.filter((name) => existing.has(name));
        if (topics.length > 0) await admin.deleteTopics({ topics });
      },
      close: async () => {
        await bus.close();
        await admin.disconnect();
      },
    };
  });

  it('reads end offsets while the same client creates other topics', async () => {
    const brokers = requiredEnv('KAFKA_BROKERS').split(',');
    const bus = new KafkaBus({ brokers, logger: createLogger({ level: 'error' }) });
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    const prefix = `kb_ends_${randomBytes(4).toString('hex')}`;
    await admin.connect();
    try {
      const read = [`${prefix}_a`, `${prefix}_b`];
      await bus.ensureTopics(read, { partitions: 6 });
      const producer = await bus.producer();
      await producer.send(read[0] ?? '', [{ key: 'k', value: 'v' }]);
      await producer.close();
      // Through the admin client that creates topics, about one read in twenty failed here with
      // kafkajs's TypeError.
      const stopAt = Date.now() + 6000;
      const created = (async () => {
        for (let i = 0; Date.now() < stopAt; i++) {
          await bus.ensureTopics([`${prefix}_new${i}`], { partitions: 1 });
        }
      })();
      let reads = 0;
      const readers = Array.from({ length: 3 }, async () => {
        while (Date.now() < stopAt) {
          const topic = read[reads++ % 2] ?? '';
          const ends = await bus.endOffsets(topic);
          expect(ends).toHaveLength(6);
          expect(ends.reduce((sum, end) => sum + Number(end), 0)).toBe(topic === read[0] ? 1 : 0);
        }
      });
      await Promise.all([created, ...readers]);
      expect(reads).toBeGreaterThan(10);
    } finally {
      await bus.close();
      const topics = (await admin.listTopics()).filter((name) => name.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      await admin.disconnect();
    }
  }, 60_000);
});
