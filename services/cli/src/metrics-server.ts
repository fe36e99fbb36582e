/**
 * `--metrics-port PORT` of `init`/`sync --via pipeline`: the embedded pipeline's Prometheus
 * `/metrics`, with `/healthz` and `/readyz`, on 127.0.0.1 (a user who wants it reachable from
 * elsewhere runs the services instead). Port 0 picks a free one, logged as `http server listening`.
 */
import { replicatorError } from '@database-replicator/core';
import {
  MetricsRegistry,
  metricsHandler,
  startServiceHttp,
  type ServiceHttp,
} from '@database-replicator/runtime';
import type { CommandContext } from './command-context.js';

/** The registry the pipeline feeds, and the server to close after the run. */
export type MetricsServer = Readonly<{ registry: MetricsRegistry; close(): Promise<void> }>;

/**
 * Starts the server if `--metrics-port` is given.
 *
 * @throws ReplicatorError `REPL_CLI_USAGE` for a port that is not 0 to 65535,
 *   `REPL_CONFIG_INVALID` when the port is in use.
 */
export async function startMetricsServer(ctx: CommandContext): Promise<MetricsServer | undefined> {
  const flag = ctx.line.values['metrics-port'];
  if (flag === undefined) return undefined;
  const port = Number(flag.trim());
  if (!/^\s*[0-9]+\s*$/.test(flag) || port > 65_535) {
    throw replicatorError(
      'REPL_CLI_USAGE',
      `--metrics-port must be a port from 0 to 65535, got ${JSON.stringify(flag)}`,
      {
        fix: 'Pass a free port, e.g. --metrics-port 9464 (0 picks one and logs it).',
        details: { configKey: '--metrics-port' },
      },
    );
  }
  const registry = new MetricsRegistry({
    onCollectError: (error) => ctx.logger.warn({ err: error }, 'reading metrics failed'),
  });
  const http: ServiceHttp = await startServiceHttp({
    port,
    handlers: [metricsHandler(registry)],
    ready: () => !ctx.signal.aborted,
    logger: ctx.logger,
  });
  return Object.freeze({ registry, close: () => http.close() });
}
