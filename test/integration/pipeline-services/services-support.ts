/**
 * Shared by the distributed-pipeline fault suites: the three services as child processes (the
 * service bins or `database-replicator run <service>`), configured through the environment only
 * (URLs never in argv), names that no other test uses, Kafka's view of the topics (end offsets,
 * rows per topic read back), and an independent digest of a table on either side.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { decodeEventMessage, parseLsn } from '@database-replicator/core';
import { requiredEnv } from '../../support/describe-with-services.js';
import { CLI_PATH } from '../../support/cli.js';
import { queryOnce, withClient } from '../../support/postgres-databases.js';
import { ServiceChild } from '../../support/service-child.js';
import { waitFor } from '../../support/wait-for.js';

const { Kafka, logLevel } = kafkajs;

const bin = (name: string): string =>
  fileURLToPath(new URL(`../../../services/${name}/bin/${name}.js`, import.meta.url));

/** How a service is started: its own bin, or the CLI's `run <service>`. */
export type Launch = 'bin' | 'cli';

export type ServiceName =
  | 'coordinator'
  | 'loader'
  | 'extractor-postgres'
  | 'extractor-mysql'
  | 'extractor-sqlite'
  | 'extractor-mongodb';

/** Names of one test's deployment: topic prefix, NATS prefix, job and consumer group. */
export type Deployment = Readonly<{
  topicPrefix: string;
  natsPrefix: string;
  jobId: string;
  group: string;
}>;

/** Names no other test (or run) uses. */
export function uniqueDeployment(label: string): Deployment {
  const id = `${label}_${randomBytes(4).toString('hex')}`;
  return {
    topicPrefix: `ps_${id}`,
    natsPrefix: `test.ps.${id}`,
    jobId: `ps_${id}`,
    group: `ps-loader-${id}`,
  };
}

/** The environment of each service in `deployment` (no URL ever goes to argv). */
export function serviceEnv(
  service: ServiceName,
  deployment: Deployment,
  urls: Readonly<{ sourceUrl: string; targetUrl: string }>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const common = { DR_HTTP_PORT: '0', DR_LOG_LEVEL: 'info' };
  const bus = `kafka://${requiredEnv('KAFKA_BROKERS')}`;
  const nats = { DR_NATS_URL: requiredEnv('NATS_URL'), DR_NATS_PREFIX: deployment.natsPrefix };
  const extractor = {
    DR_SOURCE_URL: urls.sourceUrl,
    DR_BUS: bus,
    DR_TOPIC_PREFIX: deployment.topicPrefix,
    DR_JOB_ID: deployment.jobId,
    DR_PARTITIONS: '3',
    ...nats,
  };
  const byService: Record<ServiceName, Record<string, string>> = {
    coordinator: { DR_TARGET_URL: urls.targetUrl, ...nats },
    loader: {
      DR_TARGET_URL: urls.targetUrl,
      DR_BUS: bus,
      DR_TOPIC_PREFIX: deployment.topicPrefix,
      DR_CONSUMER_GROUP: deployment.group,
      DR_TOPIC_POLL_MS: '500',
    },
    'extractor-postgres': extractor,
    'extractor-mysql': extractor,
    'extractor-sqlite': extractor,
    'extractor-mongodb': extractor,
  };
  return { ...common, ...byService[service], ...extra };
}

/** A service child process: its own bin, or the CLI's `run <service>`. */
export class ServiceProcess extends ServiceChild {
  constructor(service: ServiceName, launch: Launch, env: Readonly<Record<string, string>>) {
    super(launch === 'bin' ? [bin(service)] : [CLI_PATH, 'run', service], env);
  }
}

/** The services one suite starts, all stopped at its end (those a test stopped already too). */
export class ServiceGroup {
  readonly #children: ServiceProcess[] = [];

  /** Starts a service and keeps it for {@link ServiceGroup.stopAll}. */
  start(...args: ConstructorParameters<typeof ServiceProcess>): ServiceProcess {
    const child = new ServiceProcess(...args);
    this.#children.push(child);
    return child;
  }

