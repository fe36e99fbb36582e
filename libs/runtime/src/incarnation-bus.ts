import type { Bus } from '@database-replicator/bus';
import { INCARNATION_HEADER, type ExtractorBus } from '@database-replicator/pipeline';

/**
 * `bus` as an extractor of the job's `incarnation` (`JobRegistrar.registerJob`) uses it: every
 * message carries the incarnation, so loaders skip what an earlier incarnation of the job left
 * on a bus that outlives the process.
 */
export function incarnationBus(bus: Bus, incarnation: string): ExtractorBus {
  const stamped: ExtractorBus = {
    ensureTopics: (names, options) => bus.ensureTopics(names, options),
    producer: () => bus.producer({ headers: { [INCARNATION_HEADER]: incarnation } }),
  };
  return Object.freeze(stamped);
}
