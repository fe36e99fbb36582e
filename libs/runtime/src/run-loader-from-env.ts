/**
 * `services/loader` and `database-replicator run loader`: the loader service configured from the
 * environment, with its HTTP server (`/healthz`, `/readyz` once consuming, `/status`, `/metrics`). Resources
 * open in the order settings → logger → HTTP → bus, and close in reverse.
 */
import {
  createLogger,
  replicatorError,
  type Logger,
  type LoggerOptions,
} from '@database-replicator/core';
import type { LoaderStats } from '@database-replicator/pipeline';
import { LOADER_CLIENT_ID } from './constants.js';
import { LoaderStatus } from './loader-status.js';
import { LoaderLagGauge, createLoaderMetrics } from './metrics/loader-metrics.js';
import { metricsHandler } from './metrics/metrics-handler.js';
import { MetricsRegistry } from './metrics/metrics-registry.js';
import { openBus } from './open-bus.js';
import { runLoaderService } from './run-loader-service.js';
import { startServiceHttp } from './service-http.js';
import { loadServiceEnv, type ServiceEnvInput } from './service-env.js';

/** Options of {@link runLoaderFromEnv}. */
export type LoaderFromEnvOptions = Readonly<{
  /** Where log lines go. Default: stderr. */
  logDestination?: LoggerOptions['destination'];
}>;

/**
 * Reads the settings from `env` (see `loadServiceEnv`), serves HTTP, runs the loader until
 * `signal` aborts, then closes everything.
 *
 * @returns The counts of everything loaded.
 * @throws ReplicatorError `REPL_CONFIG_INVALID` for a wrong variable, or for `DR_BUS=memory`
 *   (a lone loader on its own in-process bus never receives an event); otherwise what
 *   `runLoaderService` throws.
 */
export async function runLoaderFromEnv(
  env: ServiceEnvInput,
  signal: AbortSignal,
  options: LoaderFromEnvOptions = {},
): Promise<LoaderStats> {
  const settings = loadServiceEnv(env);
  if (settings.bus.kind === 'memory') {
    throw replicatorError(
      'REPL_CONFIG_INVALID',
      'Invalid service environment: DR_BUS is memory (the default), an in-process bus no extractor writes to',
      {
        fix: 'Set DR_BUS to the Kafka brokers the extractors write to, e.g. kafka://127.0.0.1:9092.',
        details: { configKey: 'DR_BUS', origin: 'environment' },
      },
    );
  }
  const logger: Logger = createLogger({
    level: settings.logLevel,
    name: 'loader',
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  const status = new LoaderStatus(settings.consumerGroup);
  const registry = new MetricsRegistry({
    onCollectError: (error) => logger.warn({ err: error }, 'reading metrics failed'),
  });
  const metrics = createLoaderMetrics(registry);
  const http = await startServiceHttp({
    host: settings.httpHost,
    port: settings.httpPort,
    handlers: [status.handler, metricsHandler(registry)],
    ready: () => status.ready,
    logger,
  });
  const bus = openBus(settings.bus, { logger, clientId: LOADER_CLIENT_ID });
  const lag = new LoaderLagGauge(metrics, registry, bus, settings.topicPrefix);
  try {
    return await runLoaderService({
      bus,
      targetUrl: settings.targetUrl,
      topicPrefix: settings.topicPrefix,
      consumerGroup: settings.consumerGroup,
      partitions: settings.partitions,
      maxBatchMessages: settings.maxBatchMessages,
      topicPollMs: settings.topicPollMs,
      signal,
      logger,
      metrics,
      onCommit: (progress) => {
        status.committed(progress);
        lag.committed(progress.topic, progress.partition, progress.nextOffset);
      },
      onConsuming: (topics) => status.consuming(topics),
    });
  } finally {
    await bus.close();
    await http.close();
  }
}
