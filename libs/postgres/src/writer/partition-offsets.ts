/**
 * The stored next offset per partition (`_replicator.offsets`), read and advanced inside the
 * batch's transaction: the rows and the offsets that cover them commit together (ARCHITECTURE
 * §4).
 */
import { parseSourcePosition, quoteTable, type SourcePosition } from '@database-replicator/core';
import type pg from 'pg';
import { partitionKey, type PartitionAdvance, type StoredPartition } from './plan-change-batch.js';
import { OFFSETS_TABLE } from './replicator-schema.js';

type PartitionRef = Readonly<{ topic: string; partition: number }>;

/**
 * Locks the offset rows of `partitions` for this transaction (creating missing ones at offset 0)
 * and returns their stored next offsets and last source positions by {@link partitionKey}. A second loader holding the
 * same partitions (during a rebalance) waits here, then sees what the first one committed.
 */
export async function lockPartitionOffsets(
  client: pg.ClientBase,
  consumerGroup: string,
  partitions: readonly PartitionRef[],
): Promise<Map<string, StoredPartition>> {
  // Sorted, so two loaders lock shared rows in the same order and cannot deadlock.
  const sorted = [...partitions].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
  const topics = sorted.map((p) => p.topic);
  const numbers = sorted.map((p) => p.partition);
  await client.query(
    `INSERT INTO ${quoteTable(OFFSETS_TABLE)} (consumer_group, topic, partition, next_offset, updated_at)
     SELECT $1, u.topic, u.partition, 0, now() FROM unnest($2::text[], $3::int[]) AS u(topic, partition)
     ON CONFLICT DO NOTHING`,
    [consumerGroup, topics, numbers],
  );
  const { rows } = await client.query<{
    topic: string;
    partition: number;
    next: string;
    position: unknown;
  }>(
    `SELECT o.topic, o.partition, o.next_offset::text AS next, o.source_position AS position
       FROM ${quoteTable(OFFSETS_TABLE)} o
       JOIN unnest($2::text[], $3::int[]) AS u(topic, partition)
         ON o.topic = u.topic AND o.partition = u.partition
      WHERE o.consumer_group = $1
      ORDER BY o.topic, o.partition
        FOR UPDATE OF o`,
    [consumerGroup, topics, numbers],
  );
  return new Map(
    rows.map((row) => [
      partitionKey(row.topic, row.partition),
      { nextOffset: BigInt(row.next), position: storedPosition(row.position) },
    ]),
  );
}

/** A position written by an older version or by hand that no longer parses is not used to skip. */
function storedPosition(value: unknown): SourcePosition | null {
  if (value === null) return null;
  try {
    return parseSourcePosition(value);
  } catch {
    return null;
  }
}

/** Moves the stored offsets forward to what the batch applied, with the last source position. */
export async function advancePartitionOffsets(
  client: pg.ClientBase,
  consumerGroup: string,
  advances: readonly PartitionAdvance[],
): Promise<void> {
  if (advances.length === 0) return;
  await client.query(
    `UPDATE ${quoteTable(OFFSETS_TABLE)} o
        SET next_offset = u.next::bigint, source_position = u.position::jsonb, updated_at = now()
       FROM unnest($2::text[], $3::int[], $4::text[], $5::text[]) AS u(topic, partition, next, position)
      WHERE o.consumer_group = $1 AND o.topic = u.topic AND o.partition = u.partition`,
    [
      consumerGroup,
      advances.map((a) => a.topic),
      advances.map((a) => a.partition),
      advances.map((a) => a.nextOffset),
      advances.map((a) => JSON.stringify(a.position)),
    ],
  );
}
