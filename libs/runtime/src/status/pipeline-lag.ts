/**
 * Lag readings of a pipeline job, each from where it can be known exactly:
 * - bytes and seconds from a PostgreSQL source's slot (`dr_pipe_<job>`): WAL after the slot's
 *   confirmed position, which the extractor acknowledges only after a checkpoint, and the
 *   walsender's `replay_lag`;
 * - events and dead letters from a bus whose topics outlive a process (Kafka): the end offsets of
 *   the job's event topics minus what the target stored for the consumer group, and the size of
 *   the dead-letter topic. An in-process bus lives and dies with the run that owns it.
 */
import type { Bus } from '@database-replicator/bus';
import { isReplicatorError } from '@database-replicator/core';
import { deadLetterTopic } from '@database-replicator/pipeline';
import {
  measureReplicationLag,
  readSourceSlots,
  readStoredOffsets,
  type PostgresClient,
} from '@database-replicator/postgres';
import { eventTopicEnds } from '../event-topics.js';
import type { PipelineJobNames } from '../pipeline-job.js';

/** Bytes and seconds behind, from the slot of a PostgreSQL source; `null`s without the slot. */
export async function readSlotLag(
  source: PostgresClient,
  slotName: string,
): Promise<Readonly<{ bytes: number | null; seconds: number | null }>> {
  const { currentLsn, slots } = await readSourceSlots(source, [slotName]);
  const slot = slots.get(slotName);
  if (slot === undefined) return Object.freeze({ bytes: null, seconds: null });
  const lag = measureReplicationLag({
    currentLsn,
    confirmedFlushLsn: slot.confirmedFlushLsn,
    restartLsn: slot.restartLsn,
    latestEndLsn: null,
    replayLagSeconds: slot.replayLagSeconds,
    secondsSinceLatestEnd: null,
  });
  return Object.freeze({ bytes: lag.lagBytes, seconds: lag.lagSeconds });
}

/**
 * Messages on `bus` not yet applied by the job's consumer group (per the offsets the target
 * stored with the rows), and messages in its dead-letter topic (`null` if there is none).
 */
export async function readBusLag(
  bus: Bus,
  target: PostgresClient,
  names: PipelineJobNames,
): Promise<Readonly<{ events: number; deadLetters: number | null }>> {
  const [ends, stored] = await Promise.all([
    eventTopicEnds(bus, names.topicPrefix),
    readStoredOffsets(target, names.consumerGroup),
  ]);
  let behind = 0n;
  for (const [key, end] of ends) {
    const next = stored.get(key) ?? 0n;
    if (end > next) behind += end - next;
  }
  return Object.freeze({ events: Number(behind), deadLetters: await deadLetterCount(bus, names) });
}

async function deadLetterCount(bus: Bus, names: PipelineJobNames): Promise<number | null> {
  try {
    const ends = await bus.endOffsets(deadLetterTopic(names.topicPrefix));
    return ends.reduce((sum, end) => sum + Number(end), 0);
  } catch (error) {
    if (isReplicatorError(error, 'REPL_BUS_TOPIC_NOT_FOUND')) return null;
    throw error;
  }
}
