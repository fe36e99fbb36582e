/**
 * The loader loop: bus batches → validated events → applies → commits.
 *
 * 1. Batches are read in groups (batch-groups.ts): the next one, plus those the consumer already
 *    holds behind it (what one fetch brought from many partitions), within `maxBatchMessages`
 *    and `maxBatchBytes`; a single larger batch is cut into slices within them. A group of
 *    several batches is one unit, each slice of a larger batch is one; each partition's share of
 *    a unit is a part.
 * 2. Each message is deserialized and validated (an event the extractor of this process built,
 *    handed over by the in-process bus, is taken as it is); tombstones, and messages stamped with
 *    an incarnation no job of the target has (an earlier run's, `INCARNATION_HEADER`), are
 *    skipped; a message that fails validation, or whose table has no known key columns, is
 *    rejected: dead-lettered when its part is applied, in its place. A part becomes runs of
 *    consecutive events of one table (and one kind), and rejected messages between them.
 * 3. A unit of several parts holding only row changes is applied in ONE transaction with all
 *    its offsets when the applier can (`applyAll`); otherwise, or when that is refused as
 *    poison, each part's runs are applied in order (transient failures retried). Runs, not one
 *    group per table: the target stores ONE next offset per partition, so applying a later
 *    event of table A before an earlier one of table B in separate transactions would mark B's
 *    event as applied. A run rejected as poison is applied again event by event to isolate the
 *    poison events (or, in a copy chunk, rows), which are dead-lettered while the others are
 *    applied. A refused or rejected message is settled once (`ChangeApplier.settleRefused`):
 *    under the target's lock on its partition, only if the stored offset is not past it yet,
 *    and storing the offset past it; so a loader that got the partition in a rebalance while the
 *    old owner settles the message, or a replay, does not dead-letter it again.
 * 4. Each part's last offset + 1 is committed on the consumer, only after its applies returned.
 *    The target stored the offsets in the apply's own transaction, so a crash before the commit
 *    only causes a replay, which the applier skips; for the same reason a commit the bus refuses
 *    (the partition moved to another member in a rebalance) is logged and the loop goes on.
 * Aborting `signal` ends a wait for the next batch at once; a unit in flight finishes its part
 * (retries included) and commits it, then the loop resolves with the counts. The consumer's
 * owner closes it.
 */
import {
  isReplicatorError,
  isTransientError,
  replicatorError,
  retry,
  type ErrorCode,
  type Logger,
  type TableId,
} from '@database-replicator/core';
import { applySlices } from './apply-slices.js';
import { BatchGroups } from './batch-groups.js';
import { continuesRun, groupRuns, isRun, type Rejected, type Step } from './group-runs.js';
import { INCARNATION_HEADER } from './constants.js';
import { isPoisonError } from './poison-error.js';
import { decodeLoaderMessage, type LoaderMessage, type Pending } from './loader-message.js';
import { settleRefused, settleRejected, type SettleContext } from './settle-refused.js';
import type { LoaderOptions, LoaderStats } from './loader-options.js';
import type {
  ApplyBatch,
  ApplyCounts,
  CopyChunkBatch,
  LoaderBatch,
  LoaderRecord,
} from './loader-ports.js';

export type { LoaderOptions, LoaderProgress, LoaderStats } from './loader-options.js';

const DEFAULT_MAX_BATCH_MESSAGES = 500;
const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Runs the loader until the consumer's iteration ends or `signal` aborts.
 *
 * @returns The counts at the end.
 * @throws The first non-transient, non-poison failure (or a transient one after `maxAttempts`)
 *   of the consumer, the applier, the key lookup, the dead-letter sink or a commit (except a
 *   refused commit, `REPL_BUS_COMMIT_FAILED`, which is logged: the target holds the offsets);
 *   nothing past the last commit is committed, so a restart resumes there.
 */
export async function runLoader(options: LoaderOptions): Promise<LoaderStats> {
  const loader = new LoaderRun(options);
  return loader.run();
}