  /** SIGTERM to every child still running; resolves once all have exited. */
  async stopAll(): Promise<void> {
    await Promise.all(this.#children.map((child) => child.stop()));
  }
}

/** A table of a job as the coordinator's `GET /jobs/:id/tables` shows it. */
export type CoordinatorTable = Readonly<{
  schema: string;
  table: string;
  phase: string;
  rowsCopied: number;
}>;

/** The job's tables from the coordinator; empty while the job is unknown. */
export async function jobTables(
  coordinator: ServiceProcess,
  jobId: string,
): Promise<CoordinatorTable[]> {
  const { status, body } = await coordinator.get(`/jobs/${jobId}/tables`);
  if (status === 404) return [];
  const tables = Reflect.get(Object(body), 'tables');
  if (status !== 200 || !Array.isArray(tables)) {
    throw new Error(`GET /jobs/${jobId}/tables: ${status} ${JSON.stringify(body)}`);
  }
  return tables.map((t) => ({
    schema: String(t.schema),
    table: String(t.table),
    phase: String(t.phase),
    rowsCopied: Number(t.rowsCopied),
  }));
}

/** Whether the coordinator shows all `count` tables of the job streaming (snapshot done). */
export async function allStreaming(
  coordinator: ServiceProcess,
  jobId: string,
  count: number,
): Promise<boolean> {
  const tables = await jobTables(coordinator, jobId);
  return tables.length === count && tables.every((table) => table.phase === 'streaming');
}

/** The stream position (LSN) of the job's extractor in its last heartbeat, if any. */
export async function heartbeatLsn(
  coordinator: ServiceProcess,
  jobId: string,
): Promise<bigint | undefined> {
  const { body } = await coordinator.get('/jobs');
  const jobs: unknown = Reflect.get(Object(body), 'jobs');
  const job = Array.isArray(jobs) ? jobs.find((j) => j?.jobId === jobId) : undefined;
  const extractors: unknown = job?.extractors;
  const lsn: unknown = Array.isArray(extractors)
    ? extractors[0]?.heartbeat?.position?.lsn
    : undefined;
  return typeof lsn === 'string' ? parseLsn(lsn) : undefined;
}

/** The loader's counts from `GET /status`. */
export async function loaderStats(
  loader: ServiceChild,
): Promise<{ applied: number; skipped: number; deadLettered: number; otherIncarnations: number }> {
  const { body } = await loader.get('/status');
  const stats = Object(Reflect.get(Object(body), 'stats'));
  const count = (name: string): number => Number(Reflect.get(stats, name) ?? NaN);
  return {
    applied: count('applied'),
    skipped: count('skipped'),
    deadLettered: count('deadLettered'),
    otherIncarnations: count('otherIncarnations'),
  };
}

/** Kafka's view of a deployment's topics: end offsets, and every row sent, read back. */
export async function kafkaView() {
  const kafka = new Kafka({
    brokers: requiredEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const topicsOf = async (prefix: string): Promise<string[]> =>
    (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`)).sort();
  return {
    topicsOf,
    /** End offset (next offset to be written) by `topic`/`partition`. */
    endOffsets: async (topics: readonly string[]): Promise<Map<string, number>> => {
      const result = new Map<string, number>();
      for (const topic of topics) {
        for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
          result.set(`${topic}/${partition}`, Number(high));
        }
      }
      return result;
    },
    /** Next offsets `group` committed on Kafka, by `topic`/`partition` (-1: none yet). */
    committedOffsets: async (group: string, topic: string): Promise<Map<string, number>> => {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return new Map(
        (offsets?.partitions ?? []).map(({ partition, offset }) => [
          `${topic}/${partition}`,
          Number(offset),
        ]),
      );
    },
    /** The parsed values of the first `count` messages of `topic`. */
    messages: (topic: string, count: number) => readMessages(kafka, topic, count),
    dropPrefix: async (prefix: string): Promise<void> => {
      const topics = await topicsOf(prefix);
      if (topics.length > 0) await admin.deleteTopics({ topics });
    },
    close: () => admin.disconnect(),
  };
}

/** What {@link kafkaView} resolves to. */
export type KafkaView = Awaited<ReturnType<typeof kafkaView>>;

async function readMessages(
  kafka: InstanceType<typeof Kafka>,
  topic: string,
  count: number,
): Promise<unknown[]> {
  const consumer = kafka.consumer({ groupId: `ps-reader-${randomBytes(4).toString('hex')}` });
  const values: unknown[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(messageValue(message.value?.toString('utf8') ?? 'null'));
      },
    });
    await waitFor(`${count} messages of ${topic}`, () => values.length >= count, 30_000);
  } finally {
    await consumer.disconnect();
  }
  return values;
}

/**
 * A message as JSON; a copy chunk (COPY text) as `{ columns, rows }` with each line's fields as
 * text, the shape of a JSON snapshot chunk.
 */
function messageValue(text: string): unknown {
  const decoded = text.includes('\n') ? decodeEventMessage(text) : undefined;
  if (decoded?.kind !== 'copy') return JSON.parse(text);
  const lines = decoded.chunk.copy.split('\n').slice(0, -1);
  return { columns: decoded.chunk.columns, rows: lines.map((line) => line.split('\t')) };
}

/** The `id` of every row the messages carry: each row of a snapshot chunk, or the event's. */
export function rowIds(values: readonly unknown[]): string[] {
  const ids: string[] = [];
  for (const value of values) {
    const rows: unknown = Reflect.get(Object(value), 'rows');
    const columns: unknown = Reflect.get(Object(value), 'columns');
    if (Array.isArray(rows) && Array.isArray(columns)) {
      const at = columns.indexOf('id');
      for (const row of rows) ids.push(String(row[at]));
      continue;
    }
    const image = Reflect.get(Object(value), 'after') ?? Reflect.get(Object(value), 'before');
    ids.push(String(Reflect.get(Object(image), 'id')));
  }
  return ids;
}

/** Stored next offsets of `group` by `topic`/`partition`, from the target's `_replicator`. */
export async function storedOffsets(
  targetUrl: string,
  group: string,
): Promise<Map<string, number>> {
  const { rows } = await queryOnce(
    targetUrl,
    `SELECT topic, partition, next_offset::bigint AS next FROM _replicator.offsets
      WHERE consumer_group = $1`,
    [group],
  );
  return new Map(
    rows.map((row: { topic: string; partition: number; next: string }) => [
      `${row.topic}/${row.partition}`,
      Number(row.next),
    ]),
  );
}

/**
 * Whether the loaders consumed everything: every partition with messages has a stored next
 * offset equal to its end offset.
 */
export function consumedAll(
  ends: ReadonlyMap<string, number>,
  stored: ReadonlyMap<string, number>,
): boolean {
  return [...ends].every(([partition, end]) => end === 0 || stored.get(partition) === end);
}

/** Partitions with messages, by `topic`/`partition` (what `stored` must equal). */
export function nonEmpty(ends: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...ends].filter(([, end]) => end > 0));
}

/**
 * Waits until the loaders of `group` stored, for every partition of `topics` with messages, the
 * end offset Kafka has now; returns those end offsets by `topic`/`partition`.
 */
export async function waitForConsumed(
  kafka: KafkaView,
  targetUrl: string,
  group: string,
  topics: readonly string[],
): Promise<Map<string, number>> {
  const ends = nonEmpty(await kafka.endOffsets(topics));
  await waitFor(
    'the loader to consume every message',
    async () => consumedAll(ends, await storedOffsets(targetUrl, group)),
    60_000,
  );
  return ends;
}

/**
 * Runs `update` (one transaction of many rows) and kills `extractor` once part of it, but not
 * all `messages` messages it makes, is on `topic`; runs it again if the whole transaction got
 * through between two looks (three tries).
 */
export async function killWhileForwarding(
  kafka: KafkaView,
  extractor: ServiceProcess,
  topic: string,
  transaction: Readonly<{ update: () => Promise<unknown>; messages: number }>,
): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const before = sum((await kafka.endOffsets([topic])).values());
    await transaction.update();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const sent = sum((await kafka.endOffsets([topic])).values()) - before;
      if (sent > 0 && sent < transaction.messages) {
        await extractor.kill9();
        return;
      }
      if (sent >= transaction.messages) break;
      await sleep(10);
    }
  }
  throw new Error(`never caught the extractor forwarding the transaction:\n${extractor.output}`);
}

/**
 * Row count and an md5 of every row's text form of each table, in a fixed order, with session
 * settings that make text forms comparable across servers. Independent of the code under test.
 */
export async function tableDigests(
  url: string,
  tables: readonly string[],
): Promise<Record<string, { rows: number; md5: string | null }>> {
  return withClient(url, async (client) => {
    await client.query(
      "SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET bytea_output = 'hex'; SET DateStyle = 'ISO, YMD'",
    );
    const result: Record<string, { rows: number; md5: string | null }> = {};
    for (const table of tables) {
      const { rows } = await client.query<{ rows: number; md5: string | null }>(
        `SELECT count(*)::int AS rows, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS md5
           FROM public.${table} t`,
      );
      result[table] = rows[0] ?? { rows: 0, md5: null };
    }
    return result;
  });
}

/** Sum of a map's values. */
export function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
