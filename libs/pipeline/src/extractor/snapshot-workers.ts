/**
 * The snapshot (ARCHITECTURE §5): workers claim tables from the job store and read them page by
 * page in key order; each page is sent, acknowledged by the bus, and only then recorded as
 * progress, so an interrupted snapshot resumes after the last recorded key and never skips a row.
 */
import { formatTableRef, type ChangeKey, type SourcePosition } from '@database-replicator/core';
import type { SnapshotProgress } from '../job/job-store.js';
import type { SnapshotReadOptions, SourceTable } from './change-source.js';
import { rowKey, tableIdKey, tableTopic } from './event-builder.js';
import { isDurable } from './durability.js';
import type { ExtractorOptions } from './extractor-options.js';
import type { ExtractorMessage } from './extractor-ports.js';
import {
  copySnapshotMessages,
  snapshotMessages,
  type SnapshotMessageContext,
} from './snapshot-messages.js';

const DEFAULT_WORKERS = 2;
const DEFAULT_PAGE_ROWS = 8000;
const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_CHECKPOINT_INTERVAL_MS = 0;

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
  const { source, signal, logger } = options;
  const topic = tableTopic(options.topicPrefix, source, table);
  let progress = resumed;
  const name = formatTableRef(table.id);
  const context: SnapshotMessageContext = {
    source,
    table,
    start,
    mode: options.snapshotEvents ?? 'chunks',
    routing: options.snapshotRouting ?? 'key',
    partitions: options.partitions,
    partitionForKey: options.partitionForKey,
  };
  logger.info(
    { table: name, resumeAfter: progress.afterKey, rows: progress.rows },
    'table snapshot started',
  );
  const pageSize = new PageSize(options.pageRows ?? DEFAULT_PAGE_ROWS);
  const saves = new ProgressSaves(
    (reached) => checkpointPage(options, worker, table, reached),
    options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
  );
  const sent = (): number => progress.rows - resumed.rows;
  try {
    for (;;) {
      const rows = pageSize.rows();
      const page = await readPage(context, progress.afterKey, { pageRows: rows, signal });
      if (page === undefined) break;
      pageSize.measured(page.rows, page.messages);
      await producer.send(topic, page.messages);
      progress = { afterKey: page.lastKey, rows: progress.rows + page.rows, done: false };
      if (page.rows < rows) break;
      if (!(await saves.offer(progress, signal.aborted)) || signal.aborted) {
        await saves.settled();
        return sent();
      }
    }
    if (!(await saves.settled())) return sent();
    progress = { ...progress, done: true };
    if (!(await checkpointPage(options, worker, table, progress))) return sent();
    logger.info({ table: name, rows: progress.rows }, 'table snapshot done');
    return sent();
  } finally {
    await saves.drained();
  }
}

/**
 * The progress saves of one table: in order, each once what it covers is durable, at most one
 * per interval, and running while the next pages are read and sent. On an in-process bus
 * "durable" means "applied", and waiting for that after every page would idle the source; a
 * restart resends at most the pages after the last save, which the loader applies idempotently.
 */
class ProgressSaves {
  readonly #save: (progress: SnapshotProgress) => Promise<boolean>;
  readonly #intervalMs: number;
  #previous: Promise<boolean> = Promise.resolve(true);
  // 0: the first page of a table is saved at once, so progress shows (and resumes) early.
  #savedAt = 0;

  constructor(save: (progress: SnapshotProgress) => Promise<boolean>, intervalMs: number) {
    this.#save = save;
    this.#intervalMs = intervalMs;
  }

  /**
   * Queues a save of `progress` once the interval has passed (or when `force`d), then waits for
   * the save before it, so one save at most runs behind the sender. False once a save was
   * refused (the run was aborted).
   */
  offer(progress: SnapshotProgress, force: boolean): Promise<boolean> {
    if (!force && Date.now() - this.#savedAt < this.#intervalMs) return Promise.resolve(true);
    this.#savedAt = Date.now();
    const before = this.#previous;
    this.#previous = before.then(async (ok) => ok && (await this.#save(progress)));
    // Awaited by settled() or drained(); this only keeps a failure meanwhile from being unhandled.
    this.#previous.catch(() => undefined);
    return before;
  }

  /** The last queued save's outcome. */
  settled(): Promise<boolean> {
    return this.#previous;
  }

  /** Resolves once no save runs, whatever their outcome: the caller may close the store next. */
  async drained(): Promise<void> {
    await this.#previous.catch(() => undefined);
  }
}

/** Saves a page's progress once what was sent is durable; false if the run was aborted first. */
async function checkpointPage(
  options: ExtractorOptions,
  worker: string,
  table: SourceTable,
  progress: SnapshotProgress,
): Promise<boolean> {
  if (!(await isDurable(options))) return false;
  await options.store.saveSnapshotProgress(options.jobId, worker, table.id, progress);
  report(options, table, progress);
  return true;
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

/** One page of a table as messages; `undefined` past the last row. */
type PageMessages = Readonly<{ rows: number; lastKey: ChangeKey; messages: ExtractorMessage[] }>;

/**
 * Reads one page (one query) and builds its messages: copy chunks when the source offers COPY
 * text and chunks are wanted, else JSON chunks or per-row events.
 */
async function readPage(
  context: SnapshotMessageContext,
  after: ChangeKey | null,
  options: SnapshotReadOptions,
): Promise<PageMessages | undefined> {
  const { source, table } = context;
  if (context.mode === 'chunks' && source.readSnapshotCopy !== undefined) {
    const page = await firstPage(source.readSnapshotCopy(table, after, options));
    const lastKey = page?.keys.at(-1);
    if (page === undefined || lastKey === undefined) return undefined;
    return { rows: page.keys.length, lastKey, messages: copySnapshotMessages(context, page) };
  }
  const page = await firstPage(source.readSnapshot(table, after, options));
  const last = page?.at(-1);
  if (page === undefined || last === undefined) return undefined;
  return {
    rows: page.length,
    lastKey: rowKey(table.keyColumns, last),
    messages: snapshotMessages(context, page),
  };
}

/** The first page of a read; the read is closed after it (one query per page). */
async function firstPage<T>(pages: AsyncIterable<T>): Promise<T | undefined> {
  for await (const page of pages) return page;
  return undefined;
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
