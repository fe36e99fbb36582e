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
import { AppliedTracker } from './applied-tracker.js';
import { waitForLoaderDrain } from './loader-drain.js';
import type { PipelineJobNames } from './pipeline-job.js';
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
  /** Messages the loader applies in one transaction at most. Default 5000. */
  maxBatchMessages?: number;
  signal: AbortSignal;
  logger: Logger;
  onExtractorProgress?: (progress: ExtractorProgress) => void;
  onLoaderProgress?: (stats: LoaderStats) => void;
}>;

/** What a run did. */
export type EmbeddedPipelineReport = Readonly<{
  jobId: string;
  extractor: ExtractorReport;
  loader: LoaderStats;
}>;

const DEFAULT_PARTITIONS = 6;
const DEFAULT_MAX_BATCH_MESSAGES = 5_000;
const APPLICATION_NAME = 'database-replicator pipeline';

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
    applicationName: APPLICATION_NAME,
    logger,
  });
  try {
    await migrateReplicatorSchema(client);
    const store = createPostgresJobStore(client, { logger });
    await store.registerJob(names.jobId, { kind: options.sourceKind, name: options.source.name });
    if (!options.durableBus) await rewindStoredOffsets(client, names.consumerGroup);
    return await runHalves(options, store);
  } finally {
    await client.close();
  }
}

async function runHalves(
  options: EmbeddedPipelineOptions,
  store: ReturnType<typeof createPostgresJobStore>,
): Promise<EmbeddedPipelineReport> {
  const { names, logger } = options;
  const partitions = options.partitions ?? DEFAULT_PARTITIONS;
  const stopLoader = new AbortController();
  const stopExtractor = new AbortController();
  const onAbort = (): void => stopExtractor.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) stopExtractor.abort();
  const applied = new AppliedTracker(options.bus, names.topicPrefix);
  let loaderFailure: unknown;
  const loader = runLoaderService({
    bus: options.bus,
    targetUrl: options.targetUrl,
    topicPrefix: names.topicPrefix,
    consumerGroup: names.consumerGroup,
    partitions,
    topicPollMs: 200,
    maxBatchMessages: options.maxBatchMessages ?? DEFAULT_MAX_BATCH_MESSAGES,
    signal: stopLoader.signal,
    logger,
    onCommit: (progress) => {
      applied.committed(progress.topic, progress.partition, progress.nextOffset);
      options.onLoaderProgress?.(progress.stats);
    },
  }).catch((error: unknown) => {
    loaderFailure = error;
    stopExtractor.abort();
    throw error;
  });
  // Handled below once the extractor returns; without this a loader failing first crashes Node.
  loader.catch(() => undefined);
  try {
    const extractor = await runExtractor({
      source: options.source,
      bus: options.bus,
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
      ...(options.durableBus
        ? {}
        : { beforeCheckpoint: () => applied.waitForAll(stopExtractor.signal) }),
      logger,
      ...(options.onExtractorProgress === undefined
        ? {}
        : { onProgress: options.onExtractorProgress }),
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