/** A partition's share of a unit: consecutive records of one partition, in offset order. */
type Part = Readonly<{ topic: string; partition: number; records: readonly LoaderRecord[] }>;

/** A message of a table whose key columns are known. */
type Decoded = Readonly<{ table: TableId; keyColumns: readonly string[]; item: Pending }>;

class LoaderRun {
  readonly #options: LoaderOptions;
  readonly #log: Logger;
  readonly #maxBatchMessages: number;
  readonly #maxBatchBytes: number;
  /** Tables whose key columns are known, by schema and name. */
  readonly #keyColumns = new Map<
    string,
    Readonly<{ table: TableId; keyColumns: readonly string[] }>
  >();
  #applied = 0;
  #skipped = 0;
  #deadLettered = 0;
  #tombstones = 0;
  #otherIncarnations = 0;
  /** Incarnations asked about (`isJobIncarnation`), and the answer. */
  readonly #incarnations = new Map<string, boolean>();
  /** What settling a refused or rejected message (settle-refused.ts) uses of this run. */
  readonly #settling: SettleContext;

  constructor(options: LoaderOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'loader' });
    this.#maxBatchMessages = Math.max(
      1,
      Math.floor(options.maxBatchMessages ?? DEFAULT_MAX_BATCH_MESSAGES),
    );
    this.#maxBatchBytes = Math.max(1, options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
    this.#settling = {
      applier: options.applier,
      consumerGroup: options.consumerGroup,
      retry: (fn, also) => this.#retry(fn, also),
      deadLetter: (topic, partition, record, error) =>
        this.#deadLetter(topic, partition, record, error),
    };
  }

  async run(): Promise<LoaderStats> {
    const { consumer, signal } = this.#options;
    this.#log.info({ consumerGroup: this.#options.consumerGroup }, 'loader started');
    const groups = new BatchGroups(consumer[Symbol.asyncIterator](), {
      maxMessages: this.#maxBatchMessages,
      maxBytes: this.#maxBatchBytes,
    });
    for (;;) {
      const group = await groups.next(signal);
      if (group === undefined) break;
      for (const unit of this.#units(group)) {
        if (signal?.aborted === true) break;
        await this.#loadUnit(unit);
      }
    }
    const stats = this.#stats();
    this.#log.info(stats, 'loader stopped');
    return stats;
  }

  /** The units of a group: all its batches, or the slices of its one batch. */
  *#units(group: readonly LoaderBatch[]): Generator<Part[]> {
    const [only] = group;
    if (group.length > 1 || only === undefined) {
      yield group.map(({ topic, partition, messages }) => ({
        topic,
        partition,
        records: messages,
      }));
      return;
    }
    const { topic, partition } = only;
    for (const records of applySlices(only.messages, this.#maxBatchMessages, this.#maxBatchBytes)) {
      yield [{ topic, partition, records }];
    }
  }

  async #loadUnit(parts: readonly Part[]): Promise<void> {
    const decoded: { part: Part; steps: Step[] }[] = [];
    for (const part of parts) decoded.push({ part, steps: await this.#stepsOf(part) });
    if (parts.length > 1 && (await this.#applyTogether(decoded.flatMap((d) => d.steps)))) {
      // One commit per partition (its last part), all at once: each is a round trip to the bus.
      const last = new Map(decoded.map((d) => [`${d.part.topic}\u0000${d.part.partition}`, d]));
      await Promise.all(
        [...last.values()].map(({ part, steps }) => this.#commitPart(part, steps.length)),
      );
      return;
    }
    for (const { part, steps } of decoded) {
      // Parts are independent: once aborted, the rest is left uncommitted for a replay.
      if (part !== decoded[0]?.part && this.#options.signal?.aborted === true) return;
      for (const step of steps) {
        if (isRun(step)) await this.#applyGroup(step.table, step.keyColumns, step.items);
        else await settleRejected(this.#settling, step);
      }
      await this.#commitPart(part, steps.length);
    }
  }

  /** A part's messages as runs of one table and one kind and rejected messages, in order. */
  async #stepsOf({ topic, partition, records }: Part): Promise<Step[]> {
    const steps: Step[] = [];
    for (const record of records) {
      // Synchronous unless a table's key columns must be looked up: this runs for every message.
      let decoded = this.#decode(topic, partition, record);
      if (decoded instanceof Promise) decoded = await decoded;
      if (decoded === undefined) continue;
      if (!('item' in decoded)) {
        steps.push(decoded);
        continue;
      }
      const last = steps.at(-1);
      if (last !== undefined && isRun(last) && continuesRun(last, decoded.table, decoded.item)) {
        last.items.push(decoded.item);
      } else {
        steps.push({ table: decoded.table, keyColumns: decoded.keyColumns, items: [decoded.item] });
      }
    }
    return steps;
  }

  /**
   * Applies the runs of several partitions in one transaction (`applyAll`); false when the
   * applier cannot, the runs hold more than row changes, or the target refused them as poison
   * (then nothing was applied, and the runs are applied one by one to isolate the poison).
   */
  async #applyTogether(steps: readonly Step[]): Promise<boolean> {
    const { applier, consumerGroup } = this.#options;
    const applyAll = applier.applyAll?.bind(applier);
    if (applyAll === undefined) return false;
    const batches = groupRuns(steps, consumerGroup);
    if (batches === undefined) return false;
    if (batches.length === 0) return true;
    try {
      this.#count(await this.#retry(() => applyAll(batches)));
      return true;
    } catch (error) {
      if (!isPoisonError(error)) throw error;
      this.#log.debug({ err: error }, 'a unit was refused; applying its runs one by one');
      return false;
    }
  }

  async #commitPart({ topic, partition, records }: Part, runs: number): Promise<void> {
    const last = records.at(-1);
    if (last === undefined) return;
    const nextOffset = (BigInt(last.offset) + 1n).toString();
    if (!(await this.#commit(topic, partition, nextOffset))) return;
    this.#log.debug(
      { topic, partition, nextOffset, messages: records.length, runs },
      'batch committed',
    );
    this.#options.onCommit?.({ topic, partition, nextOffset, stats: this.#stats() });
  }

  /**
   * Commits on the consumer; false if the bus refused because the partition moved to another
   * member (or the consumer was closed by an abort). Harmless: the target holds the offsets, so
   * whoever reads the partition next skips what this loader applied.
   */
  async #commit(topic: string, partition: number, nextOffset: string): Promise<boolean> {
    try {
      await this.#retry(() => this.#options.consumer.commit(topic, partition, nextOffset));
      return true;
    } catch (error) {
      const stopped =
        this.#options.signal?.aborted === true && isReplicatorError(error, 'REPL_BUS_CLOSED');
      if (!stopped && !isReplicatorError(error, 'REPL_BUS_COMMIT_FAILED')) throw error;
      // Info, not a warning: partitions move whenever a loader of the group (re)joins, e.g. each
      // time a table's topic appears during a snapshot, and nothing is lost or applied twice.
      this.#log.info(
        { code: error.code, reason: error.message, topic, partition, nextOffset },
        'commit not accepted by the bus; the target holds the offsets, a replay will be skipped',
      );
      return false;
    }
  }

  /** A message as an event of a known table, rejected, or `undefined` if ignored. */
  #decode(
    topic: string,
    partition: number,
    record: LoaderRecord,
  ): Decoded | Rejected | undefined | Promise<Decoded | Rejected | undefined> {
    const incarnation = record.headers?.[INCARNATION_HEADER];
    const { isJobIncarnation } = this.#options;
    if (incarnation !== undefined && isJobIncarnation !== undefined) {
      const known = this.#incarnations.get(incarnation);
      if (known === undefined) {
        const at = { topic, partition, offset: record.offset };
        return this.#learnIncarnation(incarnation, isJobIncarnation, at).then(() =>
          this.#decode(topic, partition, record),
        );
      }
      if (!known) {
        this.#otherIncarnations += 1;
        return undefined;
      }
    }
    let message: LoaderMessage | null | undefined;
    try {
      message = decodeLoaderMessage(topic, partition, record);
    } catch (error) {
      if (!isPoisonError(error)) throw error;
      return { topic, partition, record, error };
    }
    if (message === null) {
      this.#tombstones += 1;
      return undefined;
    }
    if (message === undefined) return undefined;
    const known = this.#keyColumns.get(`${message.schema}\u0000${message.table}`);
    if (known !== undefined) return { ...known, item: message.item };
    return this.#decodeUnknown(topic, partition, record, message);
  }

  /**
   * Asks whether a job of the target has `incarnation` and keeps the answer for the run; `at` is
   * the first message stamped with it, for the warning.
   */
  async #learnIncarnation(
    incarnation: string,
    isJobIncarnation: (incarnation: string) => Promise<boolean>,
    at: Readonly<{ topic: string; partition: number; offset: string }>,
  ): Promise<void> {
    const known = await this.#retry(() => isJobIncarnation(incarnation));
    this.#incarnations.set(incarnation, known);
    if (!known) {
      this.#log.warn(
        { incarnation, ...at },
        'skipping messages of an incarnation no job of the target has: an earlier run left them on the bus',
      );
    }
  }

  /** A message of a table whose key columns were not looked up yet. */
  async #decodeUnknown(
    topic: string,
    partition: number,
    record: LoaderRecord,
    message: LoaderMessage,
  ): Promise<Decoded | Rejected> {
    const table: TableId = Object.freeze({ schema: message.schema, table: message.table });
    const keyColumns = await this.#retry(() => this.#options.keyColumnsOf(table));
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
      return { topic, partition, record, error };
    }
    // Found keys are kept for the run (the applier caches them too): this runs per message.
    this.#keyColumns.set(`${message.schema}\u0000${message.table}`, { table, keyColumns });
    return { table, keyColumns, item: message.item };
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
        const item = items[0] as Pending;
        this.#count(await settleRefused(this.#settling, { table, keyColumns, item, error }));
        return;
      }
    }
    // The whole run was rolled back; apply its events one by one, in order, so only the poison
    // ones are dead-lettered.
    for (const item of items) await this.#applyGroup(table, keyColumns, [item]);
  }

  #apply(table: TableId, keyColumns: readonly string[], items: Pending[]): Promise<ApplyCounts> {
    const { consumerGroup, applier } = this.#options;
    const copies = items.flatMap((item) =>
      item.content.kind === 'copy' ? [item.content.copy] : [],
    );
    if (copies.length > 0) {
      const batch: CopyChunkBatch = Object.freeze({
        consumerGroup,
        table,
        keyColumns,
        chunks: copies,
      });
      return this.#retry(() => applier.applyCopyChunks(batch));
    }
    const batch: ApplyBatch = Object.freeze({
      consumerGroup,
      table,
      keyColumns,
      events: items.flatMap((item) => (item.content.kind === 'events' ? item.content.events : [])),
    });
    return this.#retry(() => applier.apply(batch));
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
    // The reason goes to the log too: an in-process bus's dead letters end with the process.
    this.#log.warn(
      { topic, partition, offset: record.offset, code: error.code, reason: error.message },
      'message dead-lettered',
    );
  }

  /**
   * Retries transient failures (that `also` accepts). Not bound to the signal: a chunk in flight
   * finishes.
   */
  #retry<T>(fn: () => Promise<T>, also: (error: unknown) => boolean = () => true): Promise<T> {
    return retry(() => fn(), {
      isRetryable: (error) => isTransientError(error) && also(error),
      ...(this.#options.maxAttempts === undefined
        ? {}
        : { maxAttempts: this.#options.maxAttempts }),
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
      otherIncarnations: this.#otherIncarnations,
    });
  }
}
