/**
 * The snapshot (ARCHITECTURE §5): workers claim tables from the job store and read them page by
 * page in key order; each page is sent, acknowledged by the bus, and only then recorded as
 * progress, so an interrupted snapshot resumes after the last recorded key and never skips a row.
 */
import {
  formatTableRef,
  serializeChangeEvent,
  type SourcePosition,
} from '@database-replicator/core';
import type { SnapshotProgress } from '../job/job-store.js';
import type { SourceTable } from './change-source.js';
import { messageKey, rowKey, snapshotEvent, tableIdKey, tableTopic } from './event-builder.js';
import type { ExtractorOptions } from './extractor-options.js';

const DEFAULT_WORKERS = 2;
const DEFAULT_PAGE_ROWS = 2000;
const DEFAULT_LEASE_MS = 60_000;

/** Runs the snapshot to the end (or until aborted). @returns Rows sent by this run. */
export async function runSnapshot(
  options: ExtractorOptions,
  tables: readonly SourceTable[],
  start: SourcePosition,
): Promise<number> {
  const byKey = new Map(tables.map((table) => [tableIdKey(table.id), table]));
  const workers = Math.max(1, options.snapshotWorkers ?? DEFAULT_WORKERS);
  const counts = await Promise.all(
    Array.from({ length: workers }, (_, index) =>
      runWorker(options, byKey, start, `${options.extractorId}/snapshot-${index}`),
    ),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

async function runWorker(
  options: ExtractorOptions,
  tables: ReadonlyMap<string, SourceTable>,
  start: SourcePosition,
  worker: string,
): Promise<number> {
  const { store, jobId, signal } = options;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const producer = await options.bus.producer();
  let sent = 0;
  try {
    while (!signal.aborted) {
      const claim = await store.claimSnapshotTable(jobId, worker, leaseMs);
      if (claim === undefined) break;
      const table = tables.get(tableIdKey(claim.table));
      if (table === undefined) {
        // Registered by an earlier run but no longer selected: nothing of it is sent.
        await store.saveSnapshotProgress(jobId, worker, claim.table, {
          ...claim.progress,
          done: true,
        });
        continue;
      }
      sent += await copyTable(options, producer, table, claim.progress, start, worker);
    }
  } finally {
    await producer.close();
  }
  return sent;
}

type Producer = Awaited<ReturnType<ExtractorOptions['bus']['producer']>>;

async function copyTable(
  options: ExtractorOptions,
  producer: Producer,
  table: SourceTable,
  resumed: SnapshotProgress,
  start: SourcePosition,
  worker: string,
): Promise<number> {
  const { source, store, jobId, signal, logger } = options;
  const topic = tableTopic(options.topicPrefix, source, table);
  const pageRows = options.pageRows ?? DEFAULT_PAGE_ROWS;
  let progress = resumed;
  const name = formatTableRef(table.id);
  logger.info(
    { table: name, resumeAfter: progress.afterKey, rows: progress.rows },
    'table snapshot started',
  );
  for await (const page of source.readSnapshot(table, progress.afterKey, { pageRows, signal })) {
    const last = page.at(-1);
    if (last === undefined) continue;
    const now = Date.now();
    await producer.send(
      topic,
      page.map((row) => ({
        key: messageKey(table.keyColumns, row),
        value: serializeChangeEvent(snapshotEvent(source, table, row, start, now)),
      })),
    );
    progress = {
      afterKey: rowKey(table.keyColumns, last),
      rows: progress.rows + page.length,
      done: false,
    };
    await store.saveSnapshotProgress(jobId, worker, table.id, progress);
    report(options, table, progress);
    if (signal.aborted) return progress.rows - resumed.rows;
  }
  progress = { ...progress, done: true };
  await store.saveSnapshotProgress(jobId, worker, table.id, progress);
  report(options, table, progress);
  logger.info({ table: name, rows: progress.rows }, 'table snapshot done');
  return progress.rows - resumed.rows;
}

function report(options: ExtractorOptions, table: SourceTable, progress: SnapshotProgress): void {
  options.onProgress?.({
    phase: 'snapshot',
    table: table.id,
    rows: progress.rows,
    estimatedRows: table.estimatedRows,
    done: progress.done,
  });
}
