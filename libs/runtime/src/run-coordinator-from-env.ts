/**
 * `services/coordinator` and `database-replicator run coordinator`: the job state in the
 * target's `_replicator` schema, served to extractors over NATS (`serveJobStore`) and to people
 * and `status` over HTTP (`GET /jobs`, `GET /jobs/:id/tables`, `GET /jobs/:id/status`, `/healthz`,
 * `/readyz`, `/metrics`).
 *
 * States: starting (HTTP up, `/readyz` 503; migrate `_replicator`, connect NATS, both retried
 * while the other side is not up yet) → serving (`/readyz` 200) → stopping (signal: NATS
 * subscriptions drain and the calls in progress are answered) → stopped. Resources open in the
 * order logger → target pool → HTTP → NATS → job store server, and close in reverse. Several
 * coordinators may serve one deployment: requests go to a NATS queue group and the state is in
 * PostgreSQL.
 */
import {
  createLogger,
  replicatorError,
  retry,
  type Logger,
  type LoggerOptions,
} from '@database-replicator/core';
import {
  handleCoordinatorRequest,
  serveJobStore,
  type JobStoreServer,
} from '@database-replicator/coordinator';
import {
  createClientPool,
  createPostgresJobStore,
  migrateReplicatorSchema,
  type PostgresClientPool,
} from '@database-replicator/postgres';
import { CloseStack } from './close-stack.js';
import { COORDINATOR_APPLICATION_NAME, COORDINATOR_CLIENT_ID } from './constants.js';
import { closeNats, connectNats } from './connect-nats.js';
import { coordinatorSubjects } from './coordinator-subjects.js';
import { registerJobMetrics } from './metrics/job-metrics.js';
import { jobStatusHandler } from './status/job-status-handler.js';
import { metricsHandler } from './metrics/metrics-handler.js';
import { MetricsRegistry } from './metrics/metrics-registry.js';
import { startServiceHttp } from './service-http.js';
import { loadServiceEnv, serviceVariableError, type ServiceEnvInput } from './service-env.js';

/** Options of {@link runCoordinatorFromEnv}. */
export type CoordinatorFromEnvOptions = Readonly<{
  /** Where log lines go. Default: stderr. */
  logDestination?: LoggerOptions['destination'];
}>;

/** Target connections at most: job store calls run in parallel up to this. */
const POOL_SIZE = 4;
/** Migration attempts while the target is not reachable yet: about a minute. */
const MIGRATE_ATTEMPTS = 8;

/**
 * Reads the settings from `env` (`DR_TARGET_URL` and `DR_NATS_URL` required; `DR_NATS_PREFIX`,
 * `DR_HTTP_HOST`, `DR_HTTP_PORT`, `DR_LOG_LEVEL`), then serves until `signal` aborts. An abort
 * during startup returns as well.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` for a wrong or missing variable or an HTTP
 *   address in use, `REPL_CONNECT_FAILED`/`REPL_AUTH_FAILED` (target or NATS unreachable after
 *   the retries), `REPL_WRITER_MIGRATION_FAILED`, and `REPL_CONNECT_FAILED` when the NATS
 *   connection ends for good while serving.
 */
export async function runCoordinatorFromEnv(
  env: ServiceEnvInput,
  signal: AbortSignal,
  options: CoordinatorFromEnvOptions = {},
): Promise<void> {
  const settings = loadServiceEnv(env);
  const { natsUrl } = settings;
  if (natsUrl === undefined) {
    throw serviceVariableError(
      'DR_NATS_URL',
      'is not set: extractors reach the coordinator over NATS',
    );
  }
  const logger: Logger = createLogger({
    level: settings.logLevel,
    name: 'coordinator',
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  const resources = new CloseStack();
  const pool = createClientPool(settings.targetUrl, {
    size: POOL_SIZE,
    applicationName: COORDINATOR_APPLICATION_NAME,
    logger,
  });
  resources.push(() => pool.close());
  const store = createPostgresJobStore(pool, { logger });
  const registry = new MetricsRegistry({
    onCollectError: (error) => logger.warn({ err: error }, 'reading job metrics failed'),
  });
  registerJobMetrics(registry, store);
  let server: JobStoreServer | undefined;
  try {
    const http = await startServiceHttp({
      host: settings.httpHost,
      port: settings.httpPort,
      handlers: [
        (req, res) =>
          handleCoordinatorRequest(req, res, store, {
            heartbeats: (jobId) => server?.heartbeats(jobId) ?? [],
            logger,
          }),
        jobStatusHandler(store),
        metricsHandler(registry),
      ],
      ready: () => server !== undefined && !signal.aborted,
      logger,
    });
    resources.push(() => http.close());
    await migrate(pool, signal, logger);
    const nc = await connectNats(natsUrl, { name: COORDINATOR_CLIENT_ID, logger, signal });
    resources.push(() => closeNats(nc, logger));
    const subjects = coordinatorSubjects(settings.natsPrefix);
    server = await serveJobStore(nc, store, { ...subjects, logger, signal });
    resources.push(() => server?.close() ?? Promise.resolve());
    logger.info({ subjects }, 'coordinator serving');
    await untilStopped(server.done, signal);
  } catch (error) {
    // Stopped while starting (a retry's wait or a connect was cut short): a clean stop.
    if (!signal.aborted) throw error;
  } finally {
    await resources.closeAll();
  }
  logger.info('coordinator stopped');
}

/** Migrates `_replicator`, retrying while the target is unreachable or restarting. */
async function migrate(
  pool: PostgresClientPool,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  await retry(() => pool.use((client) => migrateReplicatorSchema(client)), {
    maxAttempts: MIGRATE_ATTEMPTS,
    baseDelayMs: 1_000,
    maxDelayMs: 15_000,
    signal,
    onRetry: ({ attempt, delayMs, error }) =>
      logger.warn({ attempt, delayMs, err: error }, 'target not reachable yet; retrying'),
  });
}

/** Resolves when `signal` aborts; rejects if the server stops on its own first. */
async function untilStopped(done: Promise<void>, signal: AbortSignal): Promise<void> {
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const ended = done.then(() => {
    if (signal.aborted) return;
    throw replicatorError('REPL_CONNECT_FAILED', 'The NATS connection of the coordinator closed', {
      fix: 'Check that the NATS server runs and is reachable, then start the coordinator again.',
    });
  });
  await Promise.race([aborted, ended]);
}
