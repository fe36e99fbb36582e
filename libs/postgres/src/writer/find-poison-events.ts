/**
 * Which events of a batch the target refuses, found without changing anything: the batch's
 * events are applied one by one, in order, each under its own savepoint, inside a transaction
 * that is always rolled back. An event whose statements fail is rolled back to its savepoint and
 * reported; the events after it are tried on top of the ones that passed. The loader uses this
 * when a message carrying many events (a change chunk) is refused as a whole: it dead-letters
 * the reported events and applies the others, with their offsets, in a normal apply.
 */
import {
  formatTableRef,
  isReplicatorError,
  isTransientError,
  replicatorError,
  type ReplicatorError,
} from '@database-replicator/core';
import type pg from 'pg';
import { partitionsOf, planForShape, writePlan } from './apply-change-batch.js';
import type { ChangeBatch } from './change-batch.js';
import { lockPartitionOffsets } from './partition-offsets.js';
import { partitionKey, type StoredPartition } from './plan-change-batch.js';
import { TargetTableShapeCache } from './target-table-shape.js';
import { columnOf } from './upsert-rows.js';

/** An event the target refuses: its index in the batch and why. */
export type PoisonEvent = Readonly<{ index: number; error: ReplicatorError }>;

/** Options of {@link findPoisonEvents}. */
export type FindPoisonEventsOptions = Readonly<{ shapes?: TargetTableShapeCache }>;

const SAVEPOINT = 'dr_poison_probe';

/**
 * The events of `batch` (row changes, no schema changes) that the target refuses. Nothing is
 * kept: the transaction is rolled back, offsets included.
 *
 * @throws Transient failures (connection lost, deadlock), for the caller to retry; a
 *   ReplicatorError `REPL_WRITER_TARGET_TABLE_INVALID` when the table itself is unusable (then
 *   every event would be refused).
 */
export async function findPoisonEvents(
  client: pg.ClientBase,
  batch: ChangeBatch,
  options: FindPoisonEventsOptions = {},
): Promise<readonly PoisonEvent[]> {
  const shapes = options.shapes ?? new TargetTableShapeCache();
  const shape = await shapes.get(client, batch.table);
  for (const column of batch.keyColumns) columnOf(shape, column);
  const poison: PoisonEvent[] = [];
  await client.query('BEGIN');
  try {
    const stored = await lockPartitionOffsets(client, batch.consumerGroup, partitionsOf(batch));
    const running = new Map<string, StoredPartition>(stored);
    for (const [index, item] of batch.events.entries()) {
      const single: ChangeBatch = { ...batch, events: [item] };
      await client.query(`SAVEPOINT ${SAVEPOINT}`);
      try {
        const plan = await planForShape(client, single, running, shape);
        await writePlan(client, single, shape, plan, `_replicator_probe_${index}_`);
        await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
        // Positions move on, so a resent event is still recognised; stored offsets do not: the
        // events of one message share its offset, and each must be tried.
        for (const advance of plan.advances) {
          const id = partitionKey(advance.topic, advance.partition);
          running.set(id, {
            nextOffset: stored.get(id)?.nextOffset ?? 0n,
            position: advance.position,
          });
        }
      } catch (error) {
        if (isTransientError(error)) throw error;
        await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
        poison.push({ index, error: refusal(batch, index, error) });
      }
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
  return Object.freeze(poison);
}

/** The refusal as the loader classifies poison: a typed error, or a statement failure. */
function refusal(batch: ChangeBatch, index: number, error: unknown): ReplicatorError {
  if (isReplicatorError(error)) return error;
  const name = formatTableRef(batch.table);
  const item = batch.events[index];
  const where = item === undefined ? '' : ` at ${item.topic}[${item.partition}]@${item.offset}`;
  const reason = error instanceof Error ? error.message : String(error);
  return replicatorError(
    'REPL_WRITER_APPLY_FAILED',
    `applying the '${item?.event.op ?? '?'}' event${where} to ${name} failed: ${reason}`,
    { details: { table: name }, cause: error },
  );
}
