/**
 * A copy chunk (snapshot rows as COPY text) that the target refused as a whole: rather than
 * dead-letter all its rows with it, the target is asked which rows it refuses
 * (`ChangeApplier.findRefusedCopyRows`, a rolled-back probe). Each refused row is dead-lettered
 * as a copy chunk of that one row (a message value the loader can apply again, under the chunk's
 * key, at the chunk's offset); the chunk's other rows are applied with its offset in a normal
 * apply, so a replay is skipped. The dead letters go out before that apply: a crash in between
 * only sends them again.
 */
import { serializeCopyChunk } from '@database-replicator/core';
import type { IsolationContext } from './isolate-poison-events.js';
import type { ApplyCounts, CopyChunkBatch, LoaderCopyChunk } from './loader-ports.js';
import type { Pending } from './loader-message.js';

/**
 * Applies the rows of `batch` (the chunks of the message `item`) the target accepts and
 * dead-letters the others, one letter per row.
 *
 * @returns The counts of the apply (rows), or `undefined` when the rows cannot be told apart (no
 *   probe, or the probe refuses none): then the caller dead-letters the message whole.
 * @throws What the probe or the apply throw besides a refusal.
 */
export async function isolateRefusedCopyRows(
  context: IsolationContext,
  batch: CopyChunkBatch,
  item: Pending,
): Promise<ApplyCounts | undefined> {
  const { applier } = context;
  const find = applier.findRefusedCopyRows?.bind(applier);
  if (find === undefined) return undefined;
  const refused = await context.retry(() => find(batch));
  if (refused.length === 0) return undefined;
  const lines = batch.chunks.map((c) => copyLines(c.chunk.copy));
  const dropped = batch.chunks.map(() => new Set<number>());
  for (const { chunk: index, line, error } of refused) {
    const c = batch.chunks[index];
    const text = lines[index]?.[line];
    if (c === undefined || text === undefined) continue;
    dropped[index]?.add(line);
    const { source, ts_ms: tsMs, columns } = c.chunk;
    const value = serializeCopyChunk(source, tsMs, columns, 1, text);
    await context.deadLetter({ key: item.record.key, value, offset: c.offset }, error);
  }
  const chunks = batch.chunks.map((c, index) =>
    withoutLines(c, lines[index] ?? [], dropped[index] ?? new Set()),
  );
  return context.retry(() => applier.applyCopyChunks({ ...batch, chunks }));
}

/** `c` without the lines in `dropped`; an emptied chunk stays, so its offset is stored. */
function withoutLines(
  c: LoaderCopyChunk,
  lines: readonly string[],
  dropped: ReadonlySet<number>,
): LoaderCopyChunk {
  if (dropped.size === 0) return c;
  const kept = lines.filter((_, index) => !dropped.has(index));
  return { ...c, chunk: { ...c.chunk, copy: kept.join(''), row_count: kept.length } };
}

/** The COPY lines of `copy`, each with its `\n` (a raw line break only ever ends a row). */
function copyLines(copy: string): string[] {
  return copy
    .split('\n')
    .slice(0, -1)
    .map((line) => `${line}\n`);
}
