/**
 * Applies a batch of change events of one table to the target in ONE transaction together with
 * the bus offsets it covers, which gives an exactly-once effect without bus transactions
 * (ARCHITECTURE §4, §6): lock the partitions' stored offsets, skip what is below them, collapse
 * per key, truncate if asked, delete, upsert per column set, advance the offsets, commit.
 *
 * A batch with schema changes (`s` events) is split at them: the rows before a change are
 * written, the change is applied (DDL, idempotent), the table's shape is read again, and the rows
 * after it are written with the new shape, all in the same transaction as the offsets. Rows
 * that still name a column renamed or dropped by a change applied from another partition are
 * translated (column-history.ts).
 */
import { quoteTable } from '@database-replicator/core';
import type pg from 'pg';
import type { ApplyResult, ChangeBatch } from './change-batch.js';
import { inApplyTransaction } from './apply-transaction.js';
import { advancePartitionOffsets, lockPartitionOffsets } from './partition-offsets.js';
import { applySchemaChange } from './apply-schema-change.js';
import {
  hasStaleShape,
  readColumnHistory,
  recordColumnChange,
  translateStaleRows,
} from './column-history.js';
import {
  partitionKey,
  planChangeBatch,
  type ChangePlan,
  type PartitionAdvance,
  type StoredPartition,
} from './plan-change-batch.js';
import { planSchemaStep, recordAdvances, segmentsOf } from './schema-change-segments.js';
import { TargetTableShapeCache, type TargetTableShape } from './target-table-shape.js';
import { columnOf, deleteKeys, upsertRows } from './upsert-rows.js';

const STAGE_PREFIX = '_replicator_stage_';

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
  const shapes = options.shapes ?? new TargetTableShapeCache();
  const shape = await shapes.get(client, batch.table);
  for (const column of batch.keyColumns) columnOf(shape, column);
  const what = `${batch.events.length} change events`;
  const work = (): Promise<ApplyResult> => applyInTransaction(client, batch, shape);
  if (!hasSchemaChange(batch)) return inApplyTransaction(client, batch.table, what, work);
  // The shape read inside the transaction is the changed one: whatever the outcome, the next
  // batch reads it again (a rolled-back change must not stay cached).
  shapes.forget(batch.table);
  try {
    return await inApplyTransaction(client, batch.table, what, work);
  } finally {
    shapes.forget(batch.table);
  }
}

/** True if `batch` holds a schema change (`s` event): its shape changes inside the transaction. */
export function hasSchemaChange(batch: ChangeBatch): boolean {
  return batch.events.some((item) => item.event.op === 's');
}

/** What a batch wrote, and where its partitions move once the transaction stores it. */
export type WrittenBatch = Readonly<{
  result: ApplyResult;
  /** Sorted by topic and partition. */
  advances: readonly PartitionAdvance[];
}>;

/**
 * Writes `batch` inside the caller's transaction, planned against `stored` (locked by the
 * caller), and says where its partitions move; the caller advances the stored offsets. Staging
 * tables are named from `stagePrefix` (they live until the commit: one prefix per call).
 */
export async function writeBatch(
  client: pg.ClientBase,
  batch: ChangeBatch,
  stored: ReadonlyMap<string, StoredPartition>,
  shape: TargetTableShape,
  stagePrefix: string,
): Promise<WrittenBatch> {
  if (hasSchemaChange(batch)) {
    return writeSegments(client, batch, stored, shape, stagePrefix);
  }
  const plan = await planForShape(client, batch, stored, shape);
  // After collapsing every key appears once, so deletes and upserts never touch the same row.
  const { upserts, deletes } = await writePlan(client, batch, shape, plan, stagePrefix);
  const { applied, skipped } = plan;
  return { result: Object.freeze({ applied, skipped, upserts, deletes }), advances: plan.advances };
}

