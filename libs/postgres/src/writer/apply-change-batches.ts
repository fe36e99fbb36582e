/**
 * Applies several change batches (of several tables, or of one table's partitions) in ONE
 * transaction with every offset they cover: what one bus fetch brought from many partitions
 * costs one transaction instead of one per partition (ARCHITECTURE §4, §6). Each batch is
 * planned against the offsets stored when the transaction began and written as
 * {@link applyChangeBatch} writes it; then every partition's stored offset moves to the furthest
 * offset any batch reached in it, so each event must be in one batch only. Either everything
 * commits, offsets included, or nothing does.
 */
import { comparePositions, type TableId } from '@database-replicator/core';
import type pg from 'pg';
import {
  applyChangeBatch,
  compareAdvances,
  hasSchemaChange,
  partitionsOf,
  writeBatch,
  type ApplyChangeBatchOptions,
} from './apply-change-batch.js';
import { inApplyTransaction } from './apply-transaction.js';
import type { ApplyResult, ChangeBatch } from './change-batch.js';
import { advancePartitionOffsets, lockPartitionOffsets } from './partition-offsets.js';
import { partitionKey, type PartitionAdvance } from './plan-change-batch.js';
import { TargetTableShapeCache, type TargetTableShape } from './target-table-shape.js';
import { columnOf } from './upsert-rows.js';

/**
 * Applies `batches` (all of one consumer group) to the target `client` is connected to, outside
 * any transaction, in one transaction. Re-applying them, or batches overlapping applied ones,
 * applies only the events past the stored offsets.
 *
 * @throws ReplicatorError as {@link applyChangeBatch}, naming the first batch's table for a
 *   failed statement; the transaction, offsets included, is rolled back.
 */
export async function applyChangeBatches(
  client: pg.ClientBase,
  batches: readonly ChangeBatch[],
  options: ApplyChangeBatchOptions = {},
): Promise<ApplyResult> {
  const todo = batches.filter((batch) => batch.events.length > 0);
  const [first] = todo;
  if (first === undefined) return Object.freeze({ applied: 0, skipped: 0, upserts: 0, deletes: 0 });
  if (todo.length === 1) return applyChangeBatch(client, first, options);
  const shapes = options.shapes ?? new TargetTableShapeCache();
  const shaped: { batch: ChangeBatch; shape: TargetTableShape }[] = [];
  for (const batch of todo) {
    const shape = await shapes.get(client, batch.table);
    for (const column of batch.keyColumns) columnOf(shape, column);
    shaped.push({ batch, shape });
  }
  const changing = todo.filter(hasSchemaChange).map((batch) => batch.table);
  const events = todo.reduce((sum, batch) => sum + batch.events.length, 0);
  const what = `${events} change events of ${todo.length} batches`;
  // A shape read inside the transaction may be a changed one: whatever the outcome, the next
  // batch reads it again (a rolled-back change must not stay cached).
  forgetAll(shapes, changing);
  try {
    return await inApplyTransaction(client, first.table, what, () =>
      applyAllInTransaction(client, first.consumerGroup, shaped),
    );
  } finally {
    forgetAll(shapes, changing);
  }
}

async function applyAllInTransaction(
  client: pg.ClientBase,
  consumerGroup: string,
  shaped: readonly { batch: ChangeBatch; shape: TargetTableShape }[],
): Promise<ApplyResult> {
  const partitions = new Map(
    shaped
      .flatMap(({ batch }) => partitionsOf(batch))
      .map((ref) => [partitionKey(ref.topic, ref.partition), ref]),
  );
  const stored = await lockPartitionOffsets(client, consumerGroup, [...partitions.values()]);
  const totals = { applied: 0, skipped: 0, upserts: 0, deletes: 0 };
  const furthest = new Map<string, PartitionAdvance>();
  for (const [index, { batch, shape }] of shaped.entries()) {
    // Staging tables live until the commit: each batch needs names of its own.
    const prefix = `_replicator_stage_b${index}_`;
    const { result, advances } = await writeBatch(client, batch, stored, shape, prefix);
    totals.applied += result.applied;
    totals.skipped += result.skipped;
    totals.upserts += result.upserts;
    totals.deletes += result.deletes;
    for (const advance of advances) keepFurthest(furthest, advance);
  }
  await advancePartitionOffsets(
    client,
    consumerGroup,
    [...furthest.values()].sort(compareAdvances),
  );
  return Object.freeze(totals);
}

/** Keeps, per partition, the advance with the highest offset and the highest position seen. */
function keepFurthest(furthest: Map<string, PartitionAdvance>, advance: PartitionAdvance): void {
  const id = partitionKey(advance.topic, advance.partition);
  const kept = furthest.get(id);
  if (kept === undefined) {
    furthest.set(id, advance);
    return;
  }
  const nextOffset =
    BigInt(advance.nextOffset) > BigInt(kept.nextOffset) ? advance.nextOffset : kept.nextOffset;
  const position = isAfter(advance, kept) ? advance.position : kept.position;
  furthest.set(id, Object.freeze({ ...kept, nextOffset, position }));
}

/** True if `a`'s position is after `b`'s; positions that cannot be ordered keep `b`'s. */
function isAfter(a: PartitionAdvance, b: PartitionAdvance): boolean {
  if (a.position.kind !== b.position.kind || a.position.kind === 'mongodb') return false;
  return comparePositions(a.position, b.position) > 0;
}

function forgetAll(shapes: TargetTableShapeCache, tables: readonly TableId[]): void {
  for (const table of tables) shapes.forget(table);
}
