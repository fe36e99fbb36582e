/**
 * The snapshot (ARCHITECTURE §5): workers claim tables from the job store and read them page by
 * page in key order; each page is sent, acknowledged by the bus, and only then recorded as
 * progress, so an interrupted snapshot resumes after the last recorded key and never skips a row.
 */
import { formatTableRef, type ChangeRow, type SourcePosition } from '@database-replicator/core';
import type { SnapshotProgress } from '../job/job-store.js';
import type { SourceTable } from './change-source.js';
import { rowKey, tableIdKey, tableTopic } from './event-builder.js';
import { isDurable } from './durability.js';
import type { ExtractorOptions } from './extractor-options.js';
import type { ExtractorMessage } from './extractor-ports.js';
import { snapshotMessages } from './snapshot-messages.js';

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
  let progress = resumed;
  const name = formatTableRef(table.id);
  const context = {
    source,
    table,
    start,
    mode: options.snapshotEvents ?? 'chunks',
    partitions: options.partitions,
    partitionForKey: options.partitionForKey,
  } as const;
  logger.info(
    { table: name, resumeAfter: progress.afterKey, rows: progress.rows },
    'table snapshot started',
  );
  const pageSize = new PageSize(options.pageRows ?? DEFAULT_PAGE_ROWS);
  for (;;) {
    const rows = pageSize.rows();
    const page = await firstPage(
      source.readSnapshot(table, progress.afterKey, { pageRows: rows, signal }),
    );
    const last = page.at(-1);
    if (last === undefined) break;
    const messages = snapshotMessages(context, page);
    pageSize.measured(page.length, messages);
    await producer.send(topic, messages);
    progress = {
      afterKey: rowKey(table.keyColumns, last),
      rows: progress.rows + page.length,
      done: false,
    };
    if (!(await isDurable(options))) return progress.rows - resumed.rows;
    await store.saveSnapshotProgress(jobId, worker, table.id, progress);
    report(options, table, progress);
    if (signal.aborted) return progress.rows - resumed.rows;
    if (page.length < rows) break;
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

/** The first page of a read; the read is closed after it (one query per page). */
async function firstPage(
  pages: AsyncIterable<readonly ChangeRow[]>,
): Promise<readonly ChangeRow[]> {
  for await (const page of pages) return page;
  return [];
}

// A page's messages are built in memory before they are sent: keep that near this size.
const PAGE_TARGET_BYTES = 2 * 1024 * 1024;
const MIN_PAGE_ROWS = 10;

/**
 * Rows per page, adapted to the table's row width so wide rows (large text or binary values)
 * keep a page near {@link PAGE_TARGET_BYTES} instead of a fixed row count.
 */
class PageSize {
  readonly #maxRows: number;
  #rows: number;

  constructor(maxRows: number) {
    this.#maxRows = Math.max(1, Math.floor(maxRows));
    this.#rows = Math.min(this.#maxRows, 100);
  }

  rows(): number {
    return this.#rows;
  }

  measured(rows: number, messages: readonly ExtractorMessage[]): void {
    const bytes = messages.reduce((sum, message) => sum + (message.value?.length ?? 0), 0);
    const perRow = Math.max(1, bytes / Math.max(1, rows));
    const fits = Math.floor(PAGE_TARGET_BYTES / perRow);
    this.#rows = Math.max(Math.min(MIN_PAGE_ROWS, this.#maxRows), Math.min(this.#maxRows, fits));
  }
}
