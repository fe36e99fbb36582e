/**
 * Kafka bookkeeping for the CLI suites: the `--bus` value for the test broker, and dropping the
 * topics of a job (`dr.<jobId>.*`) afterwards, so runs do not pile topics up on the broker.
 */
import kafkajs from 'kafkajs';
import { requiredEnv } from '../../support/describe-with-services.js';

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
