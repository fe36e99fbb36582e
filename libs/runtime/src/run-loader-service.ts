/**
 * The loader as a service: the loop of libs/pipeline on a bus and a PostgreSQL target.
 *
 * States: starting (connect to the target, migrate `_replicator`, create the dead-letter topic)
 * → waiting (no event topic of the prefix exists yet; polls every `topicPollMs`) → consuming,
 * one generation at a time: a member of the consumer group over the event topics known, while a
 * watcher polls for new ones. When one appears, the generation stops after its chunk in flight
 * (which commits) and the member leaves the group; a new member joins with the grown list.
 * Offsets make the switch safe whatever it interrupts: the target stores them with the rows, so
 * what the next member reads again is skipped. Aborting `signal` stops the current generation
 * the same way and resolves with the counts of all generations.
 */
import type { Bus, BusProducer } from '@database-replicator/bus';
import type { Logger, Secret, TableId } from '@database-replicator/core';
import {
  createBusDeadLetterSink,
  deadLetterTopic,
  runLoader,
  type ChangeApplier,
  type DeadLetterSink,
  type LoaderProgress,
  type LoaderStats,
} from '@database-replicator/pipeline';
import {
  connectPostgres,
  createPostgresChangeApplier,
  migrateReplicatorSchema,
} from '@database-replicator/postgres';
import { LOADER_APPLICATION_NAME } from './constants.js';
import { listEventTopics } from './event-topics.js';
import { NO_LOADER_STATS, addLoaderStats } from './loader-stats.js';
import {
  instrumentApplier,
  instrumentDeadLetters,
  type LoaderMetrics,
} from './metrics/loader-metrics.js';
import { pause } from './pause.js';

/** Options of {@link runLoaderService}. */
export type LoaderServiceOptions = Readonly<{
  /** The bus to consume; owned by the caller. */
  bus: Bus;
  /** The target PostgreSQL database. */
  targetUrl: Secret;
  /** Event topics are `<topicPrefix>.<source>.<schema>.<table>`; dead letters go to `<topicPrefix>.dead-letters`. */
  topicPrefix: string;
  /** The consumer group; the target stores offsets under the same name. */
  consumerGroup: string;
  /** Aborting stops the service after the chunk in flight. */
  signal: AbortSignal;
  logger: Logger;
  /** Partitions of the dead-letter topic if it must be created. Default 6. */
  partitions?: number;
  /** Messages applied and committed together at most. Default 500. */
  maxBatchMessages?: number;
  /** How often to look for new event topics, ms. Default 5000. */
  topicPollMs?: number;
  /** After each commit; `stats` count every generation so far. */
  onCommit?: (progress: LoaderProgress) => void;
  /** Each time a group member starts consuming, with the topics it reads. */
  onConsuming?: (topics: readonly string[]) => void;
  /** Counts and times applies and dead letters here (`/metrics`); default none. */
  metrics?: LoaderMetrics;
}>;

const DEFAULT_PARTITIONS = 6;
const DEFAULT_TOPIC_POLL_MS = 5_000;

type Target = Readonly<{
  /** The applier as the loop calls it (instrumented when metrics are on). */
  apply: ChangeApplier;
  keyColumnsOf: (table: TableId) => Promise<readonly string[] | undefined>;
  isJobIncarnation: (incarnation: string) => Promise<boolean>;
  deadLetters: DeadLetterSink;
}>;

type Generation = Readonly<{ stats: LoaderStats; grown: readonly string[] | undefined }>;

/**
 * Runs the loader service until `signal` aborts (or the bus ends the consumer's iteration).
 *
 * @returns The counts of everything loaded.
 * @throws ReplicatorError `REPL_CONNECT_FAILED`/`REPL_AUTH_FAILED` (target),
 *   `REPL_WRITER_MIGRATION_FAILED`, bus errors, and whatever `runLoader` throws; the target's
 *   offsets stay consistent, so a restart resumes.
 */
