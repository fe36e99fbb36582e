/**
 * A refused message is dead-lettered once, whatever the grouping and timing: the loader settles
 * it through `ChangeApplier.settleRefused` (the target's lock on the partition, the stored offset
 * checked and moved past it). A fake target stores offsets per partition as the writer does,
 * skips what they cover, refuses `poison` rows, and serialises `settleRefused` per partition.
 * Every unit holds two partitions, so the loader first tries one `applyAll`, which the target
 * refuses, and then applies run by run.
 */
import { describe, expect, it } from 'vitest';
import { replicatorError, serializeChangeEvent } from '@database-replicator/core';
import {
  runLoader,
  type ApplyBatch,
  type ApplyCounts,
  type ChangeApplier,
  type CopyChunkBatch,
  type DeadLetter,
  type LoaderBatch,
  type LoaderStats,
  type RefusedMessage,
} from '@database-replicator/pipeline';
import { ListConsumer, baseLoaderOptions, loaderBatch, rowChange } from './loader-fixtures.js';

function event(table: string, id: number, v: string): string {
  return serializeChangeEvent(rowChange(table, id, { v }));
}

function batch(topic: string, partition: number, values: string[]): LoaderBatch {
  return loaderBatch(topic, partition, 0, values);
}

/** Partition a/0: a good row then a refused one; b/1: a good row. One fetch holds both. */
const FETCH: readonly LoaderBatch[] = [
  batch('a', 0, [event('a', 1, 'ok'), event('a', 2, 'poison')]),
  batch('b', 1, [event('b', 1, 'ok')]),
];

type Deferred = { promise: Promise<void>; resolve: () => void };

