/**
 * Our pipeline's state on a Kafka broker from an earlier run: the job's topics (named
 * `dr.<job id>.<source>.…`, the job id a hash of the source and target locations, so every run
 * of one source has the same) and its loaders' consumer group (`dr-loader-<job id>`). `init`
 * starts on a new target database, and a loader of a new target starts at the group's committed
 * offsets, or at the topics' beginning without them. The loader skips an earlier run's messages
 * (another incarnation of the job), but reading them would still be timed: so they are removed
 * before each run; only the benchmark's topics (source database `bench`) are touched, the broker
 * is shared with the test suites.
 */
import kafkajs from 'kafkajs';
import { waitFor } from '../poll.js';

const BENCH_TOPIC = /^dr\.([0-9a-f]{12})\.bench\./;

/** The broker of `--bus kafka://host:port` in `route`, if any. */
export function kafkaBroker(route: readonly string[]): string | undefined {
  const at = route.indexOf('--bus');
  const bus = at === -1 ? undefined : route[at + 1];
  return bus?.startsWith('kafka://') === true ? bus.slice('kafka://'.length) : undefined;
}

/** Deletes the benchmark jobs' topics and consumer groups; returns what was deleted. */
export async function clearKafkaJobState(broker: string): Promise<string[]> {
  const kafka = new kafkajs.Kafka({
    clientId: 'dr-bench',
    brokers: [broker],
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => BENCH_TOPIC.test(topic));
    const jobs = new Set(topics.map((topic) => BENCH_TOPIC.exec(topic)?.[1] ?? ''));
    const groups = (await admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((group) => jobs.has(group.replace(/^dr-loader-/, '')));
    if (groups.length > 0) await admin.deleteGroups(groups);
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    // Deletion completes in the background: the run would create these names again.
    await waitFor(
      `Kafka to delete ${topics.join(', ')}`,
      60_000,
      async () => !(await admin.listTopics()).some((topic) => topics.includes(topic)),
      250,
    );
    return [...topics, ...groups];
  } finally {
    await admin.disconnect();
  }
}
