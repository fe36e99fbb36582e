/**
 * The loader loop against an in-memory consumer (a queue of batches that ends when drained or
 * aborted) and a recording applier that rejects chosen offsets as a writer would: the whole
 * batch fails with a poison code, so the loader must isolate the poison event.
 */
import { describe, expect, it } from 'vitest';
import {
  replicatorError,
  serializeChangeEvent,
  serializeCopyChunk,
  type ChangeEvent,
} from '@database-replicator/core';
import {
  INCARNATION_HEADER,
  runLoader,
  type ApplyBatch,
  type ChangeApplier,
  type CopyChunkBatch,
  type LoaderBatch,
  type LoaderConsumer,
  type LoaderOptions,
} from '@database-replicator/pipeline';
import {
  KeptDeadLetters,
  ListConsumer,
  baseLoaderOptions,
  loaderBatch,
  rowChange,
} from './loader-fixtures.js';

/** A streamed `op` of row `id` of `public.<table>`, at transaction index 0. */
const event = (table: string, id: number, op: ChangeEvent['op'] = 'c'): ChangeEvent =>
  rowChange(table, id, { op, txIndex: 0 });

/** A batch of partition `partition` of topic `t`. */
const batch = (partition: number, first: number, values: (string | null)[]): LoaderBatch =>
  loaderBatch('t', partition, first, values);

/** Records every apply; a batch containing a rejected offset fails as a whole. */
class RecordingApplier implements ChangeApplier {
  readonly calls: ApplyBatch[] = [];
  readonly log: string[];
  readonly #rejected: ReadonlySet<string>;
  #transientFailures: number;

  constructor(log: string[], rejected: string[] = [], transientFailures = 0) {
    this.log = log;
    this.#rejected = new Set(rejected);
    this.#transientFailures = transientFailures;
  }

