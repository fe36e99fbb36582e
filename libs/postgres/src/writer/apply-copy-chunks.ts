/**
 * Loads copy chunks (snapshot rows as COPY text) with their offsets in one transaction: COPY
 * straight into the target table, the cheapest load PostgreSQL has. A chunk can only meet rows
 * already stored when an extractor resent snapshot pages after a restart; COPY then fails on the
 * primary key, and the chunks go through a staging table and one upsert instead, the later copy
 * of a key winning. Chunks at or below the stored offsets are skipped, as in
 * {@link applyChangeBatch}.
 */
import { quoteIdent, quoteTable, type SourcePosition } from '@database-replicator/core';
import type pg from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { inApplyTransaction } from './apply-transaction.js';
import type { ApplyResult, BatchCopyChunk, CopyChunkBatch } from './change-batch.js';
import { advancePartitionOffsets, lockPartitionOffsets } from './partition-offsets.js';
import { partitionKey, type PartitionAdvance, type StoredPartition } from './plan-change-batch.js';
import { TargetTableShapeCache } from './target-table-shape.js';
import { columnOf } from './upsert-rows.js';

const UNIQUE_VIOLATION = '23505';
const STAGING = '_replicator_copy_stage';
const ORDER_COLUMN = '_replicator_order';

/**
 * Applies `batch` to the target `client` is
 * connected to, outside any transaction.
 *
 * @throws ReplicatorError `REPL_WRITER_TARGET_TABLE_INVALID` (table or column missing),
 *   `REPL_WRITER_APPLY_FAILED` (a line the target refuses); the transaction is rolled back.
 */
export async function applyCopyChunks(
  client: pg.ClientBase,
  batch: CopyChunkBatch,
  shapes: TargetTableShapeCache = new TargetTableShapeCache(),
): Promise<ApplyResult> {
  const shape = await shapes.get(client, batch.table);
  const columns = new Set(batch.chunks.flatMap((c) => c.chunk.columns));
  for (const column of [...batch.keyColumns, ...columns]) columnOf(shape, column);
  const what = `${batch.chunks.length} snapshot copy chunks`;
  return inApplyTransaction(client, batch.table, what, async () => {
    const refs = [
      ...new Map(batch.chunks.map((c) => [partitionKey(c.topic, c.partition), c])).values(),
    ];
    const stored = await lockPartitionOffsets(client, batch.consumerGroup, refs);
    const fresh = batch.chunks.filter((c) => BigInt(c.offset) >= nextOffsetOf(stored, c));
    const rows = (chunks: readonly BatchCopyChunk[]) =>
      chunks.reduce((sum, c) => sum + c.chunk.row_count, 0);
    const applied = rows(fresh);
    for (const group of byColumns(fresh)) await loadChunks(client, batch, group);
    await advancePartitionOffsets(client, batch.consumerGroup, advancesOf(fresh, stored));
    return Object.freeze({
      applied,
      skipped: rows(batch.chunks) - applied,
      upserts: applied,
      deletes: 0,
    });
  });
}

function nextOffsetOf(stored: ReadonlyMap<string, StoredPartition>, c: BatchCopyChunk): bigint {
  return stored.get(partitionKey(c.topic, c.partition))?.nextOffset ?? 0n;
}

/** Consecutive chunks with the same column list (all of them, unless the source's table changed). */
function byColumns(chunks: readonly BatchCopyChunk[]): BatchCopyChunk[][] {
  const groups: BatchCopyChunk[][] = [];
  let signature = '';
  for (const c of chunks) {
    const next = JSON.stringify(c.chunk.columns);
    if (next === signature) groups.at(-1)?.push(c);
    else groups.push([c]);
    signature = next;
  }
  return groups;
}

/**
 * Loads `chunks` (one column list) into the table inside the caller's transaction: COPY, or
 * staging + upsert when COPY meets a stored key. Also run by the refused-row probe
 * (find-refused-copy-rows.ts).
 */
export async function loadChunks(
  client: pg.ClientBase,
  batch: CopyChunkBatch,
  chunks: readonly BatchCopyChunk[],
): Promise<void> {
  const columns = chunks[0]?.chunk.columns ?? [];
  const list = columns.map(quoteIdent).join(', ');
  await client.query('SAVEPOINT replicator_copy');
  try {
    await copyInto(client, `${quoteTable(batch.table)} (${list})`, chunks);
    await client.query('RELEASE SAVEPOINT replicator_copy');
    return;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT replicator_copy');
  }
  await upsertThroughStaging(client, batch, columns, chunks);
}

/** Rows some of which the target holds: staged in order, then the last copy of each key wins. */
async function upsertThroughStaging(
  client: pg.ClientBase,
  batch: CopyChunkBatch,
  columns: readonly string[],
  chunks: readonly BatchCopyChunk[],
): Promise<void> {
  const list = columns.map(quoteIdent).join(', ');
  const keys = batch.keyColumns.map(quoteIdent).join(', ');
  const staging = quoteIdent(STAGING);
  const order = quoteIdent(ORDER_COLUMN);
  await client.query(
    `CREATE TEMP TABLE ${staging} ON COMMIT DROP AS SELECT ${list} FROM ${quoteTable(batch.table)} WITH NO DATA`,
  );
  await client.query(`ALTER TABLE ${staging} ADD COLUMN ${order} bigserial`);
  await copyInto(client, `${staging} (${list})`, chunks);
  const key = new Set(batch.keyColumns);
  const updated = columns.filter((name) => !key.has(name)).map(quoteIdent);
  const onConflict =
    updated.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${updated.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}`;
  await client.query(
    `INSERT INTO ${quoteTable(batch.table)} (${list})
     SELECT DISTINCT ON (${keys}) ${list} FROM ${staging} ORDER BY ${keys}, ${order} DESC
     ON CONFLICT (${keys}) ${onConflict}`,
  );
  await client.query(`DROP TABLE ${staging}`);
}

async function copyInto(
  client: pg.ClientBase,
  target: string,
  chunks: readonly BatchCopyChunk[],
): Promise<void> {
  const copy = client.query(copyFrom(`COPY ${target} FROM STDIN`));
  // A chunk whose every row was dead-lettered holds no text; an empty write is not data.
  const texts = chunks.map((c) => c.chunk.copy).filter((text) => text.length > 0);
  await pipeline(Readable.from(texts), copy);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === UNIQUE_VIOLATION;
}

/** Each partition's next offset after the batch; its stored position, or the snapshot's start. */
function advancesOf(
  chunks: readonly BatchCopyChunk[],
  stored: ReadonlyMap<string, StoredPartition>,
): PartitionAdvance[] {
  const last = new Map<string, BatchCopyChunk>();
  for (const c of chunks) last.set(partitionKey(c.topic, c.partition), c);
  return [...last.entries()].map(([id, c]) => {
    const position: SourcePosition = stored.get(id)?.position ?? c.chunk.source.position;
    return {
      topic: c.topic,
      partition: c.partition,
      nextOffset: String(BigInt(c.offset) + 1n),
      position,
    };
  });
}
