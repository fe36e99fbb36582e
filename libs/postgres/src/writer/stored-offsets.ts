/**
 * What the target has applied, per partition, for a consumer group: the next offsets stored in
 * `_replicator.offsets` by the applies themselves, so they are exact whatever the bus says.
 */
import { quoteTable } from '@database-replicator/core';
import type pg from 'pg';
import { partitionKey } from './plan-change-batch.js';
import { OFFSETS_TABLE } from './replicator-schema.js';

/**
 * Next offset to apply by {@link partitionKey}, of every partition or of `only`; partitions never
 * applied are absent.
 */
export async function readStoredOffsets(
  client: pg.ClientBase,
  consumerGroup: string,
  only?: Readonly<{ topic: string; partition: number }>,
): Promise<Map<string, bigint>> {
  const { rows } = await client.query<{ topic: string; partition: number; next: string }>(
    `SELECT topic, partition, next_offset::text AS next FROM ${quoteTable(OFFSETS_TABLE)}
      WHERE consumer_group = $1 AND ($2::text IS NULL OR (topic = $2 AND partition = $3))`,
    [consumerGroup, only?.topic ?? null, only?.partition ?? null],
  );
  return new Map(rows.map((row) => [partitionKey(row.topic, row.partition), BigInt(row.next)]));
}

/**
 * Rewinds a consumer group's stored offsets to 0, keeping the highest applied source positions.
 * For an in-process bus, whose offsets start at 0 in every process: without this the loader
 * would take a new run's first messages for replays of the last run's.
 */
export async function rewindStoredOffsets(
  client: pg.ClientBase,
  consumerGroup: string,
): Promise<void> {
  await client.query(
    `UPDATE ${quoteTable(OFFSETS_TABLE)} SET next_offset = 0, updated_at = now()
      WHERE consumer_group = $1`,
    [consumerGroup],
  );
}
