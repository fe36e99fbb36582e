import { publishHeartbeat } from '@database-replicator/coordinator';
import type { Logger, SourcePosition } from '@database-replicator/core';
import type { NatsConnection } from '@nats-io/transport-node';

/** Options of {@link createHeartbeatSender}. */
export type HeartbeatSenderOptions = Readonly<{
  jobId: string;
  extractorId: string;
  /** Heartbeat subject prefix (the coordinator's). */
  prefix: string;
  /** Least time between two heartbeats, ms. Default 1000. */
  intervalMs?: number;
  logger: Logger;
  /** The clock, Unix ms. Default `Date.now`. */
  now?: () => number;
}>;

/** Offers a heartbeat: where the stream is (`null` before it checkpointed) and messages sent. */
export type HeartbeatSender = (position: SourcePosition | null, events: number) => void;

/**
 * Heartbeats of an extractor to the coordinator, at most one per `intervalMs`: offered on every
 * progress report (an idle PostgreSQL source still reports about once a second), sent when the
 * interval has passed. They carry progress, not state: one that cannot go out is dropped.
 */
export function createHeartbeatSender(
  nc: NatsConnection,
  options: HeartbeatSenderOptions,
): HeartbeatSender {
  const intervalMs = options.intervalMs ?? 1_000;
  const now = options.now ?? Date.now;
  let lastMs = Number.NEGATIVE_INFINITY;
  return (position, events) => {
    const at = now();
    if (at - lastMs < intervalMs) return;
    lastMs = at;
    try {
      publishHeartbeat(
        nc,
        options.jobId,
        options.extractorId,
        { position, events },
        { prefix: options.prefix },
      );
    } catch (error) {
      options.logger.debug({ err: error }, 'heartbeat not sent');
    }
  };
}
