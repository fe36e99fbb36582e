/**
 * Shared by the loader suites: change events and copy chunks as an extractor writes them, Kafka
 * topics with a unique prefix per test (dropped afterwards), the loader service as a child
 * process (`node services/loader/bin/loader.js`, configured through its environment only), the
 * loader loop run in-process on a real target, and the target's bookkeeping read back with plain
 * SQL.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  Secret,
  createLogger,
  eventTopic,
  formatLsn,
  serializeChangeEvent,
  serializeCopyChunk,
  type ChangeEvent,
  type ChangeRow,
} from '@database-replicator/core';
import { KafkaBus, partitionForKey, type BusMessage } from '@database-replicator/bus';
import {
  runLoader,
  type DeadLetter,
  type LoaderConsumer,
  type LoaderRecord,
  type LoaderStats,
} from '@database-replicator/pipeline';
import {
  connectPostgres,
  migrateReplicatorSchema,
  type PostgresChangeApplier,
  type PostgresClient,
} from '@database-replicator/postgres';
import kafkajs from 'kafkajs';
import { expect } from 'vitest';
import { streamedChange } from '../../support/change-events.js';
import { requiredEnv } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { ServiceChild } from '../../support/service-child.js';
import { waitFor } from '../../support/wait-for.js';

const { Kafka, logLevel } = kafkajs;

/** The committed bin of services/loader (run `npm run build` first). */
export const LOADER_BIN = fileURLToPath(
  new URL('../../../services/loader/bin/loader.js', import.meta.url),
);

/** A topic prefix no other test uses. */
export function uniquePrefix(label: string): string {
  return `lt_${label}_${randomBytes(4).toString('hex')}`;
}

/** The event topic of `table` (source `src`, schema `public`). */
export function tableTopic(prefix: string, table: string): string {
  return eventTopic(prefix, 'src', 'public', table);
}

/** A streamed insert of `row` into `public.<table>` at source position `seq`. */
export function insertEvent(table: string, row: ChangeRow, seq: number): ChangeEvent {
  // Increasing with seq, so every partition carries increasing positions, as from a source.
  const position = { kind: 'postgres', lsn: formatLsn(BigInt(seq) * 64n), txIndex: 0 } as const;
  return streamedChange(table, 'c', row, position);
}

/** The bus message of an insert into `public.items(id, v)`: key `{"id":n}`. */
export function itemMessage(id: number, seq = id): BusMessage {
  return {
    key: JSON.stringify({ id }),
    value: serializeChangeEvent(insertEvent('items', { id, v: `v-${id}` }, seq)),
  };
}

/** Messages per partition of `messages` on a topic of `partitions` partitions. */
export function countPerPartition(
  messages: readonly BusMessage[],
  partitions: number,
): Map<number, number> {
  const counts = new Map<number, number>();
  for (const message of messages) {
    const partition = partitionForKey(message.key ?? '', partitions);
    counts.set(partition, (counts.get(partition) ?? 0) + 1);
  }
  return counts;
}