async function writeSegments(
  client: pg.ClientBase,
  batch: ChangeBatch,
  stored: ReadonlyMap<string, StoredPartition>,
  initial: TargetTableShape,
  stagePrefix: string,
): Promise<WrittenBatch> {
  const running = new Map<string, StoredPartition>(stored);
  const merged = new Map<string, PartitionAdvance>();
  let shape = initial;
  const totals = { applied: 0, skipped: 0, upserts: 0, deletes: 0 };
  let segments = 0;
  for (const segment of segmentsOf(batch.events)) {
    if (segment.kind === 'schema') {
      const step = planSchemaStep(batch, segment.item, running);
      if (step.apply) {
        shape = await applySchemaChange(client, batch.table, segment.change);
        const { position } = segment.item.event.source;
        await recordColumnChange(client, batch.table, segment.change, position);
      }
      if (step.apply) totals.applied += 1;
      else totals.skipped += 1;
      if (step.advance !== undefined) recordAdvances([step.advance], running, merged);
      continue;
    }
    const part: ChangeBatch = { ...batch, events: segment.events };
    const plan = await planForShape(client, part, running, shape);
    // Staging tables live until the commit: each segment needs names of its own.
    const written = await writePlan(client, part, shape, plan, `${stagePrefix}s${segments}_`);
    segments += 1;
    totals.applied += plan.applied;
    totals.skipped += plan.skipped;
    totals.upserts += written.upserts;
    totals.deletes += written.deletes;
    recordAdvances(plan.advances, running, merged);
  }
  const advances = [...merged.values()].sort(compareAdvances);
  return { result: Object.freeze(totals), advances };
}

/** Orders advances by topic, then partition: the order offset rows are locked and written in. */
export function compareAdvances(a: PartitionAdvance, b: PartitionAdvance): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

/**
 * Plans `batch`; when a row does not have the table's shape, plans it again with the rows
 * translated through the table's column changes (a genuinely unknown column still fails in
 * `columnOf`).
 */
export async function planForShape(
  client: pg.ClientBase,
  batch: ChangeBatch,
  stored: ReadonlyMap<string, StoredPartition>,
  shape: TargetTableShape,
): Promise<ChangePlan> {
  const plan = planChangeBatch(batch, stored);
  if (!hasStaleShape(plan.upserts, shape)) return plan;
  const history = await readColumnHistory(client, batch.table);
  if (history.length === 0) return plan;
  const events = translateStaleRows(batch.events, history, shape);
  return planChangeBatch({ ...batch, events }, stored);
}

export function partitionsOf(batch: ChangeBatch): { topic: string; partition: number }[] {
  const partitions = new Map(
    batch.events.map((item) => [
      partitionKey(item.topic, item.partition),
      { topic: item.topic, partition: item.partition },
    ]),
  );
  return [...partitions.values()];
}

/** Truncate, deletes and upserts of one plan. */
export async function writePlan(
  client: pg.ClientBase,
  batch: ChangeBatch,
  shape: TargetTableShape,
  plan: ChangePlan,
  stagePrefix: string,
): Promise<{ upserts: number; deletes: number }> {
  for (const group of plan.upserts) group.columns.forEach((name) => columnOf(shape, name));
  if (plan.truncate) await client.query(`TRUNCATE ${quoteTable(batch.table)}`);
  const deletes = await deleteKeys(client, shape, batch.keyColumns, plan.deletes);
  const upserts = await writeUpserts(client, batch, shape, plan, stagePrefix);
  return { upserts, deletes };
}

async function applyInTransaction(
  client: pg.ClientBase,
  batch: ChangeBatch,
  shape: TargetTableShape,
): Promise<ApplyResult> {
  const stored = await lockPartitionOffsets(client, batch.consumerGroup, partitionsOf(batch));
  const { result, advances } = await writeBatch(client, batch, stored, shape, STAGE_PREFIX);
  await advancePartitionOffsets(client, batch.consumerGroup, advances);
  return result;
}

async function writeUpserts(
  client: pg.ClientBase,
  batch: ChangeBatch,
  shape: TargetTableShape,
  plan: ChangePlan,
  stagePrefix: string,
): Promise<number> {
  let written = 0;
  for (const [index, group] of plan.upserts.entries()) {
    written += await upsertRows(client, shape, batch.keyColumns, group, `${stagePrefix}${index}`);
  }
  return written;
}
