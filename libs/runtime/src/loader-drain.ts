/**
 * Waiting until the loader has taken everything on the bus: for every partition of the job's
 * event topics, what the target stored (`_replicator.offsets`, exact) or what the loader
 * committed in this run (which also covers dead letters) has reached the partition's end.
 */
import type { Bus } from '@database-replicator/bus';
import type { Logger, Secret } from '@database-replicator/core';
import { connectPostgres, readStoredOffsets } from '@database-replicator/postgres';
import { eventTopicEnds } from './event-topics.js';
import { pause } from './pause.js';
import type { PipelineJobNames } from './pipeline-job.js';

const POLL_MS = 100;

/** Options of {@link waitForLoaderDrain}. */
export type LoaderDrainOptions = Readonly<{
  bus: Bus;
  targetUrl: Secret;
  names: PipelineJobNames;
  /** Next offsets the loader committed in this run, by `partitionKey`. */
  committed: ReadonlyMap<string, bigint>;
  signal: AbortSignal;
  logger: Logger;
}>;

/** Resolves once drained, or when `signal` aborts. */
export async function waitForLoaderDrain(options: LoaderDrainOptions): Promise<void> {
  const { bus, names } = options;
  const ends = await eventTopicEnds(bus, names.topicPrefix);
  const client = await connectPostgres(options.targetUrl, { logger: options.logger });
  try {
    for (;;) {
      const stored = await readStoredOffsets(client, names.consumerGroup);
      const behind = [...ends].filter(([key, end]) => {
        const reached = bigMax(stored.get(key) ?? 0n, options.committed.get(key) ?? 0n);
        return reached < end;
      });
      if (behind.length === 0) return;
      if (!(await pause(POLL_MS, options.signal))) return;
    }
  } finally {
    await client.close();
  }
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
