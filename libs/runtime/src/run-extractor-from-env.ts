/**
 * `services/extractor-<kind>` and `database-replicator run extractor-<kind>` (postgres, sqlite,
 * mongodb, …): one source's snapshot and change stream onto Kafka, checkpointed through the coordinator over
 * NATS, with heartbeats and an HTTP server (`/healthz`, `/readyz` while a run works, `/status`,
 * `/metrics`).
 *
 * Resources open in the order settings → logger → HTTP → NATS, then each run opens the bus and
 * the source (see `runExtractorService`); they close in reverse. The target is never contacted:
 * the coordinator creates the target tables when the extractor registers them.
 */
import { connectJobStore } from '@database-replicator/coordinator';
import {
  createLogger,
  formatTableRef,
  type Logger,
  type LoggerOptions,
  type SourceKind,
} from '@database-replicator/core';
import type { ExtractorProgress } from '@database-replicator/pipeline';
import type { NatsConnection } from '@nats-io/transport-node';
import { CloseStack } from './close-stack.js';
import { closeNats, connectNats } from './connect-nats.js';
import { coordinatorSubjects } from './coordinator-subjects.js';
import { extractorJobNames, loadExtractorEnv, type ExtractorEnv } from './extractor-env.js';
import { createHeartbeatSender } from './extractor-heartbeats.js';
import { ExtractorStatus } from './extractor-status.js';
import { ExtractorMetrics } from './metrics/extractor-metrics.js';
import { errorCodeLabel } from './metrics/loader-metrics.js';
import { metricsHandler } from './metrics/metrics-handler.js';
import { MetricsRegistry } from './metrics/metrics-registry.js';
import { openBus } from './open-bus.js';
import { runExtractorService } from './run-extractor-service.js';
import { startServiceHttp } from './service-http.js';
import type { ServiceEnvInput } from './service-env.js';

/** Options of {@link runExtractorFromEnv}. */
export type ExtractorFromEnvOptions = Readonly<{
  /** The source kind this service reads (`DR_SOURCE_URL` must be one). Default `postgres`. */
  sourceKind?: SourceKind;
  /** Where log lines go. Default: stderr. */
  logDestination?: LoggerOptions['destination'];
}>;

/** Least time between two progress lines in the log, ms. */
const PROGRESS_LOG_MS = 10_000;

/**
 * Reads the settings from `env` (see `loadExtractorEnv`: `DR_SOURCE_URL`, `DR_JOB_ID`,
 * `DR_NATS_URL` and a Kafka `DR_BUS` are required), then extracts until `signal` aborts; the run
 * stops at a checkpoint. Transient failures restart the run from the checkpoint with backoff.
 *
 * @throws ReplicatorError `REPL_CONFIG_*` for the settings, `REPL_CONNECT_FAILED` when NATS
 *   stays unreachable, and the permanent failures of a run (see `runExtractorService`).
 */
export async function runExtractorFromEnv(
  env: ServiceEnvInput,
  signal: AbortSignal,
  options: ExtractorFromEnvOptions = {},
): Promise<void> {
  const kind = options.sourceKind ?? 'postgres';
  const settings = await loadExtractorEnv(env, kind);
  const logger: Logger = createLogger({
    level: settings.logLevel,
    name: `extractor-${kind}`,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  const status = new ExtractorStatus(settings.jobId, settings.extractorId);
  const registry = new MetricsRegistry();
  const metrics = new ExtractorMetrics(registry);
  const resources = new CloseStack();
  try {
    const http = await startServiceHttp({
      host: settings.httpHost,
      port: settings.httpPort,
      handlers: [status.handler, metricsHandler(registry)],
      ready: () => status.ready,
      logger,
    });
    resources.push(() => http.close());
    const nc = await connectNats(settings.natsUrl, {
      name: `${extractorClientId(kind)} ${settings.jobId}/${settings.extractorId}`,
      logger,
      signal,
    });
    resources.push(() => closeNats(nc, logger));
    await extract({ kind, settings, nc }, { status, metrics }, signal, logger);
  } catch (error) {
    // Stopped while starting (a connect or a backoff wait was cut short): a clean stop.
    if (!signal.aborted) throw error;
  } finally {
    status.stopped();
    await resources.closeAll();
  }
  logger.info(status.report(), 'extractor stopped');
}

async function extract(
  {
    kind,
    settings,
    nc,
  }: Readonly<{ kind: SourceKind; settings: ExtractorEnv; nc: NatsConnection }>,
  { status, metrics }: Readonly<{ status: ExtractorStatus; metrics: ExtractorMetrics }>,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  const subjects = coordinatorSubjects(settings.natsPrefix);
  const { jobId, extractorId } = settings;
  const beat = createHeartbeatSender(nc, {
    jobId,
    extractorId,
    prefix: subjects.heartbeatPrefix,
    logger,
  });
  let loggedAt = Number.NEGATIVE_INFINITY;
  const onProgress = (progress: ExtractorProgress): void => {
    status.progress(progress);
    metrics.progress(progress);
    beat(status.position, status.sentMessages);
    if (Date.now() - loggedAt < PROGRESS_LOG_MS) return;
    loggedAt = Date.now();
    logger.info({ ...progressFields(progress), sentMessages: status.sentMessages }, 'progress');
  };
  logger.info(
    {
      jobId,
      extractorId,
      source: settings.redactedSourceUrl,
      topicPrefix: settings.topicPrefix,
      natsPrefix: settings.natsPrefix,
    },
    'extractor starting',
  );
  await runExtractorService({
    source: settings.source,
    sourceKind: kind,
    names: extractorJobNames(jobId, settings.topicPrefix),
    openBus: () => openBus(settings.bus, { logger, clientId: extractorClientId(kind) }),
    store: connectJobStore(nc, { subjectPrefix: subjects.subjectPrefix }),
    extractorId,
    partitions: settings.partitions,
    snapshotWorkers: settings.snapshotWorkers,
    snapshotEvents: settings.snapshotEvents,
    signal,
    logger,
    onRunning: () => status.running(),
    onSent: (messages) => {
      status.sent(messages);
      metrics.sent(messages);
    },
    onProgress,
    onRestart: (error) => {
      status.restarting(error);
      metrics.restarted(errorCodeLabel(error));
    },
  });
}

/** Kafka client id and NATS connection name (`EXTRACTOR_POSTGRES_CLIENT_ID` for postgres). */
function extractorClientId(kind: SourceKind): string {
  return `database-replicator-extractor-${kind}`;
}

function progressFields(progress: ExtractorProgress): Readonly<Record<string, unknown>> {
  if (progress.phase === 'stream') {
    return { phase: 'stream', events: progress.events, position: progress.position };
  }
  return {
    phase: 'snapshot',
    table: formatTableRef(progress.table),
    rows: progress.rows,
    estimatedRows: progress.estimatedRows,
  };
}
