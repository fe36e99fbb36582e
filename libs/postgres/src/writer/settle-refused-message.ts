/**
 * A message the target refused, settled once. The loader dead-letters what the target refuses
 * of it and applies the rest (probe, dead letters, apply: several transactions), which two
 * loaders may do at the same time: a rebalance hands the partition to a new member, which reads
 * again from the bus's last commit while the old owner is still settling the message. The rows
 * would be applied once (the apply's offsets say so), but every dead letter sent twice. So the
 * settling runs under a session advisory lock on the message's partition and only when the
 * stored offset is not past the message yet; afterwards the stored offset is past it, even when
 * nothing of it was applied (every row or event dead-lettered). The second loader waits for the
 * lock, then finds the offset past the message and skips it; a replay does the same.
 */
import { createHash } from 'node:crypto';
import { quoteTable } from '@database-replicator/core';
import type pg from 'pg';
import { partitionKey } from './plan-change-batch.js';
import { OFFSETS_TABLE } from './replicator-schema.js';
import { readStoredOffsets } from './stored-offsets.js';

/** Where a refused message was read, and the consumer group whose offsets it moves. */
export type RefusedMessage = Readonly<{
  consumerGroup: string;
  topic: string;
  partition: number;
  /** The bus offset, a non-negative decimal string. */
  offset: string;
}>;

/**
 * Runs `settle` for `message` under its partition's lock unless the stored offset is past the
 * message, then stores the offset past it. `client` must not be inside a transaction; `settle`
 * may run transactions on it.
 *
 * @returns What `settle` returned; `undefined` when the message was settled or applied before.
 * @throws What `settle` throws (no offset is stored then), or a failure of the lock or offset
 *   statements; the lock is released either way (or with the session).
 */
export async function settleRefusedMessage<T>(
  client: pg.ClientBase,
  message: RefusedMessage,
  settle: () => Promise<T>,
): Promise<T | undefined> {
  const key = [lockKey(message), message.partition];
  // A session lock: the settling spans transactions. The two-int form keeps these keys apart
  // from the bigint keys of migrations and table registration.
  await client.query('SELECT pg_advisory_lock($1::int, $2::int)', key);
  try {
    const stored = await readStoredOffsets(client, message.consumerGroup, message);
    const next = stored.get(partitionKey(message.topic, message.partition)) ?? 0n;
    if (BigInt(message.offset) < next) return undefined;
    const result = await settle();
    await storeOffsetPast(client, message);
    return result;
  } finally {
    // A lost connection released the lock with its session.
    await client.query('SELECT pg_advisory_unlock($1::int, $2::int)', key).catch(() => undefined);
  }
}

/** The consumer group and topic as a 32-bit key; a collision only makes two partitions wait. */
function lockKey(message: RefusedMessage): number {
  return createHash('sha256')
    .update(`${message.consumerGroup}\n${message.topic}`)
    .digest()
    .readInt32BE(0);
}

/**
 * Moves the stored offset past `message` unless the settling's apply already did; the source
 * position stays that of the last applied event, since nothing of the message may have been.
 */
async function storeOffsetPast(client: pg.ClientBase, message: RefusedMessage): Promise<void> {
  await client.query(
    `INSERT INTO ${quoteTable(OFFSETS_TABLE)} AS o (consumer_group, topic, partition, next_offset, updated_at)
     VALUES ($1, $2, $3, $4::bigint, now())
     ON CONFLICT (consumer_group, topic, partition) DO UPDATE
        SET next_offset = EXCLUDED.next_offset, updated_at = now()
      WHERE o.next_offset < EXCLUDED.next_offset`,
    [message.consumerGroup, message.topic, message.partition, String(BigInt(message.offset) + 1n)],
  );
}
