import { KafkaBus, MemoryBus, type Bus } from '@database-replicator/bus';
import type { Logger } from '@database-replicator/core';
import type { BusSpec } from './bus-spec.js';

/** Options of {@link openBus}. */
export type OpenBusOptions = Readonly<{
  /** Receives the Kafka client's error lines. */
  logger: Logger;
  /** Client id sent to Kafka brokers, e.g. `database-replicator-loader`. */
  clientId: string;
  /**
   * Bounds of an in-process bus: messages held per partition, and handed to a consumer at once
   * (the loader's apply batches follow). Default: MemoryBus's own.
   */
  memory?: Readonly<{ maxMessages: number; maxBytes: number; maxBatchMessages: number }>;
}>;

/**
 * The bus `spec` names: a `KafkaBus` on its brokers (connections are opened on first use) or a
 * new, empty `MemoryBus`. The caller closes it after its producers and consumers.
 */
export function openBus(spec: BusSpec, options: OpenBusOptions): Bus {
  if (spec.kind === 'memory') return new MemoryBus(options.memory ?? {});
  return new KafkaBus({
    brokers: spec.brokers,
    logger: options.logger,
    clientId: options.clientId,
  });
}
