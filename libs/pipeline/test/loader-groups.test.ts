/**
 * The loader applying what the consumer holds from many partitions at once: one `applyAll` per
 * group of batches (one batch per table, each partition's events in offset order), every
 * partition committed after it; groups bounded by `maxBatchMessages`; a refused group applied
 * again run by run so that only the poison event is dead-lettered; copy chunks never grouped.
 */
import { describe, expect, it } from 'vitest';
import {
  replicatorError,
  serializeChangeEvent,
  serializeCopyChunk,
} from '@database-replicator/core';
import {
  runLoader,
  type ApplyBatch,
  type ApplyCounts,
  type ChangeApplier,
  type CopyChunkBatch,
  type LoaderBatch,
} from '@database-replicator/pipeline';
import {
  KeptDeadLetters,
  ListConsumer,
  baseLoaderOptions,
  loaderBatch as batch,
  rowChange,
} from './loader-fixtures.js';

function event(table: string, id: number): string {
  return serializeChangeEvent(rowChange(table, id));
}

function copyChunk(table: string): string {
  const { source } = rowChange(table, 0);
  return serializeCopyChunk({ ...source, snapshot: 'true' }, 0, ['id', 'v'], 1, '1\tx\n');
}

/** Records applies; any apply holding offset `refused` of topic `a` fails as poison. */
class GroupingApplier implements ChangeApplier {
  readonly log: string[];
  readonly #refused: string | undefined;

  constructor(log: string[], refused?: string) {
    this.log = log;
    this.#refused = refused;
  }

  apply(batch: ApplyBatch): Promise<ApplyCounts> {
    this.#check(batch);
    this.log.push(`apply ${summary(batch)}`);
    return Promise.resolve({ applied: batch.events.length, skipped: 0 });
  }

  applyAll(batches: readonly ApplyBatch[]): Promise<ApplyCounts> {
    for (const batch of batches) this.#check(batch);
    this.log.push(`applyAll ${batches.map(summary).join(' | ')}`);
    const applied = batches.reduce((sum, batch) => sum + batch.events.length, 0);
    return Promise.resolve({ applied, skipped: 0 });
  }

  applyCopyChunks(batch: CopyChunkBatch): Promise<ApplyCounts> {
    this.log.push(`copy ${batch.table.table}`);
    return Promise.resolve({ applied: 1, skipped: 0 });
  }

  #check(batch: ApplyBatch): void {
    const bad = batch.events.find((e) => e.topic === 'a' && e.offset === this.#refused);
    if (bad !== undefined) throw replicatorError('REPL_WRITER_APPLY_FAILED', 'refused');
  }
}

/** `table: partition@offset,…` of a batch. */
function summary(batch: ApplyBatch): string {
  return `${batch.table.table}: ${batch.events.map((e) => `${e.partition}@${e.offset}`).join(',')}`;
}

async function load(batches: LoaderBatch[], refused?: string, maxBatchMessages?: number) {
  const log: string[] = [];
  const deadLetters = new KeptDeadLetters();
  const stats = await runLoader({
    ...baseLoaderOptions({
      consumer: new ListConsumer(batches, { log }),
      applier: new GroupingApplier(log, refused),
      deadLetters,
    }),
    ...(maxBatchMessages === undefined ? {} : { maxBatchMessages }),
  });
  return { log, letters: deadLetters.letters, stats };
}

describe('runLoader with applyAll', () => {
  it('applies the batches of many partitions and tables in one applyAll, then commits each', async () => {
    const { log, stats } = await load([
      batch('a', 0, 0, [event('a', 1), event('a', 2)]),
      batch('b', 1, 5, [event('b', 1)]),
      batch('a', 1, 3, [event('a', 3)]),
    ]);
    expect(log).toEqual([
      'applyAll a: 0@0,0@1,1@3 | b: 1@5',
      'commit a/0@2',
      'commit b/1@6',
      'commit a/1@4',
    ]);
    expect(stats.applied).toBe(4);
  });

  it('bounds a group by maxBatchMessages, carrying the batch that overflows to the next', async () => {
    const { log } = await load(
      [
        batch('a', 0, 0, [event('a', 1)]),
        batch('a', 1, 0, [event('a', 2)]),
        batch('a', 2, 0, [event('a', 3)]),
      ],
      undefined,
      2,
    );
    expect(log).toEqual([
      'applyAll a: 0@0,1@0',
      'commit a/0@1',
      'commit a/1@1',
      'apply a: 2@0',
      'commit a/2@1',
    ]);
  });

  it('applies a refused group run by run, dead-lettering only the poison event', async () => {
    const { log, letters, stats } = await load(
      [batch('a', 0, 0, [event('a', 1), event('a', 2)]), batch('b', 1, 0, [event('b', 1)])],
      '1',
    );
    expect(log).toEqual(['apply a: 0@0', 'commit a/0@2', 'apply b: 1@0', 'commit b/1@1']);
    expect(letters.map((l) => `${l.topic}/${l.partition}@${l.offset}`)).toEqual(['a/0@1']);
    expect(stats).toMatchObject({ applied: 2, deadLettered: 1 });
  });

  it('never groups copy chunks with events', async () => {
    const { log } = await load([
      batch('a', 0, 0, [copyChunk('a')]),
      batch('b', 1, 0, [event('b', 1)]),
    ]);
    expect(log).toEqual(['copy a', 'commit a/0@1', 'apply b: 1@0', 'commit b/1@1']);
  });
});
