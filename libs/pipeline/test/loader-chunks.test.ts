/**
 * The loader with the message forms of a fast stream: an in-process event or chunk is applied as
 * the very objects the extractor built (their text is never made), and a change chunk (text or
 * in-process) the target refuses as a whole is applied but for the events the target refuses,
 * which are dead-lettered one by one under their own keys at the chunk's offset; without a way
 * to probe, the chunk is dead-lettered whole.
 */
import { describe, expect, it } from 'vitest';
import {
  LocalChangeChunk,
  LocalChangeEvent,
  deserializeChangeEvent,
  replicatorError,
  serializeChangeChunk,
  serializeChunkEvent,
  type ChangeEvent,
} from '@database-replicator/core';
import {
  runLoader,
  type ApplyBatch,
  type ChangeApplier,
  type LoaderRecord,
} from '@database-replicator/pipeline';
import { KeptDeadLetters, ListConsumer, baseLoaderOptions, rowChange } from './loader-fixtures.js';

/** An insert of the row `{ id, v }` of `public.items`. */
const event = (id: number, v: string): ChangeEvent => rowChange('items', id, { v });

/** Refuses any batch holding an event whose `v` is 'bad' (a value the target cannot cast). */
class ProbingApplier implements ChangeApplier {
  readonly applied: ApplyBatch[] = [];
  readonly probed: ApplyBatch[] = [];
  async apply(batch: ApplyBatch): Promise<{ applied: number; skipped: number }> {
    if (batch.events.some((item) => item.event.after?.['v'] === 'bad')) {
      throw replicatorError('REPL_WRITER_APPLY_FAILED', 'invalid input syntax for type integer');
    }
    this.applied.push(batch);
    return { applied: batch.events.length, skipped: 0 };
  }
  async applyCopyChunks(): Promise<{ applied: number; skipped: number }> {
    throw new Error('no copy chunks here');
  }
  async findPoison(batch: ApplyBatch) {
    this.probed.push(batch);
    return batch.events.flatMap((item, index) =>
      item.event.after?.['v'] === 'bad'
        ? [
            {
              index,
              error: replicatorError(
                'REPL_WRITER_APPLY_FAILED',
                `invalid input syntax for type integer at ${index}`,
              ),
            },
          ]
        : [],
    );
  }
}

async function load(records: LoaderRecord[], applier: ChangeApplier) {
  const consumer = new ListConsumer([{ topic: 't', partition: 2, messages: records }]);
  const deadLetters = new KeptDeadLetters();
  const stats = await runLoader(baseLoaderOptions({ consumer, applier, deadLetters }));
  return { stats, letters: deadLetters.letters, consumer };
}

function chunkRecord(events: ChangeEvent[], offset: string): LoaderRecord {
  const [first] = events;
  if (first === undefined) throw new Error('empty chunk');
  return {
    key: '{"id":1}',
    value: serializeChangeChunk(first.source, events.map(serializeChunkEvent)),
    offset,
  };
}

/** The events as the in-process bus carries a change chunk: objects, text made when read. */
function localChunkRecord(events: ChangeEvent[], offset: string): LoaderRecord {
  const [first, ...rest] = events;
  if (first === undefined) throw new Error('empty chunk');
  const local = new LocalChangeChunk(first);
  for (const item of rest) local.add(item);
  return {
    key: '{"id":1}',
    offset,
    local,
    get value(): string {
      return local.encode();
    },
  };
}

describe('runLoader with in-process events and change chunks', () => {
  it('applies an in-process event as the object it is, never reading its text', async () => {
    const sent = event(1, 'a');
    const record: LoaderRecord = {
      key: '{"id":1}',
      offset: '0',
      local: new LocalChangeEvent(sent),
      get value(): string {
        throw new Error('the text of an in-process event was read');
      },
    };
    const applier = new ProbingApplier();
    const { stats, consumer } = await load([record], applier);
    expect(applier.applied[0]?.events[0]?.event).toBe(sent);
    expect(stats.applied).toBe(1);
    expect(consumer.commits).toEqual(['t/2@1']);
  });

  it('applies an in-process chunk as the objects it carries, never reading its text', async () => {
    const sent = [event(1, 'a'), event(2, 'b')];
    const [first, second] = sent;
    if (first === undefined || second === undefined) throw new Error('two events');
    const local = new LocalChangeChunk(first);
    local.add(second);
    const record: LoaderRecord = {
      key: '{"id":1}',
      offset: '4',
      local,
      get value(): string {
        throw new Error('the text of an in-process chunk was read');
      },
    };
    const applier = new ProbingApplier();
    const { stats, consumer } = await load([record], applier);
    expect(applier.applied[0]?.events.map((item) => item.event)).toEqual(sent);
    expect(applier.applied[0]?.events[0]?.event).toBe(first);
    expect(applier.applied[0]?.events.every((item) => item.offset === '4')).toBe(true);
    expect(stats.applied).toBe(2);
    expect(consumer.commits).toEqual(['t/2@5']);
  });

  it.each([
    ['text', chunkRecord],
    ['in-process', localChunkRecord],
  ])(
    'applies a refused %s chunk but for the refused events, which are dead-lettered alone',
    async (_, record) => {
      const events = [event(1, 'a'), event(2, 'bad'), event(3, 'c'), event(4, 'bad')];
      const applier = new ProbingApplier();
      const { stats, letters, consumer } = await load([record(events, '7')], applier);
      expect(applier.probed).toHaveLength(1);
      expect(applier.applied[0]?.events.map((item) => item.event.after?.['id'])).toEqual([1, 3]);
      expect(applier.applied[0]?.events.every((item) => item.offset === '7')).toBe(true);
      expect(letters.map((letter) => deserializeChangeEvent(letter.value ?? '').after)).toEqual([
        { id: 2, v: 'bad' },
        { id: 4, v: 'bad' },
      ]);
      expect(letters[0]).toMatchObject({ topic: 't', partition: 2, offset: '7', key: '{"id":2}' });
      expect(letters[0]?.reason).toMatch(/invalid input syntax/);
      expect(stats).toMatchObject({ applied: 2, deadLettered: 2 });
      expect(consumer.commits).toEqual(['t/2@8']);
    },
  );

  it('dead-letters a refused chunk whole when the target cannot be probed', async () => {
    const probing = new ProbingApplier();
    const withoutProbe: ChangeApplier = {
      apply: (batch) => probing.apply(batch),
      applyCopyChunks: () => probing.applyCopyChunks(),
    };
    const record = chunkRecord([event(1, 'a'), event(2, 'bad')], '3');
    const { stats, letters } = await load([record], withoutProbe);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.value).toBe(record.value);
    expect(stats).toMatchObject({ applied: 0, deadLettered: 1 });
  });
});
