/**
 * The stream half of the extractor against a scripted source, a recording bus and an in-memory
 * job store: change chunks keep every event in its key's partition and in order (a key-changing
 * update included, a schema change between them), per-event messages carry the event objects
 * for an in-process bus, and checkpoints run behind the sender but stay in order, each after its
 * batch is durable and before its acknowledgement.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeEventMessage,
  deserializeChangeEvent,
  localEventMessage,
  serializeChangeEvent,
  type ChangeEvent,
} from '@database-replicator/core';
import {
  runExtractor,
  type ChangeEventMode,
  type ExtractorBus,
  type ExtractorMessage,
  type SourceTable,
  type SourceTransaction,
} from '@database-replicator/pipeline';
import {
  P0,
  PARTITIONS,
  StreamOnlySource,
  StreamingJobStore,
  TABLE,
  change,
  lsn,
  partitionByKeyLength as partitionForKey,
  streamRunOptions,
} from './extractor-fixtures.js';

const OTHER: SourceTable = { ...TABLE, id: { schema: 'public', table: 'others' } };

/** How the recording producer sends: a call per topic, or the topics of a flush in one call. */
type ProducerKind = 'send' | 'sendTopics';

type TopicBatch = Readonly<{ topic: string; messages: readonly ExtractorMessage[] }>;

class RecordingBus implements ExtractorBus {
  readonly sent: ExtractorMessage[] = [];
  /** The topics of each call, in call order. */
  readonly requests: string[][] = [];
  constructor(
    readonly log: string[],
    readonly kind: ProducerKind,
  ) {}
  async ensureTopics(): Promise<void> {}
  async producer() {
    const send = async (topic: string, messages: readonly ExtractorMessage[]) =>
      this.#record([{ topic, messages }]);
    const close = async () => {};
    if (this.kind === 'send') return { send, close };
    const sendTopics = async (batches: readonly TopicBatch[]) => this.#record(batches);
    return { send, sendTopics, close };
  }
  #record(batches: readonly TopicBatch[]): void {
    const messages = batches.flatMap((batch) => batch.messages);
    this.log.push(`send ${messages.length}`);
    this.requests.push(batches.map((batch) => batch.topic));
    this.sent.push(...messages);
  }
}

async function stream(
  steps: SourceTransaction[],
  mode: ChangeEventMode | undefined,
  extra: Partial<Parameters<typeof runExtractor>[0]> = {},
  kind: ProducerKind = 'sendTopics',
) {
  const log: string[] = [];
  const bus = new RecordingBus(log, kind);
  const source = new StreamOnlySource({
    connector: 'postgresql',
    start: P0,
    steps,
    tables: [TABLE, OTHER],
    onAcknowledge: (position) =>
      log.push(`ack ${position.kind === 'postgres' ? position.lsn : ''}`),
  });
  // The run streams at once: the snapshot is done.
  const store = new StreamingJobStore({ start: P0, stream: P0, snapshotDone: true }, (next) =>
    log.push(`checkpoint ${next.stream.kind === 'postgres' ? next.stream.lsn : ''}`),
  );
  await runExtractor({
    ...streamRunOptions({ source, bus, store }),
    ...(mode === undefined ? {} : { changeEvents: mode }),
    ...extra,
  });
  return { log, bus, source };
}

/**
 * Streams `steps` a batch per event, the first batch becoming durable only after 50 ms: later
 * batches go out before it is.
 */
