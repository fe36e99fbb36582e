/**
 * Recovery from a lost source history (`ChangeSource.isHistoryLost`): resuming anywhere but the
 * dead checkpoint would silently skip changes, and an upserting snapshot alone would keep rows
 * the source deleted meanwhile. So the streamed tables start over: once the loader applied
 * everything sent before (so no older event lands on the new copy), a new stream start is
 * recorded, the job store empties the target tables and resets their snapshot, and the new
 * checkpoint (snapshot not done) makes the run snapshot them again and stream from the new start.
 *
 * A crash before the new checkpoint is stored leaves the old one: the next run meets the lost
 * history again and starts over again. A crash after it resumes the new snapshot.
 */
import { formatTableRef } from '@database-replicator/core';
import type { ExtractorCheckpoint } from '../job/job-store.js';
import type { SourceTable } from './change-source.js';
import type { ExtractorOptions } from './extractor-options.js';

/**
 * The checkpoint of the new snapshot of `tables` after the stream failed with `error`, or
 * `undefined` when the run was aborted while waiting for the loader.
 *
 * @throws `error` itself when it is not a lost history or the run cannot wait for the loader.
 */
export async function startOverAfterLostHistory(
  options: ExtractorOptions,
  tables: readonly SourceTable[],
  error: unknown,
): Promise<ExtractorCheckpoint | undefined> {
  const { source, store, jobId, logger } = options;
  if (source.isHistoryLost?.(error) !== true || options.awaitApplied === undefined) throw error;
  const names = tables.map((table) => formatTableRef(table.id));
  logger.warn(
    { err: error, tables: names },
    'the source lost the changes since the checkpoint: copying the streamed tables again',
  );
  try {
    await options.awaitApplied();
  } catch (waitError) {
    if (options.signal.aborted) return undefined;
    throw waitError;
  }
  if (options.signal.aborted) return undefined;
  const start = await source.startPosition();
  await store.restartSnapshot(
    jobId,
    tables.map((table) => table.id),
  );
  const checkpoint: ExtractorCheckpoint = { start, stream: start, snapshotDone: false };
  await store.saveCheckpoint(jobId, options.extractorId, checkpoint);
  logger.info({ start, tables: names }, 'new stream start recorded; snapshot starts over');
  return checkpoint;
}
