/**
 * One extractor run (ARCHITECTURE §5): describe the tables, create their topics and target
 * tables, record the stream start P0 before any row is read (or resume from the stored
 * checkpoint), snapshot the tables not yet done, then stream from the checkpoint. Every
 * checkpoint is stored only after the bus acknowledged what it covers.
 */
import { formatTableRef, type SourcePosition } from '@database-replicator/core';
import type { ExtractorCheckpoint } from '../job/job-store.js';
import type { SourceTable } from './change-source.js';
import { tableTopic } from './event-builder.js';
import type { ExtractorOptions, ExtractorReport } from './extractor-options.js';
import { forwardChanges } from './forward-changes.js';
import { startOverAfterLostHistory } from './history-lost.js';
import { runSnapshot } from './snapshot-workers.js';

/**
 * Runs the extractor until the snapshot is done (`stream: false`), or until `signal` aborts. A
 * stream whose source history was lost starts the snapshot over (history-lost.ts).
 *
 * @throws The first failure of the source, the bus or the store; everything before the last
 *   checkpoint is durable and a restart resumes there.
 */
export async function runExtractor(options: ExtractorOptions): Promise<ExtractorReport> {
  const { source, store, jobId, extractorId, logger, signal } = options;
  const tables = await source.describeTables();
  await options.bus.ensureTopics(
    tables.map((table) => tableTopic(options.topicPrefix, source, table)),
    { partitions: options.partitions },
  );
  await store.registerTables(jobId, tables);
  let checkpoint = await store.loadCheckpoint(jobId, extractorId);
  if (checkpoint === undefined) {
    const start = await source.startPosition();
    checkpoint = { start, stream: start, snapshotDone: false };
    await store.saveCheckpoint(jobId, extractorId, checkpoint);
    logger.info({ start }, 'stream start recorded');
  }
  const live = await streamedTables(options, tables);
  let snapshotRows = 0;
  for (;;) {
    if (!checkpoint.snapshotDone) {
      snapshotRows += await runSnapshot(options, live, checkpoint.start);
      if (signal.aborted) return report(snapshotRows, 0, checkpoint.stream);
      checkpoint = await finishSnapshot(options, live, checkpoint);
    }
    if (!options.stream || signal.aborted) {
      return report(snapshotRows, 0, checkpoint.stream);
    }
    // Snapshot chunks spread over partitions regardless of their rows' keys: a change sent before
    // every one of them is applied could be overtaken by an older copy of its row.
    if (options.snapshotRouting === 'spread') await options.awaitApplied?.();
    if (signal.aborted) return report(snapshotRows, 0, checkpoint.stream);
    const base: ExtractorCheckpoint = checkpoint;
    try {
      const streamed = await forwardChanges(options, live, base, (position, sentUpTo) =>
        store.saveCheckpoint(jobId, extractorId, { ...base, stream: position, sentUpTo }),
      );
      return report(snapshotRows, streamed.events, streamed.position);
    } catch (error) {
      const restarted = await startOverAfterLostHistory(options, live, error);
      if (restarted === undefined) return report(snapshotRows, 0, base.stream);
      checkpoint = restarted;
    }
  }
}

async function finishSnapshot(
  options: ExtractorOptions,
  tables: readonly SourceTable[],
  checkpoint: ExtractorCheckpoint,
): Promise<ExtractorCheckpoint> {
  const { store, jobId, extractorId } = options;
  const done: ExtractorCheckpoint = { ...checkpoint, snapshotDone: true };
  for (const table of tables) await store.setTablePhase(jobId, table.id, 'streaming');
  await store.saveCheckpoint(jobId, extractorId, done);
  options.logger.info({ tables: tables.length }, 'snapshot done');
  return done;
}

/**
 * `tables` without those a schema change stopped in an earlier run: the checkpoint is past the
 * statement, so streaming them again would apply rows of the new shape to the old target table.
 */
async function streamedTables(
  options: ExtractorOptions,
  tables: readonly SourceTable[],
): Promise<readonly SourceTable[]> {
  const failed = new Set(
    (await options.store.failedTables(options.jobId)).map((id) => formatTableRef(id)),
  );
  if (failed.size === 0) return tables;
  options.logger.warn(
    { tables: [...failed] },
    'tables stopped by an earlier schema change stay stopped (REPL_SOURCE_DDL_UNSUPPORTED): snapshot them again or run the job again from the start',
  );
  return tables.filter((table) => !failed.has(formatTableRef(table.id)));
}

function report(
  snapshotRows: number,
  streamEvents: number,
  position: SourcePosition,
): ExtractorReport {
  return { snapshotRows, streamEvents, position };
}
