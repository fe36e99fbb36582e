/**
 * What the loader's unit suites share: streamed change events of rows `{ id, v }`, consumer
 * batches of serialized messages, a consumer handing out a fixed list of batches, a dead-letter
 * sink that keeps its letters, and the options every run of those suites has in common.
 */
import { createLogger, type ChangeEvent } from '@database-replicator/core';
import type {
  ChangeApplier,
  DeadLetter,
  DeadLetterSink,
  LoaderBatch,
  LoaderConsumer,
  LoaderOptions,
} from '@database-replicator/pipeline';
import { streamedChange } from '../../../test/support/change-events.js';

/** A logger that writes nothing. */
export const silentLogger = createLogger({ level: 'silent' });

/** How {@link rowChange} departs from an insert of `v: '<table>-<id>'` at transaction index `id`. */
export type RowChangeOptions = Readonly<{ v?: string; op?: ChangeEvent['op']; txIndex?: number }>;

/**
 * A streamed `op` (default an insert) of the row `{ id, v }` of `public.<table>` at LSN `0/1`:
 * `v` defaults to `<table>-<id>`, the transaction index to `id`.
 */
export function rowChange(table: string, id: number, options: RowChangeOptions = {}): ChangeEvent {
  const row = { id, v: options.v ?? `${table}-${id}` };
  const position = { kind: 'postgres', lsn: '0/1', txIndex: options.txIndex ?? id } as const;
  return streamedChange(table, options.op ?? 'c', row, position);
}

/**
 * A consumer batch of `partition` of `topic` holding `values` (null: a tombstone) at offsets
 * `first`, `first + 1`, …, each under the key `k<offset>`.
 */
export function loaderBatch(
  topic: string,
  partition: number,
  first: number,
  values: readonly (string | null)[],
): LoaderBatch {
  return {
    topic,
    partition,
    messages: values.map((value, i) => ({
      key: `k${first + i}`,
      value,
      offset: String(first + i),
    })),
  };
}

/**
 * Hands out `batches` in turn, then ends (early once `signal` aborts), all of them held at once
 * as after a fetch of many partitions; records each commit as `topic/partition@offset` in
 * `commits` and as `commit topic/partition@offset` in `log`.
 */
export class ListConsumer implements LoaderConsumer {
  readonly commits: string[] = [];
  readonly log: string[];
  readonly #batches: readonly LoaderBatch[];
  readonly #signal: AbortSignal | undefined;

  constructor(
    batches: readonly LoaderBatch[],
    options: Readonly<{ log?: string[]; signal?: AbortSignal }> = {},
  ) {
    this.#batches = batches;
    this.log = options.log ?? [];
    this.#signal = options.signal;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LoaderBatch> {
    for (const item of this.#batches) {
      if (this.#signal?.aborted === true) return;
      yield item;
    }
  }

  commit(topic: string, partition: number, offset: string): Promise<void> {
    const at = `${topic}/${partition}@${offset}`;
    this.commits.push(at);
    this.log.push(`commit ${at}`);
    return Promise.resolve();
  }
}

/** A dead-letter sink keeping every letter it is sent, in order. */
export class KeptDeadLetters implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];

  send(letter: DeadLetter): Promise<void> {
    this.letters.push(letter);
    return Promise.resolve();
  }
}

/**
 * The options of a loader run of `consumer` on `applier` dead-lettering to `deadLetters`, as
 * the unit suites run it: consumer group `g`, every table keyed by `id`, a silent logger.
 */
export function baseLoaderOptions(
  parts: Readonly<{
    consumer: LoaderConsumer;
    applier: ChangeApplier;
    deadLetters: DeadLetterSink;
  }>,
): LoaderOptions {
  return {
    ...parts,
    keyColumnsOf: () => Promise.resolve(['id']),
    consumerGroup: 'g',
    logger: silentLogger,
  };
}
