/**
 * Topics a suite created on the test Kafka cluster, removed after it: suites name their topics
 * at random, so each deletes exactly its own.
 */
import kafkajs from 'kafkajs';
import { requiredEnv } from './describe-with-services.js';

const { Kafka, logLevel } = kafkajs;

/** The brokers of the test Kafka cluster (`KAFKA_BROKERS`). */
export function kafkaBrokers(): string[] {
  return requiredEnv('KAFKA_BROKERS').split(',');
}

/** Deletes those of `topics` that exist (a test that failed early may not have created its). */
export async function deleteKafkaTopics(topics: readonly string[]): Promise<void> {
  const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((name) => existing.has(name));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  } finally {
    await admin.disconnect();
  }
}
