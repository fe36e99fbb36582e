/**
 * The whole pipeline in one process (the CLI's `init`/`sync --via pipeline`): the extractor of
 * libs/pipeline on the configured source, the loader service, and the job store in the target's
 * `_replicator` schema standing in for the coordinator. Both halves share the bus (in-process by
 * default, Kafka with `--bus`). A failure of either stops the other.
 */
import { partitionForKey, type Bus } from '@database-replicator/bus';
import type { Logger, Secret, SourceKind } from '@database-replicator/core';
import {
  runExtractor,
  type ChangeSource,
  type ExtractorProgress,
  type ExtractorReport,
  type LoaderStats,
} from '@database-replicator/pipeline';
import {
  connectPostgres,
  createPostgresJobStore,
  migrateReplicatorSchema,
  rewindStoredOffsets,
} from '@database-replicator/postgres';
import { EMBEDDED_PIPELINE_APPLICATION_NAME } from './constants.js';
import { AppliedTracker } from './applied-tracker.js';
import { countingBus } from './counting-bus.js';
import { incarnationBus } from './incarnation-bus.js';
import { waitForLoaderDrain } from './loader-drain.js';
import { ExtractorMetrics } from './metrics/extractor-metrics.js';
import {
  LoaderLagGauge,
  createLoaderMetrics,
  type LoaderMetrics,
} from './metrics/loader-metrics.js';
import type { MetricsRegistry } from './metrics/metrics-registry.js';
import type { PipelineJobNames } from './pipeline-job.js';
import { NO_LOADER_STATS, addLoaderStats } from './loader-stats.js';
import { runLoaderService } from './run-loader-service.js';

/** Options of {@link runEmbeddedPipeline}. */
export type EmbeddedPipelineOptions = Readonly<{
  source: ChangeSource;
  sourceKind: SourceKind;
  targetUrl: Secret;
  bus: Bus;
  names: PipelineJobNames;
  /** Keep streaming after the snapshot until `signal` aborts; otherwise return once loaded. */
  stream: boolean;
  /**
   * Whether what the bus acknowledged survives this process (Kafka). An in-process bus does not:
   * its offsets restart at 0 and checkpoints wait until the loader has applied what was sent.
   */
  durableBus: boolean;
  /** Partitions of each topic. Default 6. */
  partitions?: number;
  /** Tables read at once. Default 2. */
  snapshotWorkers?: number;
  /**
   * Loaders in the consumer group, each with its own target connection, so partitions load in
   * parallel (like `pg_restore -j`). Default 1; more than `partitions` would idle.
   */
  loaders?: number;
  /** Messages the loader applies in one transaction at most. Default 5000. */
  maxBatchMessages?: number;
  signal: AbortSignal;
  logger: Logger;
  onExtractorProgress?: (progress: ExtractorProgress) => void;
  onLoaderProgress?: (stats: LoaderStats) => void;
  /** Registers the loader's and the extractor's metrics here and feeds them; default none. */
  metrics?: MetricsRegistry;
}>;

/** What a run did. */
export type EmbeddedPipelineReport = Readonly<{
  jobId: string;
  extractor: ExtractorReport;
  loader: LoaderStats;
}>;

const DEFAULT_PARTITIONS = 6;
// A checkpoint on an in-process bus waits for the loader; once a second keeps the source busy.
const IN_PROCESS_CHECKPOINT_INTERVAL_MS = 1000;
const DEFAULT_MAX_BATCH_MESSAGES = 5_000;

/**
 * Runs extractor and loader until the snapshot is applied (`stream: false`) or `signal` aborts.
 *
 * @throws The first failure of the extractor or the loader; checkpoints and offsets are durable,
 *   so `sync` resumes.
 */
export async function runEmbeddedPipeline(
  options: EmbeddedPipelineOptions,
): Promise<EmbeddedPipelineReport> {
  const { names, logger } = options;
  const client = await connectPostgres(options.targetUrl, {
    applicationName: EMBEDDED_PIPELINE_APPLICATION_NAME,
    logger,
  });
  try {
    await migrateReplicatorSchema(client);
    const store = createPostgresJobStore(client, { logger });
    const incarnation = await store.registerJob(names.jobId, {
      kind: options.sourceKind,
      name: options.source.name,
    });
    if (!options.durableBus) await rewindStoredOffsets(client, names.consumerGroup);
    return await runHalves(options, store, incarnation);
  } finally {
    await client.close();
  }
}