export async function runLoaderService(options: LoaderServiceOptions): Promise<LoaderStats> {
  const log = options.logger.child({ component: 'loader-service' });
  const client = await connectPostgres(options.targetUrl, {
    applicationName: LOADER_APPLICATION_NAME,
    logger: options.logger,
  });
  let producer: BusProducer | undefined;
  try {
    await migrateReplicatorSchema(client);
    const topic = deadLetterTopic(options.topicPrefix);
    await options.bus.ensureTopics([topic], {
      partitions: options.partitions ?? DEFAULT_PARTITIONS,
    });
    producer = await options.bus.producer();
    const applier = createPostgresChangeApplier(client, { logger: options.logger });
    const deadLetters = createBusDeadLetterSink(producer, topic);
    const { metrics } = options;
    const target: Target = {
      keyColumnsOf: (table) => applier.keyColumnsOf(table),
      isJobIncarnation: (incarnation) => applier.isJobIncarnation(incarnation),
      apply: metrics === undefined ? applier : instrumentApplier(applier, metrics),
      deadLetters:
        metrics === undefined ? deadLetters : instrumentDeadLetters(deadLetters, metrics),
    };
    return await consume(options, target, log);
  } finally {
    await producer?.close();
    await client.close();
  }
}

async function consume(
  options: LoaderServiceOptions,
  target: Target,
  log: Logger,
): Promise<LoaderStats> {
  let totals = NO_LOADER_STATS;
  let topics = await waitForTopics(options, log);
  while (topics !== undefined && !options.signal.aborted) {
    const generation = await runGeneration(options, target, topics, totals, log);
    totals = addLoaderStats(totals, generation.stats);
    topics = generation.grown;
  }
  log.info(totals, 'loader service stopped');
  return totals;
}

/** The event topics once at least one exists; `undefined` if aborted first. */
async function waitForTopics(
  options: LoaderServiceOptions,
  log: Logger,
): Promise<readonly string[] | undefined> {
  let logged = false;
  for (;;) {
    const topics = await listEventTopics(options.bus, options.topicPrefix);
    if (topics.length > 0) return topics;
    if (!logged) log.info({ prefix: options.topicPrefix }, 'waiting for event topics');
    logged = true;
    if (!(await pause(options.topicPollMs ?? DEFAULT_TOPIC_POLL_MS, options.signal))) {
      return undefined;
    }
  }
}

/** One group member over `topics`, until new topics appear, the signal aborts or the bus ends. */
async function runGeneration(
  options: LoaderServiceOptions,
  target: Target,
  topics: readonly string[],
  before: LoaderStats,
  log: Logger,
): Promise<Generation> {
  const consumer = await options.bus.consumer({
    groupId: options.consumerGroup,
    topics,
    fromBeginning: true,
  });
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) stop.abort();
  const watcher = watchForNewTopics(options, topics, stop, log);
  let stats: LoaderStats;
  let grown: readonly string[] | undefined;
  try {
    log.info({ topics }, 'consuming event topics');
    options.onConsuming?.(topics);
    const { onCommit } = options;
    stats = await runLoader({
      consumer,
      applier: target.apply,
      deadLetters: target.deadLetters,
      keyColumnsOf: target.keyColumnsOf,
      isJobIncarnation: target.isJobIncarnation,
      consumerGroup: options.consumerGroup,
      signal: stop.signal,
      logger: options.logger,
      ...(options.maxBatchMessages === undefined
        ? {}
        : { maxBatchMessages: options.maxBatchMessages }),
      ...(onCommit === undefined
        ? {}
        : { onCommit: (p) => onCommit({ ...p, stats: addLoaderStats(before, p.stats) }) }),
    });
  } finally {
    stop.abort();
    options.signal.removeEventListener('abort', onAbort);
    grown = await watcher;
    // Leaving the group hands the partitions over; everything read was committed or is replayed.
    await consumer.close();
  }
  if (grown !== undefined) log.info({ topics: grown }, 'new event topics; joining again with them');
  return { stats, grown };
}

/**
 * Polls for event topics not in `known`; when some appear, aborts `stop` (ending the
 * generation) and resolves with the new list. Resolves `undefined` once `stop` aborts otherwise.
 * Never rejects: a failed listing is logged and tried again at the next poll.
 */
async function watchForNewTopics(
  options: LoaderServiceOptions,
  known: readonly string[],
  stop: AbortController,
  log: Logger,
): Promise<readonly string[] | undefined> {
  const seen = new Set(known);
  while (await pause(options.topicPollMs ?? DEFAULT_TOPIC_POLL_MS, stop.signal)) {
    try {
      const current = await listEventTopics(options.bus, options.topicPrefix);
      if (current.some((topic) => !seen.has(topic))) {
        stop.abort();
        return current;
      }
    } catch (error) {
      log.warn({ err: error }, 'listing event topics failed; trying again at the next poll');
    }
  }
  return undefined;
}
