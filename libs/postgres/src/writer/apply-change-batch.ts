/**
 * Applies a batch of change events of one table to the target in ONE transaction together with
 * the bus offsets it covers, which gives an exactly-once effect without bus transactions
 * (ARCHITECTURE §4, §6): lock the partitions' stored offsets, skip what is below them, collapse
 * per key, truncate if asked, delete, upsert per column set, advance the offsets, commit.
 */
import { quoteTable } from '@database-replicator/core';
import type pg from 'pg';
import type { ApplyResult, ChangeBatch } from './change-batch.js';
import { inApplyTransaction } from './apply-transaction.js';
import { advancePartitionOffsets, lockPartitionOffsets } from './partition-offsets.js';
import { partitionKey, planChangeBatch, type ChangePlan } from './plan-change-batch.js';
import { TargetTableShapeCache, type TargetTableShape } from './target-table-shape.js';
import { columnOf, deleteKeys, upsertRows } from './upsert-rows.js';

/** Options of {@link applyChangeBatch}. */
export type ApplyChangeBatchOptions = Readonly<{
  /** Target table shapes kept across batches. Default: read the shape for this call only. */
  shapes?: TargetTableShapeCache;
}>;

/**
 * Applies `batch` to the target `client` is connected to (outside any transaction; the
 * `_replicator` schema migrated). Re-applying a batch, or one overlapping an applied batch,
 * applies only the events past the stored offsets.
 *
 * @throws ReplicatorError `REPL_WRITER_TARGET_TABLE_INVALID` (table or column missing),
 *   `REPL_WRITER_EVENT_INVALID` (key column missing, bad offset), `REPL_WRITER_APPLY_FAILED`
 *   (a statement failed); in every case the transaction, offsets included, is rolled back.
 */
export async function applyChangeBatch(
  client: pg.ClientBase,
  batch: ChangeBatch,
  options: ApplyChangeBatchOptions = {},
): Promise<ApplyResult> {
  if (batch.events.length === 0) {
    return Object.freeze({ applied: 0, skipped: 0, upserts: 0, deletes: 0 });
  }
  const shape = await (options.shapes ?? new TargetTableShapeCache()).get(client, batch.table);
  for (const column of batch.keyColumns) columnOf(shape, column);
  return inApplyTransaction(client, batch.table, `${batch.events.length} change events`, () =>
    applyInTransaction(client, batch, shape),
  );
}

async function applyInTransaction(
  client: pg.ClientBase,
  batch: ChangeBatch,
  shape: TargetTableShape,
): Promise<ApplyResult> {
  const partitions = new Map(
    batch.events.map((item) => [
      partitionKey(item.topic, item.partition),
      { topic: item.topic, partition: item.partition },
    ]),
  );
  const stored = await lockPartitionOffsets(client, batch.consumerGroup, [...partitions.values()]);
  const plan = planChangeBatch(batch, stored);
  for (const group of plan.upserts) group.columns.forEach((name) => columnOf(shape, name));
  if (plan.truncate) await client.query(`TRUNCATE ${quoteTable(batch.table)}`);
  // After collapsing every key appears once, so deletes and upserts never touch the same row.
  const deletes = await deleteKeys(client, shape, batch.keyColumns, plan.deletes);
  const upserts = await writeUpserts(client, batch, shape, plan);
  await advancePartitionOffsets(client, batch.consumerGroup, plan.advances);
  return Object.freeze({ applied: plan.applied, skipped: plan.skipped, upserts, deletes });
}

async function writeUpserts(
  client: pg.ClientBase,
  batch: ChangeBatch,
  shape: TargetTableShape,
  plan: ChangePlan,
): Promise<number> {
  let written = 0;
  for (const [index, group] of plan.upserts.entries()) {
    written += await upsertRows(
      client,
      shape,
      batch.keyColumns,
      group,
      `_replicator_stage_${index}`,
    );
  }
  return written;
}
