/**
 * An extractor as a long-running service: `runExtractor` of libs/pipeline on a source, the bus
 * and the coordinator's job store, restarted after transient failures.
 *
 * States: run (open the bus and the source, register the job, snapshot what is not done, stream
 * from the checkpoint) → on a transient failure, backoff, then run again from the stored
 * checkpoint (what the bus took after the last checkpoint is sent again; the loader skips it) →
 * stopped when `signal` aborts. A permanent failure, or too many transient ones in a row without
 * progress between them, ends the service with that error. A run that made progress resets the
 * count, so a service that streams for weeks survives any number of separate outages.
 */
import { partitionForKey, type Bus } from '@database-replicator/bus';
import { isRetryableJobStoreError } from '@database-replicator/coordinator';
import {
  computeBackoffMs,
  isReplicatorError,
  replicatorError,
  type ErrorCode,
  type Logger,
  type SourceKind,
} from '@database-replicator/core';
import {
  runExtractor,
  type CoordinatorJobStore,
  type ExtractorProgress,
  type ExtractorReport,
  type SnapshotEventMode,
} from '@database-replicator/pipeline';
import { countingBus } from './counting-bus.js';
import { incarnationBus } from './incarnation-bus.js';
import { openChangeSource, type ChangeSourceConfig } from './open-change-source.js';
import { pause } from './pause.js';
import type { PipelineJobNames } from './pipeline-job.js';

/** Options of {@link runExtractorService}. */
export type ExtractorServiceOptions = Readonly<{
  /** The source and its table selection. */
  source: ChangeSourceConfig;
  sourceKind: SourceKind;
  /** Job id, topic prefix, slot and publication. */
  names: PipelineJobNames;
  /** Opens the bus of one run; it is closed when the run ends. */
  openBus: () => Bus;
  /** The coordinator's job store (`connectJobStore`). */
  store: CoordinatorJobStore;
  /** Names the checkpoint; a restarted extractor must use the same id. */
  extractorId: string;
  /** Partitions of the event topics created. */
  partitions: number;
  /** Tables read at once. */
  snapshotWorkers: number;
  /** Snapshot rows as chunks (many per message) or per-row `r` events. */
  snapshotEvents: SnapshotEventMode;
  /** Aborting stops the run at its next checkpoint, or the backoff wait. */
  signal: AbortSignal;
  logger: Logger;
  /** Transient failures in a row, without progress between them, before giving up. Default 10. */
  maxConsecutiveFailures?: number;
  /** Least delay before a restart (the ceiling of the first backoff draw), ms. Default 1000. */
  restartDelayMs?: number;
  /** A run registered the job and starts working. */
  onRunning?: () => void;
  /** The bus acknowledged `messages` more messages. */
  onSent?: (messages: number) => void;
  onProgress?: (progress: ExtractorProgress) => void;
  /** A run failed with a transient `error`; the next starts after `delayMs`. */
  onRestart?: (error: unknown, delayMs: number) => void;
}>;

const DEFAULT_MAX_FAILURES = 10;
const DEFAULT_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * Failures a new run may get past: the coordinator unreachable or its store restarting,
 * connections lost (`isTransientError` through the cause chain), a send the brokers refused, and
 * a snapshot lease taken over while the run stalled.
 */
const RESTARTABLE_CODES: readonly ErrorCode[] = ['REPL_BUS_SEND_FAILED', 'REPL_JOB_LEASE_LOST'];

/** True if a failed extractor run may succeed when started again from its checkpoint. */
export function isRestartableExtractorError(error: unknown): boolean {
  return (
    isRetryableJobStoreError(error) ||
    RESTARTABLE_CODES.some((code) => isReplicatorError(error, code))
  );
}

/**
 * Runs the extractor until `signal` aborts.
 *
 * @throws The first permanent failure (configuration, privileges, a table that cannot be
 *   replicated), or the last transient one after `maxConsecutiveFailures` in a row. Everything
 *   before the last checkpoint is durable; a restarted service resumes there.
 */
export async function runExtractorService(options: ExtractorServiceOptions): Promise<void> {
  const log = options.logger.child({ component: 'extractor-service', jobId: options.names.jobId });
  const maxFailures = options.maxConsecutiveFailures ?? DEFAULT_MAX_FAILURES;
  let failures = 0;
  while (!options.signal.aborted) {
    let progressed = false;
    let failure: unknown;
    try {
      const report = await runOnce(options, () => {
        progressed = true;
      });
      if (options.signal.aborted) {
        log.info(report, 'extractor stopped at a checkpoint');
        return;
      }
      failure = replicatorError('REPL_SOURCE_STREAM_FAILED', 'The change stream ended on its own', {
        fix: 'Nothing to do: the extractor starts the stream again from its checkpoint.',
      });
    } catch (error) {
      if (options.signal.aborted) return;
      if (!isRestartableExtractorError(error)) throw error;
      failure = error;
    }
    failures = progressed ? 1 : failures + 1;
    if (failures > maxFailures) throw failure;
    const delayMs = computeBackoffMs(failures, {
      baseDelayMs: options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS,
      maxDelayMs: MAX_RESTART_DELAY_MS,
    });
    log.warn(
      { err: failure, failures, delayMs },
      'extractor run failed; restarting from the checkpoint',
    );
    options.onRestart?.(failure, delayMs);
    if (!(await pause(delayMs, options.signal))) return;
  }
}

/** One run, from opening the bus and the source to the stop or the failure. */
async function runOnce(
  options: ExtractorServiceOptions,
  onWork: () => void,
): Promise<ExtractorReport> {
  const { names, logger, signal } = options;
  const bus = options.openBus();
  try {
    const source = await openChangeSource(options.source, names, logger);
    try {
      const incarnation = await options.store.registerJob(names.jobId, {
        kind: options.sourceKind,
        name: source.name,
      });
      options.onRunning?.();
      return await runExtractor({
        source,
        bus: countingBus(incarnationBus(bus, incarnation), (messages) => {
          onWork();
          options.onSent?.(messages);
        }),
        store: options.store,
        jobId: names.jobId,
        extractorId: options.extractorId,
        topicPrefix: names.topicPrefix,
        partitions: options.partitions,
        partitionForKey,
        snapshotEvents: options.snapshotEvents,
        // A service's bus leaves the process (Kafka), which pays per message: change chunks.
        changeEvents: 'chunks',
        stream: true,
        snapshotWorkers: options.snapshotWorkers,
        signal,
        logger,
        onProgress: (progress) => {
          onWork();
          options.onProgress?.(progress);
        },
      });
    } finally {
      await source.close();
    }
  } finally {
    await bus.close();
  }
}
