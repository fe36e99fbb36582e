/**
 * Kafka bookkeeping for the CLI suites: the `--bus` value for the test broker, and dropping the
 * topics of a job (`dr.<jobId>.*`) afterwards, so runs do not pile topics up on the broker.
 */
import kafkajs from 'kafkajs';
import { requiredEnv } from '../../support/describe-with-services.js';
import { waitFor } from '../../support/wait-for.js';

// kafkajs is CommonJS; Node's ESM loader cannot see all of its named exports.
const { Kafka, logLevel } = kafkajs;

/** `kafka://host:port[,host:port]` of the test broker, for `--bus`. */
export function kafkaBusFlag(): string {
  return `kafka://${requiredEnv('KAFKA_BROKERS')}`;
}

/** Deletes every topic whose name starts with `dr.<jobId>.`, and the job's consumer group. */
export async function deleteJobTopics(jobId: string): Promise<void> {
  const admin = new Kafka({
    brokers: requiredEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`dr.${jobId}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId);
    if (groups.includes(`dr-loader-${jobId}`)) await admin.deleteGroups([`dr-loader-${jobId}`]);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The values of header `name` over every message of the job's event topics (the dead-letter
 * topic left out), each with the number of messages carrying it; `(none)` counts messages
 * without the header.
 */
export async function headerValues(jobId: string, name: string): Promise<Map<string, number>> {
  const kafka = new Kafka({
    brokers: requiredEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  let topics: string[];
  try {
    topics = (await admin.listTopics()).filter(
      (topic) => topic.startsWith(`dr.${jobId}.`) && !topic.endsWith('.dead-letters'),
    );
    for (const topic of topics) {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
        if (Number(high) > 0) ends.set(`${topic}/${partition}`, Number(high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const values = new Map<string, number>();
  const reached = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `dr-test-headers-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const value = message.headers?.[name]?.toString() ?? '(none)';
        values.set(value, (values.get(value) ?? 0) + 1);
        reached.set(`${topic}/${partition}`, Number(message.offset) + 1);
      },
    });
    await waitFor(
      `every message of ${topics.length} topics`,
      () => [...ends].every(([key, end]) => (reached.get(key) ?? 0) >= end),
      30_000,
    );
  } finally {
    await consumer.disconnect();
  }
  return values;
}