function deferred(): Deferred {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * A target as the writer behaves: next offsets per partition stored with each apply (events
 * below them skipped), a row with `v: 'poison'` refused with its whole apply, and
 * `settleRefused` holding a lock per partition.
 */
class FakeTarget implements ChangeApplier {
  readonly log: string[] = [];
  readonly stored = new Map<string, bigint>();
  /** Resolved when a settling waits for another's lock. */
  readonly waited = deferred();
  readonly #locks = new Map<string, Promise<void>>();

  apply(batch: ApplyBatch): Promise<ApplyCounts> {
    return this.applyAll([batch]);
  }

  applyAll(batches: readonly ApplyBatch[]): Promise<ApplyCounts> {
    const events = batches.flatMap((b) => b.events);
    const fresh = events.filter((e) => BigInt(e.offset) >= this.#next(e.topic, e.partition));
    if (fresh.some((e) => e.event.after?.['v'] === 'poison')) {
      return Promise.reject(replicatorError('REPL_WRITER_APPLY_FAILED', 'refused row'));
    }
    for (const e of fresh) this.#store(e.topic, e.partition, e.offset);
    this.log.push(`apply ${events.map((e) => `${e.topic}/${e.partition}@${e.offset}`).join(',')}`);
    return Promise.resolve({ applied: fresh.length, skipped: events.length - fresh.length });
  }

  applyCopyChunks(batch: CopyChunkBatch): Promise<ApplyCounts> {
    return Promise.resolve({ applied: batch.chunks.length, skipped: 0 });
  }

  async settleRefused(
    message: RefusedMessage,
    settle: () => Promise<ApplyCounts>,
  ): Promise<ApplyCounts | undefined> {
    const key = `${message.topic}/${message.partition}`;
    for (let held = this.#locks.get(key); held !== undefined; held = this.#locks.get(key)) {
      this.waited.resolve();
      await held;
    }
    const lock = deferred();
    this.#locks.set(key, lock.promise);
    try {
      if (BigInt(message.offset) < this.#next(message.topic, message.partition)) return undefined;
      this.log.push(`settle ${key}@${message.offset}`);
      const counts = await settle();
      this.#store(message.topic, message.partition, message.offset);
      return counts;
    } finally {
      this.#locks.delete(key);
      lock.resolve();
    }
  }

  #next(topic: string, partition: number): bigint {
    return this.stored.get(`${topic}/${partition}`) ?? 0n;
  }

  #store(topic: string, partition: number, offset: string): void {
    const key = `${topic}/${partition}`;
    const next = BigInt(offset) + 1n;
    if (next > (this.stored.get(key) ?? 0n)) this.stored.set(key, next);
  }
}

/** One loader over `batches` on `target`, dead-lettering through `send`. */
function load(
  target: FakeTarget,
  batches: readonly LoaderBatch[],
  send: (letter: DeadLetter) => Promise<void>,
): Promise<LoaderStats> {
  // A new consumer each time: what a member reads after joining, handed out once.
  const consumer = new ListConsumer(batches);
  return runLoader(baseLoaderOptions({ consumer, applier: target, deadLetters: { send } }));
}

const where = (letter: DeadLetter): string =>
  `${letter.topic}/${letter.partition}@${letter.offset}`;

describe('runLoader: a refused message is dead-lettered once', () => {
  it('when a rebalance gives its partition to a second loader while the first settles it', async () => {
    const target = new FakeTarget();
    const letters: string[] = [];
    const firstSending = deferred();
    const secondSent = deferred();
    // The first loader's dead letter is held until the second loader either waits for the
    // settling lock (the fix) or has sent a letter of its own (the bug): no timing involved.
    const first = load(target, FETCH, async (letter) => {
      letters.push(`first ${where(letter)}`);
      firstSending.resolve();
      await Promise.race([target.waited.promise, secondSent.promise]);
    });
    await firstSending.promise;
    // The new member reads again from the bus's last commit: the same fetch.
    const second = load(target, FETCH, async (letter) => {
      letters.push(`second ${where(letter)}`);
      secondSent.resolve();
    });
    const [firstStats, secondStats] = await Promise.all([first, second]);
    expect(letters).toEqual(['first a/0@1']);
    expect(firstStats.deadLettered).toBe(1);
    // Each of the 6 messages read is applied, skipped or dead-lettered, which loader does
    // which of b/1@0 being theirs to race for; the refused one is skipped by the second.
    const total = (pick: (stats: LoaderStats) => number): number =>
      pick(firstStats) + pick(secondStats);
    expect(total((s) => s.applied)).toBe(2);
    expect(total((s) => s.skipped)).toBe(3);
    expect(total((s) => s.deadLettered)).toBe(1);
    expect(target.stored).toEqual(
      new Map([
        ['a/0', 2n],
        ['b/1', 1n],
      ]),
    );
  });

  it('when it is read again after it was settled (a replay), even as the last of its partition', async () => {
    const target = new FakeTarget();
    const letters: DeadLetter[] = [];
    const send = async (letter: DeadLetter): Promise<void> => void letters.push(letter);
    const firstStats = await load(target, FETCH, send);
    // The refused message is the partition's last: only the settling stores its offset.
    expect(target.stored.get('a/0')).toBe(2n);
    const replay = await load(target, FETCH, send);
    expect(letters.map(where)).toEqual(['a/0@1']);
    expect(firstStats).toMatchObject({ applied: 2, deadLettered: 1 });
    expect(replay).toMatchObject({ applied: 0, skipped: 3, deadLettered: 0 });
    expect(target.log).toEqual([
      'apply a/0@0',
      'settle a/0@1',
      'apply b/1@0',
      'apply a/0@0,a/0@1,b/1@0',
    ]);
  });

  it('dead-letters an invalid message in its place among the runs, and not again on a replay', async () => {
    const target = new FakeTarget();
    const letters: DeadLetter[] = [];
    const send = async (letter: DeadLetter): Promise<void> => {
      letters.push(letter);
      target.log.push(`letter ${where(letter)}`);
    };
    const fetch = [
      batch('a', 0, [event('a', 1, 'ok'), '{not json', event('a', 3, 'ok')]),
      batch('b', 1, [event('b', 1, 'ok')]),
    ];
    const firstStats = await load(target, fetch, send);
    expect(target.log).toEqual([
      'apply a/0@0',
      'settle a/0@1',
      'letter a/0@1',
      'apply a/0@2',
      'apply b/1@0',
    ]);
    await load(target, fetch, send);
    expect(letters.map((l) => [where(l), l.code])).toEqual([['a/0@1', 'REPL_EVENT_INVALID']]);
    expect(firstStats).toMatchObject({ applied: 3, deadLettered: 1 });
  });
});
