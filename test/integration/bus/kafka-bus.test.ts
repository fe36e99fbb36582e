/**
 * KafkaBus against the broker `test/services/run up kafka` starts: the shared Bus contract.
 */
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
});
