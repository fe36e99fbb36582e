/**
 * Which rows of copy chunks the target refuses, found without changing anything: inside a
 * transaction that is always rolled back, each chunk's COPY lines are loaded under a savepoint;
 * a range the target refuses is rolled back and split in two, down to single lines, so k refused
 * rows among n cost about k·log2(n) loads rather than n. Ranges that pass stay loaded, so later
 * lines are tried on top of them, as the real apply would. The loader runs this only after a copy
 * chunk was refused as a whole; it dead-letters the reported rows and applies the others, with
 * the chunk's offset, in a normal apply (apply-copy-chunks.ts).
 */
import {
  formatTableRef,
  isTransientError,
  replicatorError,
  type ReplicatorError,
} from '@database-replicator/core';
import type pg from 'pg';
import { loadChunks } from './apply-copy-chunks.js';
import type { BatchCopyChunk, CopyChunkBatch } from './change-batch.js';
import { lockPartitionOffsets } from './partition-offsets.js';
import { partitionKey } from './plan-change-batch.js';
import { TargetTableShapeCache } from './target-table-shape.js';
import { columnOf } from './upsert-rows.js';

/** A row the target refuses: its chunk's index in the batch, its line in the chunk, and why. */
export type RefusedCopyRow = Readonly<{ chunk: number; line: number; error: ReplicatorError }>;

/** Options of {@link findRefusedCopyRows}. */
export type FindRefusedCopyRowsOptions = Readonly<{ shapes?: TargetTableShapeCache }>;

const SAVEPOINT = 'dr_copy_probe';

/**
 * The rows of `batch` the target refuses, in batch order. Chunks at or below the stored offsets
 * are not probed (the apply skips them). Nothing is kept: the transaction is rolled back.
 *
 * @throws Transient failures (connection lost, deadlock), for the caller to retry; a
 *   ReplicatorError `REPL_WRITER_TARGET_TABLE_INVALID` when the table itself is unusable.
 */
export async function findRefusedCopyRows(
  client: pg.ClientBase,
  batch: CopyChunkBatch,
  options: FindRefusedCopyRowsOptions = {},
): Promise<readonly RefusedCopyRow[]> {
  const shapes = options.shapes ?? new TargetTableShapeCache();
  const shape = await shapes.get(client, batch.table);
  const columns = new Set(batch.chunks.flatMap((c) => c.chunk.columns));
  for (const column of [...batch.keyColumns, ...columns]) columnOf(shape, column);
  const refused: RefusedCopyRow[] = [];
  await client.query('BEGIN');
  try {
    const refs = batch.chunks.map((c) => ({ topic: c.topic, partition: c.partition }));
    const stored = await lockPartitionOffsets(client, batch.consumerGroup, refs);
    for (const [index, item] of batch.chunks.entries()) {
      const next = stored.get(partitionKey(item.topic, item.partition))?.nextOffset ?? 0n;
      if (BigInt(item.offset) < next) continue;
      const lines = copyLines(item.chunk.copy);
      await probeRange({ client, batch, item, lines }, 0, lines.length, (line, error) =>
        refused.push({ chunk: index, line, error: refusal(batch, item, line, error) }),
      );
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
  return Object.freeze(refused);
}

type Probe = Readonly<{
  client: pg.ClientBase;
  batch: CopyChunkBatch;
  item: BatchCopyChunk;
  lines: readonly string[];
}>;

/** Loads lines `from`..`to` of the chunk, bisecting a refused range down to its refused lines. */
async function probeRange(
  probe: Probe,
  from: number,
  to: number,
  onRefused: (line: number, error: unknown) => void,
): Promise<void> {
  if (from >= to) return;
  const { client, batch, item, lines } = probe;
  const part = lines.slice(from, to);
  const chunk = { ...item.chunk, copy: part.join(''), row_count: part.length };
  await client.query(`SAVEPOINT ${SAVEPOINT}`);
  try {
    await loadChunks(client, batch, [{ ...item, chunk }]);
    await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return;
  } catch (error) {
    if (isTransientError(error)) throw error;
    await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    if (to - from === 1) {
      onRefused(from, error);
      return;
    }
  }
  const middle = from + Math.floor((to - from) / 2);
  await probeRange(probe, from, middle, onRefused);
  await probeRange(probe, middle, to, onRefused);
}

/** The COPY lines of `copy`, each with its `\n` (a raw line break only ever ends a row). */
function copyLines(copy: string): string[] {
  return copy
    .split('\n')
    .slice(0, -1)
    .map((line) => `${line}\n`);
}

/** The refusal as the loader classifies poison: always `REPL_WRITER_APPLY_FAILED`. */
function refusal(
  batch: CopyChunkBatch,
  item: BatchCopyChunk,
  line: number,
  error: unknown,
): ReplicatorError {
  const name = formatTableRef(batch.table);
  const where = `${item.topic}[${item.partition}]@${item.offset}`;
  const reason = error instanceof Error ? error.message : String(error);
  return replicatorError(
    'REPL_WRITER_APPLY_FAILED',
    `applying row ${line + 1} of the snapshot copy chunk at ${where} to ${name} failed: ${reason}`,
    { details: { table: name, line: line + 1 }, cause: error },
  );
}
