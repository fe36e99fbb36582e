/**
 * The loader loop: bus batches → validated events → one apply per table → commit.
 *
 * Per consumer batch (one partition, offset order), in chunks of at most `maxBatchMessages`:
 * 1. deserialize and validate each message; tombstones are ignored; a message that fails
 *    validation, or whose table has no known key columns, is dead-lettered;
 * 2. group the rest by table, keeping offset order, and apply each group (transient failures
 *    retried); a group rejected as poison is applied again event by event to isolate the poison
 *    events, which are dead-lettered while the others are applied;
 * 3. commit the chunk's last offset + 1 on the consumer, only after every apply returned. The
 *    target stored the offsets in the apply's own transaction, so a crash before the commit only
 *    causes a replay, which the applier skips.
 * Aborting `signal` lets the chunk in flight finish and commit, then resolves with the counts.
 */
import {
  isReplicatorError,
  isTransientError,
  replicatorError,
  retry,
  deserializeChangeEvent,
  type ErrorCode,
  type Logger,
  type TableId,
} from '@database-replicator/core';
import type {
  ApplyBatch,
  ApplyCounts,
  ChangeApplier,
  DeadLetterSink,
  LoaderConsumer,
  LoaderEvent,
  LoaderRecord,
} from './loader-ports.js';

/** Options of {@link runLoader}. */
export type LoaderOptions = Readonly<{
  consumer: LoaderConsumer;
  applier: ChangeApplier;
  deadLetters: DeadLetterSink;
  /** Key columns of a table; `undefined` for a table the loader does not know (dead-lettered). */
  keyColumnsOf: (table: TableId) => readonly string[] | undefined;
  /** Consumer group under which the target stores offsets. */
  consumerGroup: string;
  /** Messages applied (and committed) together at most; at least 1. Default 500. */
  maxBatchMessages?: number;
  /** Attempts per apply, dead-letter send or commit on transient failures. Default 5. */
  maxAttempts?: number;
  /** Aborting stops the loop after the chunk in flight is committed. */
  signal?: AbortSignal;
  logger: Logger;
  /** Called after each commit; e.g. to publish progress or, in tests, to stop once drained. */
  onCommit?: (progress: LoaderProgress) => void;
}>;

/** Counts since the loop started. */
export type LoaderStats = Readonly<{
  /** Events applied (past the stored offsets). */
  applied: number;
  /** Events at or below the stored offsets (replays), skipped by the applier. */
  skipped: number;
  /** Messages sent to the dead-letter sink. */
  deadLettered: number;
  /** Tombstones (null values) ignored. */
  tombstones: number;
}>;

/** What {@link LoaderOptions.onCommit} receives. */
export type LoaderProgress = Readonly<{
  topic: string;
  partition: number;
  /** The committed offset: the next to read. */
  nextOffset: string;
  stats: LoaderStats;
}>;

const DEFAULT_MAX_BATCH_MESSAGES = 500;

/**
 * Error codes of an apply that the data, not the environment, caused: retrying cannot help, so
 * the events are dead-lettered (after isolating them one by one).
 */
const POISON_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'REPL_EVENT_INVALID',
  'REPL_WRITER_EVENT_INVALID',
  'REPL_WRITER_TARGET_TABLE_INVALID',
  'REPL_WRITER_APPLY_FAILED',
]);

/** True if `error` means "this event cannot be applied" rather than "try again" or "stop". */
function isPoisonError(error: unknown): error is Error & { code: ErrorCode } {
  return isReplicatorError(error) && POISON_CODES.has(error.code) && !isTransientError(error);
}

/**
 * Runs the loader until the consumer's iteration ends or `signal` aborts.
 *
 * @returns The counts at the end.
 * @throws The first non-transient, non-poison failure (or a transient one after `maxAttempts`)
 *   of the consumer, the applier, the dead-letter sink or a commit; nothing past the last commit
 *   is committed, so a restart resumes there.
 */
export async function runLoader(options: LoaderOptions): Promise<LoaderStats> {
  const loader = new LoaderRun(options);
  return loader.run();
}

type Pending = { readonly record: LoaderRecord; readonly loaded: LoaderEvent };

class LoaderRun {
  readonly #options: LoaderOptions;
  readonly #log: Logger;
  readonly #maxBatchMessages: number;
  #applied = 0;
  #skipped = 0;
  #deadLettered = 0;
  #tombstones = 0;

