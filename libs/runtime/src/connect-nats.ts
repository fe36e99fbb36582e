/**
 * The NATS connection of a service (coordinator, extractors). The first connection is retried
 * with backoff, since services start in any order (compose, Kubernetes); once connected, the
 * client reconnects on its own for as long as the service runs, and calls made while it is
 * away fail as the coordinator being unavailable, which the callers retry. The NATS client is
 * imported by the first connection, not with this module: commands and services without a
 * nats:// job store (status, verify) do not pay for loading it.
 */
import {
  isTransientError,
  replicatorError,
  retry,
  type Logger,
  type Secret,
} from '@database-replicator/core';
import type * as Nats from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';

/** Options of {@link connectNats}. */
export type ConnectNatsOptions = Readonly<{
  /** Connection name shown by the NATS server (`nats-server` monitoring, `nats server report`). */
  name: string;
  logger: Logger;
  /** Aborting stops the connection attempts (the promise rejects with the signal's reason). */
  signal: AbortSignal;
}>;

/** Connection attempts before the service gives up: about a minute with the backoff below. */
const CONNECT_ATTEMPTS = 8;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Connects to the NATS server `url` names (credentials in the URL stay secret).
 *
 * @throws ReplicatorError `REPL_CONNECT_FAILED` naming the host (never the credentials) when no
 *   attempt succeeded, or at once for a failure a retry cannot fix (authorization);
 *   `REPL_MODULE_LOAD_FAILED` when the NATS client cannot be loaded.
 */
export async function connectNats(
  url: Secret,
  options: ConnectNatsOptions,
): Promise<NatsConnection> {
  const log = options.logger.child({ component: 'nats' });
  const host = new URL(url.reveal()).host;
  const { connect } = await loadNatsClient();
  try {
    const nc = await retry(
      () =>
        connect({
          servers: url.reveal(),
          name: options.name,
          timeout: CONNECT_TIMEOUT_MS,
          reconnect: true,
          maxReconnectAttempts: -1,
        }),
      {
        maxAttempts: CONNECT_ATTEMPTS,
        baseDelayMs: 1_000,
        maxDelayMs: 15_000,
        isRetryable: isTransientError,
        signal: options.signal,
        onRetry: ({ attempt, delayMs, error }) =>
          log.warn({ host, attempt, delayMs, err: error }, 'nats not reachable yet; retrying'),
      },
    );
    log.info({ host }, 'nats connected');
    return nc;
  } catch (error) {
    if (options.signal.aborted) throw error;
    throw replicatorError('REPL_CONNECT_FAILED', `Cannot connect to NATS at ${host}`, {
      fix: 'Check DR_NATS_URL (host, port, credentials) and that the NATS server runs and is reachable from here.',
      details: { host },
      cause: error,
    });
  }
}

/**
 * The NATS client package, loaded on first use.
 *
 * @throws ReplicatorError `REPL_MODULE_LOAD_FAILED` when it cannot be loaded (partial install).
 */
async function loadNatsClient(): Promise<typeof Nats> {
  try {
    return await import('@nats-io/transport-node');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError(
      'REPL_MODULE_LOAD_FAILED',
      `Cannot load the NATS client (@nats-io/transport-node): ${reason}`,
      { details: { module: '@nats-io/transport-node' }, cause: error },
    );
  }
}

/**
 * Flushes what is still buffered (heartbeats, replies), then closes `nc`. Never throws: a
 * connection that is already closed or cannot drain is logged and left.
 */
export async function closeNats(nc: NatsConnection, logger: Logger): Promise<void> {
  if (nc.isClosed()) return;
  try {
    await nc.drain();
  } catch (error) {
    logger.warn({ err: error, component: 'nats' }, 'nats connection did not drain; closed');
    await nc.close();
  }
}