async function runHalves(
  options: EmbeddedPipelineOptions,
  store: ReturnType<typeof createPostgresJobStore>,
  incarnation: string,
): Promise<EmbeddedPipelineReport> {
  const { names, logger } = options;
  const partitions = options.partitions ?? DEFAULT_PARTITIONS;
  const stopLoader = new AbortController();
  const stopExtractor = new AbortController();
  const onAbort = (): void => stopExtractor.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) stopExtractor.abort();
  const applied = new AppliedTracker(options.bus, names.topicPrefix);
  // Only a bus that outlives the process can hold an earlier incarnation's messages.
  const bus = options.durableBus ? incarnationBus(options.bus, incarnation) : options.bus;
  const metrics = embeddedMetrics(options);
  let loaderFailure: unknown;
  const loaderStats = new Map<number, LoaderStats>();
  const loaderCount = Math.max(1, Math.min(partitions, options.loaders ?? 1));
  const loaders = Array.from({ length: loaderCount }, (_, index) =>
    runLoaderService({
      bus: options.bus,
      targetUrl: options.targetUrl,
      topicPrefix: names.topicPrefix,
      consumerGroup: names.consumerGroup,
      partitions,
      topicPollMs: 200,
      maxBatchMessages: options.maxBatchMessages ?? DEFAULT_MAX_BATCH_MESSAGES,
      signal: stopLoader.signal,
      logger,
      ...(metrics === undefined ? {} : { metrics: metrics.loader }),
      onCommit: (progress) => {
        applied.committed(progress.topic, progress.partition, progress.nextOffset);
        metrics?.lag.committed(progress.topic, progress.partition, progress.nextOffset);
        loaderStats.set(index, progress.stats);
        options.onLoaderProgress?.(sumLoaderStats([...loaderStats.values()]));
      },
    }).catch((error: unknown) => {
      // The first failure stops everything; the others end at their next checkpoint.
      loaderFailure ??= error;
      stopExtractor.abort();
      stopLoader.abort();
      throw error;
    }),
  );
  const loader = Promise.allSettled(loaders).then((results) => {
    if (loaderFailure !== undefined) throw loaderFailure;
    return sumLoaderStats(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
  });
  // Handled below once the extractor returns; without this a loader failing first crashes Node.
  loader.catch(() => undefined);
  try {
    const extractor = await runExtractor({
      source: options.source,
      bus: metrics === undefined ? bus : countingBus(bus, metrics.extractor.sent),
      store,
      jobId: names.jobId,
      extractorId: 'embedded',
      topicPrefix: names.topicPrefix,
      partitions,
      partitionForKey,
      stream: options.stream,
      ...(options.snapshotWorkers === undefined
        ? {}
        : { snapshotWorkers: options.snapshotWorkers }),
      signal: stopExtractor.signal,
      awaitApplied: options.durableBus
        ? () =>
            waitForLoaderDrain({
              bus: options.bus,
              targetUrl: options.targetUrl,
              names,
              committed: applied.offsets(),
              signal: stopExtractor.signal,
              logger,
            })
        : () => applied.waitForAll(stopExtractor.signal),
      // Change chunks either way: Kafka pays per message, and so does the in-process bus (its
      // buffer accounting, the loader's decoding and runs), which gets the event objects as they
      // are, never their text.
      changeEvents: options.durableBus ? ('chunks' as const) : ('local-chunks' as const),
      // Each snapshot chunk to one partition, its rows not routed one by one: awaitApplied lets
      // the stream start only once every snapshot row is applied (ExtractorOptions).
      snapshotRouting: 'spread',
      ...(options.durableBus
        ? {}
        : {
            beforeCheckpoint: () => applied.waitForAll(stopExtractor.signal),
            checkpointIntervalMs: IN_PROCESS_CHECKPOINT_INTERVAL_MS,
          }),
      logger,
      onProgress: (progress) => {
        metrics?.extractor.progress(progress);
        options.onExtractorProgress?.(progress);
      },
    });
    if (loaderFailure !== undefined) throw loaderFailure;
    if (!stopExtractor.signal.aborted) {
      await waitForLoaderDrain({
        bus: options.bus,
        targetUrl: options.targetUrl,
        names,
        committed: applied.offsets(),
        signal: stopExtractor.signal,
        logger,
      });
    }
    stopLoader.abort();
    return { jobId: names.jobId, extractor, loader: await loader };
  } catch (error) {
    stopLoader.abort();
    await loader.catch(() => undefined);
    throw loaderFailure ?? error;
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    await options.source.close();
  }
}

function sumLoaderStats(all: readonly LoaderStats[]): LoaderStats {
  return all.reduce(addLoaderStats, NO_LOADER_STATS);
}

type EmbeddedMetrics = Readonly<{
  loader: LoaderMetrics;
  lag: LoaderLagGauge;
  extractor: ExtractorMetrics;
}>;

/** Both halves' metrics in the caller's registry, or `undefined` without one. */
function embeddedMetrics(options: EmbeddedPipelineOptions): EmbeddedMetrics | undefined {
  const registry = options.metrics;
  if (registry === undefined) return undefined;
  const loader = createLoaderMetrics(registry);
  return Object.freeze({
    loader,
    lag: new LoaderLagGauge(loader, registry, options.bus, options.names.topicPrefix),
    extractor: new ExtractorMetrics(registry),
  });
}