/** A kafkajs admin that deletes the topics of a prefix. */
export async function kafkaAdmin() {
  const admin = new Kafka({
    brokers: requiredEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  return {
    dropPrefix: async (prefix: string): Promise<void> => {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    },
    /**
     * Moves `groupId`'s committed offsets of `topic` back to the start, once the group has no
     * live member (a killed member stays until its session times out).
     */
    rewindGroup: async (groupId: string, topic: string): Promise<void> => {
      await waitFor(`group ${groupId} to be empty`, async () => {
        const { groups } = await admin.describeGroups([groupId]);
        return groups[0]?.state === 'Empty';
      });
      await admin.resetOffsets({ groupId, topic, earliest: true });
    },
    close: () => admin.disconnect(),
  };
}

/**
 * The items table with an audit of every row write: a trigger records each INSERT and UPDATE,
 * so an event written twice (a replay that was not skipped) leaves two audit rows for its id.
 */
export async function createAuditedItems(targetUrl: string): Promise<void> {
  await queryOnce(
    targetUrl,
    `CREATE TABLE public.items (id bigint PRIMARY KEY, v text NOT NULL);
     CREATE SCHEMA audit;
     CREATE TABLE audit.writes (id bigint NOT NULL, op text NOT NULL);
     CREATE FUNCTION audit.record() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN INSERT INTO audit.writes VALUES (NEW.id, TG_OP); RETURN NULL; END $$;
     CREATE TRIGGER audit AFTER INSERT OR UPDATE ON public.items
       FOR EACH ROW EXECUTE FUNCTION audit.record();`,
  );
}

/** Stored next offsets of `group` by partition of `topic`. */
export async function storedOffsets(
  targetUrl: string,
  group: string,
  topic: string,
): Promise<Map<number, number>> {
  const { rows } = await queryOnce(
    targetUrl,
    `SELECT partition, next_offset::int AS next FROM _replicator.offsets
      WHERE consumer_group = $1 AND topic = $2`,
    [group, topic],
  );
  return new Map(rows.map((row: { partition: number; next: number }) => [row.partition, row.next]));
}

/**
 * Waits until `group` stored, for every partition of `topic`, the number of messages `expected`
 * counts for it (see {@link countPerPartition}).
 */
export async function waitForAppliedCounts(
  what: string,
  target: Readonly<{ url: string; group: string; topic: string }>,
  expected: ReadonlyMap<number, number>,
): Promise<void> {
  await waitFor(
    what,
    async () => {
      const stored = await storedOffsets(target.url, target.group, target.topic);
      return [...expected].every(([partition, count]) => stored.get(partition) === count);
    },
    45_000,
  );
}

/**
 * Asserts that the target's items are those of `itemMessage` 1 to `count`, each written once: as
 * many audit rows as ids, all of them inserts (see {@link createAuditedItems}).
 */
export async function expectItemsWrittenOnce(targetUrl: string, count: number): Promise<void> {
  const { rows } = await queryOnce(targetUrl, 'SELECT id, v FROM public.items ORDER BY id');
  expect(rows).toEqual(
    Array.from({ length: count }, (_, i) => ({ id: String(i + 1), v: `v-${i + 1}` })),
  );
  const writes = await queryOnce(
    targetUrl,
    `SELECT count(*)::int AS writes, count(DISTINCT id)::int AS ids,
            count(*) FILTER (WHERE op <> 'INSERT')::int AS rewrites
       FROM audit.writes`,
  );
  expect(writes.rows).toEqual([{ writes: count, ids: count, rewrites: 0 }]);
}

/** A loader service child process (`node services/loader/bin/loader.js`). */
export class LoaderProcess extends ServiceChild {
  constructor(env: Readonly<Record<string, string>>) {
    super([LOADER_BIN], env);
  }

  /** Partitions of `topic` it reports as committed. */
  async partitionsOf(topic: string): Promise<Set<number>> {
    const { body } = await this.get('/status');
    const partitions =
      typeof body === 'object' && body !== null && 'partitions' in body ? body.partitions : [];
    const result = new Set<number>();
    for (const entry of Array.isArray(partitions) ? partitions : []) {
      if (entry?.topic === topic && typeof entry.partition === 'number')
        result.add(entry.partition);
    }
    return result;
  }
}

/** The environment of a loader child. */
export function loaderEnv(
  options: Readonly<{
    targetUrl: string;
    prefix: string;
    group: string;
    extra?: Readonly<Record<string, string>>;
  }>,
): Record<string, string> {
  return {
    DR_TARGET_URL: options.targetUrl,
    DR_BUS: `kafka://${requiredEnv('KAFKA_BROKERS')}`,
    DR_TOPIC_PREFIX: options.prefix,
    DR_CONSUMER_GROUP: options.group,
    DR_HTTP_PORT: '0',
    DR_TOPIC_POLL_MS: '500',
    DR_LOG_LEVEL: 'info',
    ...options.extra,
  };
}

/** The log of in-process loader runs: silent unless `TEST_LOG=1`. */
export const loaderLogger = createLogger({
  level: process.env['TEST_LOG'] === '1' ? 'debug' : 'silent',
});

/**
 * A fresh database pair (see `createTestDatabases`) whose target has the replicator schema and
 * `public.items (id, v, n)` refusing a NULL `v` and `n = 13`, with a client on the target.
 */
export async function createRefusingItems(
  prefix: string,
): Promise<{ dbs: TestDatabases; client: PostgresClient }> {
  const dbs = await createTestDatabases(prefix);
  const client = await connectPostgres(new Secret(dbs.targetUrl));
  await migrateReplicatorSchema(client);
  await client.query(
    'CREATE TABLE public.items (id int PRIMARY KEY, v text NOT NULL, n int CHECK (n <> 13))',
  );
  return { dbs, client };
}

/** COPY text rows (without their `\n`) of `items (id, v, n)`: `id\tv<id>\t<id>` for `from`..`to`. */
export function itemCopyRows(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${from + i}\tv${from + i}\t${from + i}`);
}

/** A snapshot copy chunk of `items (id, v, n)` holding `lines` at `offset`, keyed by the chunk. */
export function itemCopyMessage(lines: readonly string[], offset: number): LoaderRecord {
  const source = { ...insertEvent('items', {}, offset + 1).source, snapshot: 'true' as const };
  const copy = lines.map((line) => `${line}\n`).join('');
  const value = serializeCopyChunk(source, 0, ['id', 'v', 'n'], lines.length, copy);
  return { key: `{"chunk":${offset}}`, value, offset: String(offset) };
}

/**
 * Hands out `messages` as one batch of partition 0 of `topic`, then ends; each committed offset
 * is pushed to `commits`.
 */
export function oneBatchConsumer(
  topic: string,
  messages: readonly LoaderRecord[],
  commits: string[] = [],
): LoaderConsumer {
  return {
    async *[Symbol.asyncIterator]() {
      yield { topic, partition: 0, messages };
    },
    commit: async (_topic, _partition, offset) => {
      commits.push(offset);
    },
  };
}

/**
 * Runs the loader loop in-process until `consumer` ends: applied by `applier` for `group`
 * (key columns as the target has them), dead letters handed to `send`.
 */
export function loadInProcess(
  applier: PostgresChangeApplier,
  consumer: LoaderConsumer,
  group: string,
  send: (letter: DeadLetter) => Promise<void>,
): Promise<LoaderStats> {
  return runLoader({
    consumer,
    applier,
    deadLetters: { send },
    keyColumnsOf: (table) => applier.keyColumnsOf(table),
    consumerGroup: group,
    logger: loaderLogger,
  });
}

/** What a loader suite on Kafka holds; `close()` releases it all (see {@link openKafkaLoaderSuite}). */
export type KafkaLoaderSuite = Readonly<{
  dbs: TestDatabases;
  /** A bus on the test cluster, logging through {@link loaderLogger}. */
  bus: KafkaBus;
  /** The loader children the suite started, stopped by `close()`. */
  loaders: LoaderProcess[];
  close: () => Promise<void>;
}>;

/**
 * Opens what a loader suite on Kafka needs: a fresh database pair named after `database`, a
 * Kafka bus, and, for `close()`, an admin that drops the topics of `prefix`. `close()` stops the
 * suite's loaders, closes the bus, drops the topics, then the databases.
 *
 * @throws What a step throws, after releasing what the earlier steps opened.
 */
export async function openKafkaLoaderSuite(
  database: string,
  prefix: string,
): Promise<KafkaLoaderSuite> {
  const releases: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (let release = releases.pop(); release !== undefined; release = releases.pop()) {
      await release();
    }
  };
  try {
    const dbs = await createTestDatabases(database);
    releases.push(() => dbs.drop());
    const admin = await kafkaAdmin();
    releases.push(async () => {
      await admin.dropPrefix(prefix);
      await admin.close();
    });
    const bus = new KafkaBus({
      brokers: requiredEnv('KAFKA_BROKERS').split(','),
      logger: loaderLogger,
    });
    releases.push(() => bus.close());
    const loaders: LoaderProcess[] = [];
    releases.push(async () => {
      await Promise.all(loaders.map((loader) => loader.stop()));
    });
    return { dbs, bus, loaders, close };
  } catch (error) {
    await close();
    throw error;
  }
}