async function streamWithLateFirstCheckpoint(
  steps: SourceTransaction[],
  mode: ChangeEventMode,
  kind: ProducerKind,
) {
  let release: () => void = () => undefined;
  const durable = new Promise<void>((resolve) => (release = resolve));
  let waits = 0;
  const run = stream(
    steps,
    mode,
    {
      maxStreamEvents: 1,
      beforeCheckpoint: async () => {
        waits += 1;
        if (waits === 1) await durable;
      },
    },
    kind,
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  release();
  return run;
}

/** `ALTER TABLE items DROP v` as a schema change event at `lsn(at)`. */
function dropColumnV(at: number): ChangeEvent {
  return {
    ...change('s', null, null, at),
    schema_change: { kind: 'drop_column', column: 'v', statement: 'ALTER TABLE items DROP v' },
  };
}

/** Every sent message as [partition of its key, events it carries (in-process, else its text)]. */
function delivered(sent: readonly ExtractorMessage[]): [number, ChangeEvent[]][] {
  return sent.map((message) => {
    const decoded = localEventMessage(message.local) ?? decodeEventMessage(message.value ?? '');
    if (decoded.kind !== 'events') throw new Error('not events');
    return [partitionForKey(message.key ?? '', PARTITIONS), [...decoded.events]];
  });
}

const ids = (events: readonly ChangeEvent[]): unknown[] =>
  events.map((event) => `${event.op}${String((event.after ?? event.before)?.['id'])}`);

const KINDS: readonly ProducerKind[] = ['send', 'sendTopics'];
const CHUNK_MODES: readonly ChangeEventMode[] = ['chunks', 'local-chunks'];

/** `event` as a change of the table `others`. */
function ofOther(event: ChangeEvent): ChangeEvent {
  return { ...event, source: { ...event.source, table: 'others' } };
}

describe('stream batches', () => {
  it('send a flush of several tables as one request, when the producer can', async () => {
    const events = [
      change('c', null, { id: 1 }, 0x200, 0),
      ofOther(change('c', null, { id: 2 }, 0x200, 1)),
      change('c', null, { id: 3 }, 0x200, 2),
    ];
    const steps = [
      { events, resumeFrom: lsn(0x210) },
      {
        events: [ofOther(change('u', { id: 2 }, { id: 2, v: 'w' }, 0x300))],
        resumeFrom: lsn(0x310),
      },
    ];
    const many = await stream(steps, 'rows', { maxStreamEvents: 3 });
    // Topics in the order the flush first met them; one request per flush, then its checkpoint.
    expect(many.bus.requests).toEqual([
      ['dr.src.public.items', 'dr.src.public.others'],
      ['dr.src.public.others'],
    ]);
    expect(many.log).toEqual([
      'send 3',
      'checkpoint 0/210',
      'ack 0/210',
      'send 1',
      'checkpoint 0/310',
      'ack 0/310',
    ]);
    // A producer without `sendTopics` gets the same messages, a call per topic.
    const each = await stream(steps, 'rows', { maxStreamEvents: 3 }, 'send');
    expect(each.bus.requests).toEqual([
      ['dr.src.public.items'],
      ['dr.src.public.others'],
      ['dr.src.public.others'],
    ]);
    expect(each.bus.sent.map((m) => m.value)).toEqual(many.bus.sent.map((m) => m.value));
  });

  it.each(CHUNK_MODES)(
    'gather change chunks per partition, every event in its key’s partition, in order (%s)',
    async (mode) => {
      const events = [1, 22, 333, 4, 55, 666, 7].map((id, i) =>
        change('c', null, { id, v: `v${id}` }, 0x200, i),
      );
      // A key change (1 → 44): a delete in the old key's partition, an upsert in the new one's.
      events.push(change('u', { id: 1, v: 'v1' }, { id: 44, v: 'v1' }, 0x200, 7));
      const { bus } = await stream([{ events, resumeFrom: lsn(0x210) }], mode);
      const messages = delivered(bus.sent);
      expect(messages.length).toBeLessThanOrEqual(PARTITIONS);
      for (const [partition, carried] of messages) {
        for (const event of carried) {
          const key = JSON.stringify({ id: (event.after ?? event.before)?.['id'] });
          expect(partitionForKey(key, PARTITIONS)).toBe(partition);
        }
      }
      const byPartition = (p: number): unknown[] =>
        messages.filter(([partition]) => partition === p).flatMap(([, carried]) => ids(carried));
      // Keys of one length share a partition here: the old key's delete follows its insert, the
      // new key's upsert goes to the other partition.
      expect(byPartition(partitionForKey('{"id":1}', PARTITIONS))).toEqual([
        'c1',
        'c4',
        'c7',
        'd1',
      ]);
      expect(byPartition(partitionForKey('{"id":44}', PARTITIONS))).toEqual(['c22', 'c55', 'u44']);
      expect(messages.flatMap(([, carried]) => ids(carried)).sort()).toEqual(
        ['c1', 'c22', 'c333', 'c4', 'c55', 'c666', 'c7', 'd1', 'u44'].sort(),
      );
    },
  );

  it('carry the event objects themselves in local chunks, whose text is the text chunk', async () => {
    const events = [1, 22, 333, 4].map((id, i) => change('c', null, { id, v: `v${id}` }, 0x200, i));
    const local = await stream([{ events, resumeFrom: lsn(0x210) }], 'local-chunks');
    const text = await stream([{ events, resumeFrom: lsn(0x210) }], 'chunks');
    const carried = local.bus.sent.flatMap((message) => {
      const decoded = localEventMessage(message.local);
      return decoded?.kind === 'events' ? decoded.events : [];
    });
    expect(carried).toHaveLength(events.length);
    for (const event of carried) expect(events).toContain(event);
    expect(local.bus.sent.map((m) => [m.key, m.value])).toEqual(
      text.bus.sent.map((m) => [m.key, m.value]),
    );
  });

  it.each(CHUNK_MODES)(
    'keep a schema change between the events before and after it in every partition (%s)',
    async (mode) => {
      const before = [1, 22, 333].map((id, i) => change('c', null, { id }, 0x200, i));
      const schemaChange = dropColumnV(0x300);
      const after = [4, 55, 666].map((id, i) => change('c', null, { id }, 0x400, i));
      const { bus } = await stream(
        [
          { events: before, resumeFrom: lsn(0x210) },
          { events: [schemaChange], resumeFrom: lsn(0x310) },
          { events: after, resumeFrom: lsn(0x410) },
        ],
        mode,
      );
      const messages = delivered(bus.sent);
      for (let p = 0; p < PARTITIONS; p += 1) {
        const order = messages
          .filter(([partition]) => partition === p)
          .flatMap(([, carried]) => carried.map((event) => event.source.position));
        const changeAt = order.findIndex(
          (position) => position.kind === 'postgres' && position.lsn === '0/300',
        );
        expect(changeAt).toBeGreaterThanOrEqual(0);
        expect(
          order.slice(0, changeAt).every((pos) => pos.kind === 'postgres' && pos.lsn === '0/200'),
        ).toBe(true);
        expect(
          order.slice(changeAt + 1).every((pos) => pos.kind === 'postgres' && pos.lsn === '0/400'),
        ).toBe(true);
      }
    },
  );

  it('send one event per message by default, carrying the event object itself', async () => {
    const event = change('u', { id: 1 }, { id: 1, v: 'w' }, 0x200);
    const { bus } = await stream([{ events: [event], resumeFrom: lsn(0x210) }], undefined);
    const [message] = bus.sent;
    const local = localEventMessage(message?.local);
    expect(local?.kind === 'events' ? local.events[0] : undefined).toBe(event);
    expect(message?.value).toBe(serializeChangeEvent(event));
    expect(deserializeChangeEvent(message?.value ?? '')).toEqual(event);
    expect(message?.key).toBe('{"id":1}');
  });

  it.each(KINDS)(
    'send the next batch while the last one becomes durable, checkpointing in order (%s)',
    async (kind) => {
      const steps = [0x200, 0x300, 0x400].map((at) => ({
        events: [change('c', null, { id: at }, at)],
        resumeFrom: lsn(at + 0x10),
      }));
      const { log, source } = await streamWithLateFirstCheckpoint(steps, 'rows', kind);
      // The second batch went out before the first was durable; saves and acks stay in order.
      expect(log.indexOf('send 1', log.indexOf('send 1') + 1)).toBeLessThan(
        log.indexOf('checkpoint 0/210'),
      );
      expect(log.filter((line) => !line.startsWith('send'))).toEqual([
        'checkpoint 0/210',
        'ack 0/210',
        'checkpoint 0/310',
        'ack 0/310',
        'checkpoint 0/410',
        'ack 0/410',
      ]);
      expect(source.acknowledged.at(-1)).toEqual(lsn(0x410));
    },
  );

  it.each(KINDS)(
    'sends a schema change only once the batch sent before it is durable (%s)',
    async (kind) => {
      // The first batch is sent when full, so the batch is empty when the schema change arrives.
      const steps = [
        { events: [change('c', null, { id: 1 }, 0x200)], resumeFrom: lsn(0x210) },
        { events: [dropColumnV(0x300)], resumeFrom: lsn(0x310) },
      ];
      const { log } = await streamWithLateFirstCheckpoint(steps, 'chunks', kind);
      // The schema change (one message per partition) waits for the first checkpoint.
      expect(log.slice(0, 4)).toEqual([
        'send 1',
        'checkpoint 0/210',
        'ack 0/210',
        `send ${PARTITIONS}`,
      ]);
    },
  );

  it('never checkpoints past a checkpoint that failed', async () => {
    const steps = [0x200, 0x300].map((at) => ({
      events: [change('c', null, { id: at }, at)],
      resumeFrom: lsn(at + 0x10),
    }));
    const run = stream(steps, 'rows', {
      maxStreamEvents: 1,
      beforeCheckpoint: async () => {
        throw new Error('loader failed');
      },
    });
    await expect(run).rejects.toThrow('loader failed');
  });
});