  apply(input: ApplyBatch): Promise<{ applied: number; skipped: number }> {
    if (this.#transientFailures > 0) {
      this.#transientFailures -= 1;
      const cause = Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
      return Promise.reject(
        replicatorError('REPL_WRITER_APPLY_FAILED', 'lost connection', { cause }),
      );
    }
    const bad = input.events.find((e) => this.#rejected.has(e.offset));
    if (bad !== undefined) {
      return Promise.reject(
        replicatorError(
          'REPL_WRITER_APPLY_FAILED',
          `value rejected at offset ${bad.offset} of ${input.table.table}`,
        ),
      );
    }
    this.calls.push(input);
    this.log.push(`apply ${input.table.table} ${input.events.map((e) => e.offset).join(',')}`);
    return Promise.resolve({ applied: input.events.length, skipped: 0 });
  }

  applyCopyChunks(input: CopyChunkBatch): Promise<{ applied: number; skipped: number }> {
    const offsets = input.chunks.map((c) => c.offset).join(',');
    this.log.push(`copy ${input.table.table} ${offsets}`);
    const rows = input.chunks.reduce((sum, c) => sum + c.chunk.row_count, 0);
    return Promise.resolve({ applied: rows, skipped: 0 });
  }
}

/** A copy chunk of `table` holding rows `ids`. */
function copyChunk(table: string, ids: number[]): string {
  const { source } = event(table, 0);
  const copy = ids.map((id) => `${id}\t${table}-${id}\n`).join('');
  return serializeCopyChunk({ ...source, snapshot: 'true' }, 0, ['id', 'v'], ids.length, copy);
}

function setup(
  batches: LoaderBatch[],
  options: { rejected?: string[]; transientFailures?: number; signal?: AbortSignal } = {},
) {
  const log: string[] = [];
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const consumer = new ListConsumer(batches, { log, ...signal });
  const applier = new RecordingApplier(log, options.rejected, options.transientFailures);
  const deadLetters = new KeptDeadLetters();
  const loaderOptions: LoaderOptions = {
    ...baseLoaderOptions({ consumer, applier, deadLetters }),
    keyColumnsOf: async (table) => (table.table === 'unknown' ? undefined : ['id']),
    ...signal,
  };
  return { log, consumer, applier, deadLetters, loaderOptions };
}

const ser = serializeChangeEvent;

describe('runLoader', () => {
  it('applies runs of one table in offset order and commits last + 1 after every apply', async () => {
    const { log, applier, loaderOptions } = setup([
      batch(0, 10, [ser(event('a', 1)), ser(event('a', 2)), ser(event('b', 1)), null]),
      batch(1, 0, [ser(event('b', 2, 'd'))]),
    ]);
    const stats = await runLoader(loaderOptions);
    expect(log).toEqual([
      'apply a 10,11',
      'apply b 12',
      'commit t/0@14',
      'apply b 0',
      'commit t/1@1',
    ]);
    expect(applier.calls[0]).toMatchObject({
      consumerGroup: 'g',
      table: { schema: 'public', table: 'a' },
      keyColumns: ['id'],
    });
    expect(applier.calls[0]?.events.map((e) => e.event.after)).toEqual([
      { id: 1, v: 'a-1' },
      { id: 2, v: 'a-2' },
    ]);
    expect(stats).toEqual({
      applied: 4,
      skipped: 0,
      deadLettered: 0,
      tombstones: 1,
      otherIncarnations: 0,
    });
  });

  it('never applies a later event of one table before an earlier event of another', async () => {
    // The target stores one next offset per partition: applying a@2 before b@1 would store 3
    // and a replay after a crash would skip b@1.
    const { log, loaderOptions } = setup([
      batch(0, 0, [ser(event('a', 1)), ser(event('b', 1)), ser(event('a', 2))]),
    ]);
    await runLoader(loaderOptions);
    expect(log).toEqual(['apply a 0', 'apply b 1', 'apply a 2', 'commit t/0@3']);
  });

  it('splits a consumer batch into chunks of maxBatchMessages, each committed', async () => {
    const { log, loaderOptions } = setup([
      batch(0, 0, [ser(event('a', 1)), ser(event('a', 2)), ser(event('a', 3))]),
    ]);
    await runLoader({ ...loaderOptions, maxBatchMessages: 2 });
    expect(log).toEqual(['apply a 0,1', 'commit t/0@2', 'apply a 2', 'commit t/0@3']);
  });

  it('dead-letters invalid JSON, schema-invalid events, unknown tables and a rejected event, applying the rest', async () => {
    const invalid = JSON.stringify({ ...event('a', 9), op: 'x' });
    const { log, deadLetters, loaderOptions } = setup(
      [
        batch(0, 0, [
          ser(event('a', 1)),
          '{not json',
          invalid,
          ser(event('unknown', 1)),
          ser(event('a', 2)),
          ser(event('a', 3)),
          ser(event('a', 4)),
        ]),
      ],
      { rejected: ['5'] },
    );
    const stats = await runLoader(loaderOptions);
    expect(log).toEqual(['apply a 0', 'apply a 4', 'apply a 6', 'commit t/0@7']);
    expect(deadLetters.letters.map((l) => [l.offset, l.code, l.key])).toEqual([
      ['1', 'REPL_EVENT_INVALID', 'k1'],
      ['2', 'REPL_EVENT_INVALID', 'k2'],
      ['3', 'REPL_LOADER_TABLE_UNKNOWN', 'k3'],
      ['5', 'REPL_WRITER_APPLY_FAILED', 'k5'],
    ]);
    expect(deadLetters.letters[0]).toMatchObject({ topic: 't', partition: 0, value: '{not json' });
    expect(deadLetters.letters[0]?.reason).toMatch(/not valid JSON/);
    expect(deadLetters.letters[2]?.reason).toMatch(/public\.unknown/);
    expect(deadLetters.letters[3]?.reason).toBe('value rejected at offset 5 of a');
    expect(stats).toEqual({
      applied: 3,
      skipped: 0,
      deadLettered: 4,
      tombstones: 0,
      otherIncarnations: 0,
    });
  });

  it('retries a transient apply failure instead of dead-lettering it', async () => {
    const { log, deadLetters, loaderOptions } = setup([batch(0, 0, [ser(event('a', 1))])], {
      transientFailures: 1,
    });
    await runLoader({ ...loaderOptions, maxAttempts: 3 });
    expect(log).toEqual(['apply a 0', 'commit t/0@1']);
    expect(deadLetters.letters).toEqual([]);
  });

  it('applies runs of copy chunks apart from events, in offset order, counting rows', async () => {
    const { log, loaderOptions } = setup([
      batch(0, 0, [
        copyChunk('a', [1, 2]),
        copyChunk('a', [3]),
        ser(event('a', 1, 'u')),
        copyChunk('b', [1]),
        'not json\n{',
      ]),
    ]);
    const stats = await runLoader(loaderOptions);
    expect(log).toEqual(['copy a 0,1', 'apply a 2', 'copy b 3', 'commit t/0@5']);
    expect(stats).toMatchObject({ applied: 5, deadLettered: 1 });
  });

  it('throws a non-poison failure without committing the batch', async () => {
    const { consumer, loaderOptions } = setup([batch(0, 0, [ser(event('a', 1))])]);
    const failing: ChangeApplier = {
      apply: () => Promise.reject(replicatorError('REPL_BUS_CLOSED', 'closed')),
      applyCopyChunks: () => Promise.reject(replicatorError('REPL_BUS_CLOSED', 'closed')),
    };
    await expect(runLoader({ ...loaderOptions, applier: failing })).rejects.toMatchObject({
      code: 'REPL_BUS_CLOSED',
    });
    expect(consumer.commits).toEqual([]);
  });

  it('stops cleanly on abort after committing the batch in flight', async () => {
    const aborter = new AbortController();
    const { log, loaderOptions } = setup(
      [batch(0, 0, [ser(event('a', 1))]), batch(0, 1, [ser(event('a', 2))])],
      { signal: aborter.signal },
    );
    const stats = await runLoader({ ...loaderOptions, onCommit: () => aborter.abort() });
    expect(log).toEqual(['apply a 0', 'commit t/0@1']);
    expect(stats.applied).toBe(1);
  });

  it('finishes and commits the chunk in flight when aborted during one of its applies', async () => {
    const aborter = new AbortController();
    const { log, applier, loaderOptions } = setup(
      [batch(0, 0, [ser(event('a', 1)), ser(event('b', 1))]), batch(0, 2, [ser(event('a', 2))])],
      { signal: aborter.signal },
    );
    const aborting: ChangeApplier = {
      apply: (input) => {
        aborter.abort();
        return applier.apply(input);
      },
      applyCopyChunks: (input) => applier.applyCopyChunks(input),
    };
    await runLoader({ ...loaderOptions, applier: aborting });
    expect(log).toEqual(['apply a 0', 'apply b 1', 'commit t/0@2']);
  });

  it("skips messages of an incarnation the target's jobs do not have, asking once per value", async () => {
    const stamped = (first: number, incarnation: string, ids: number[]): LoaderBatch => {
      const b = batch(
        0,
        first,
        ids.map((id) => ser(event('a', id))),
      );
      const messages = b.messages.map((m) => ({
        ...m,
        headers: { [INCARNATION_HEADER]: incarnation },
      }));
      return { ...b, messages };
    };
    const asked: string[] = [];
    const { log, loaderOptions } = setup([
      stamped(0, 'earlier', [1, 2]),
      stamped(2, 'current', [3]),
      stamped(3, 'earlier', [4]),
      batch(0, 4, [ser(event('a', 5))]),
    ]);
    const stats = await runLoader({
      ...loaderOptions,
      isJobIncarnation: async (incarnation) => {
        asked.push(incarnation);
        return incarnation === 'current';
      },
    });
    expect(asked).toEqual(['earlier', 'current']);
    // Skipped messages are committed like applied ones: a replay skips them again.
    expect(log).toEqual([
      'commit t/0@2',
      'apply a 2',
      'commit t/0@3',
      'commit t/0@4',
      'apply a 4',
      'commit t/0@5',
    ]);
    expect(stats).toEqual({
      applied: 2,
      skipped: 0,
      deadLettered: 0,
      tombstones: 0,
      otherIncarnations: 3,
    });
  });

  it('stops at once when aborted while waiting for the next batch', async () => {
    const aborter = new AbortController();
    const { loaderOptions } = setup([]);
    const idle: LoaderConsumer = {
      commit: () => Promise.resolve(),
      [Symbol.asyncIterator]: () => ({ next: () => new Promise<never>(() => undefined) }),
    };
    setTimeout(() => aborter.abort(), 20);
    const stats = await runLoader({ ...loaderOptions, consumer: idle, signal: aborter.signal });
    expect(stats).toEqual({
      applied: 0,
      skipped: 0,
      deadLettered: 0,
      tombstones: 0,
      otherIncarnations: 0,
    });
  });

  it('keeps going when the bus refuses a commit after a rebalance', async () => {
    const { log, consumer, loaderOptions } = setup([
      batch(0, 0, [ser(event('a', 1))]),
      batch(1, 0, [ser(event('a', 2))]),
    ]);
    let refusals = 1;
    const moving: LoaderConsumer = {
      [Symbol.asyncIterator]: () => consumer[Symbol.asyncIterator](),
      commit: (topic, partition, offset) => {
        if (refusals > 0) {
          refusals -= 1;
          return Promise.reject(replicatorError('REPL_BUS_COMMIT_FAILED', 'not assigned'));
        }
        return consumer.commit(topic, partition, offset);
      },
    };
    const committed: string[] = [];
    const stats = await runLoader({
      ...loaderOptions,
      consumer: moving,
      onCommit: ({ partition, nextOffset }) => committed.push(`${partition}@${nextOffset}`),
    });
    expect(log).toEqual(['apply a 0', 'apply a 0', 'commit t/1@1']);
    expect(committed).toEqual(['1@1']);
    expect(stats.applied).toBe(2);
  });

  it('asks for key columns asynchronously and dead-letters a table without them', async () => {
    const asked: string[] = [];
    const { deadLetters, loaderOptions } = setup([
      batch(0, 0, [ser(event('a', 1)), ser(event('gone', 1))]),
    ]);
    await runLoader({
      ...loaderOptions,
      keyColumnsOf: async (table) => {
        asked.push(table.table);
        await new Promise((resolve) => setTimeout(resolve, 1));
        return table.table === 'gone' ? undefined : ['id'];
      },
    });
    expect(asked).toEqual(['a', 'gone']);
    expect(deadLetters.letters.map((l) => [l.offset, l.code])).toEqual([
      ['1', 'REPL_LOADER_TABLE_UNKNOWN'],
    ]);
  });
});