  constructor(options: LoaderOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'loader' });
    this.#maxBatchMessages = Math.max(
      1,
      Math.floor(options.maxBatchMessages ?? DEFAULT_MAX_BATCH_MESSAGES),
    );
  }

  async run(): Promise<LoaderStats> {
    const { consumer, signal } = this.#options;
    this.#log.info({ consumerGroup: this.#options.consumerGroup }, 'loader started');
    try {
      for await (const batch of consumer) {
        for (let start = 0; start < batch.messages.length; start += this.#maxBatchMessages) {
          if (signal?.aborted === true) break;
          const chunk = batch.messages.slice(start, start + this.#maxBatchMessages);
          await this.#loadChunk(batch.topic, batch.partition, chunk);
        }
        if (signal?.aborted === true) break;
      }
    } catch (error) {
      // An abort during a retry wait surfaces as signal.reason: a clean stop, not a failure.
      if (signal?.aborted !== true || error !== signal.reason) throw error;
    }
    const stats = this.#stats();
    this.#log.info(stats, 'loader stopped');
    return stats;
  }

  async #loadChunk(
    topic: string,
    partition: number,
    records: readonly LoaderRecord[],
  ): Promise<void> {
    const groups = new Map<
      string,
      { table: TableId; keyColumns: readonly string[]; items: Pending[] }
    >();
    for (const record of records) {
      const pending = await this.#decode(topic, partition, record);
      if (pending === undefined) continue;
      const { table, keyColumns } = pending;
      const key = JSON.stringify([table.schema, table.table]);
      const group = groups.get(key) ?? { table, keyColumns, items: [] };
      group.items.push(pending.item);
      groups.set(key, group);
    }
    for (const group of groups.values()) {
      await this.#applyGroup(group.table, group.keyColumns, group.items);
    }
    const last = records.at(-1);
    if (last === undefined) return;
    const nextOffset = (BigInt(last.offset) + 1n).toString();
    await this.#retry(() => this.#options.consumer.commit(topic, partition, nextOffset));
    this.#log.debug(
      { topic, partition, nextOffset, messages: records.length, tables: groups.size },
      'batch committed',
    );
    this.#options.onCommit?.({ topic, partition, nextOffset, stats: this.#stats() });
  }

  /** A message as an event of a known table, or `undefined` if ignored or dead-lettered. */
  async #decode(
    topic: string,
    partition: number,
    record: LoaderRecord,
  ): Promise<{ table: TableId; keyColumns: readonly string[]; item: Pending } | undefined> {
    if (record.value === null) {
      this.#tombstones += 1;
      return undefined;
    }
    let loaded: LoaderEvent;
    try {
      loaded = {
        event: deserializeChangeEvent(record.value),
        topic,
        partition,
        offset: record.offset,
      };
    } catch (error) {
      if (!isPoisonError(error)) throw error;
      await this.#deadLetter(topic, partition, record, error);
      return undefined;
    }
    const { source } = loaded.event;
    const table: TableId = Object.freeze({
      schema: source.schema ?? source.db,
      table: source.table,
    });
    const keyColumns = this.#options.keyColumnsOf(table);
    if (keyColumns === undefined) {
      const error = replicatorError(
        'REPL_LOADER_TABLE_UNKNOWN',
        `No key columns known for table ${table.schema}.${table.table} (topic ${topic}, partition ${partition}, offset ${record.offset})`,
        {
          details: {
            table: `${table.schema}.${table.table}`,
            topic,
            partition,
            offset: record.offset,
          },
        },
      );
      await this.#deadLetter(topic, partition, record, error);
      return undefined;
    }
    return { table, keyColumns, item: { record, loaded } };
  }

  async #applyGroup(
    table: TableId,
    keyColumns: readonly string[],
    items: Pending[],
  ): Promise<void> {
    try {
      this.#count(await this.#apply(table, keyColumns, items));
      return;
    } catch (error) {
      if (!isPoisonError(error)) throw error;
      if (items.length === 1) {
        const [only] = items as [Pending];
        await this.#deadLetter(only.loaded.topic, only.loaded.partition, only.record, error);
        return;
      }
    }
    // The whole group was rolled back; apply its events one by one, in order, so only the
    // poison ones are dead-lettered.
    for (const item of items) await this.#applyGroup(table, keyColumns, [item]);
  }

  #apply(table: TableId, keyColumns: readonly string[], items: Pending[]): Promise<ApplyCounts> {
    const batch: ApplyBatch = Object.freeze({
      consumerGroup: this.#options.consumerGroup,
      table,
      keyColumns,
      events: items.map((item) => item.loaded),
    });
    return this.#retry(() => this.#options.applier.apply(batch));
  }

  async #deadLetter(
    topic: string,
    partition: number,
    record: LoaderRecord,
    error: Error & { code: ErrorCode },
  ): Promise<void> {
    const letter = Object.freeze({
      topic,
      partition,
      offset: record.offset,
      key: record.key,
      value: record.value,
      reason: error.message,
      code: error.code,
    });
    await this.#retry(() => this.#options.deadLetters.send(letter));
    this.#deadLettered += 1;
    this.#log.warn(
      { topic, partition, offset: record.offset, code: error.code },
      'message dead-lettered',
    );
  }

  #retry<T>(fn: () => Promise<T>): Promise<T> {
    return retry(() => fn(), {
      isRetryable: isTransientError,
      ...(this.#options.maxAttempts === undefined
        ? {}
        : { maxAttempts: this.#options.maxAttempts }),
      ...(this.#options.signal === undefined ? {} : { signal: this.#options.signal }),
      onRetry: ({ error, attempt, delayMs }) =>
        this.#log.warn({ err: error, attempt, delayMs }, 'transient failure, retrying'),
    });
  }

  #count(counts: ApplyCounts): void {
    this.#applied += counts.applied;
    this.#skipped += counts.skipped;
  }

  #stats(): LoaderStats {
    return Object.freeze({
      applied: this.#applied,
      skipped: this.#skipped,
      deadLettered: this.#deadLettered,
      tombstones: this.#tombstones,
    });
  }
}
