/**
 * The Bus contract, run against every implementation: memory-bus.test.ts and kafka-bus.test.ts
 * call {@link describeBusContract}. Each test creates its own topics and groups (unique names),
 * and everything it opens is closed and its topics dropped after it.
 */
import { isReplicatorError, type ReplicatorError } from '@database-replicator/core';
import {
  partitionForKey,
  type Bus,
  type BusBatch,
  type BusConsumer,
  type BusMessage,
  type BusProducer,
  type BusProducerOptions,
  type LocalValue,
} from '@database-replicator/bus';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** What a test file provides: a bus, a way to drop topics, and its own teardown. */
export type BusFixture = Readonly<{
  bus: Bus;
  dropTopics(names: readonly string[]): Promise<void>;
  close(): Promise<void>;
}>;

/** A received message with where it came from. */
export type Received = Readonly<{
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Readonly<Record<string, string>>;
}>;

/** Pulls batches from one consumer's single iterator. */
export class Reader {
  readonly received: Received[] = [];
  /** The in-process form of each received message (`received[i]`), if the bus kept one. */
  readonly locals: unknown[] = [];
  readonly #iterator: AsyncIterator<BusBatch>;
  #pending: Promise<IteratorResult<BusBatch>> | undefined;

  constructor(readonly consumer: BusConsumer) {
    this.#iterator = consumer[Symbol.asyncIterator]();
  }

  /** The next batch, or `undefined` when none arrives within `timeoutMs`. */
  async next(timeoutMs: number): Promise<BusBatch | undefined> {
    this.#pending ??= this.#iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.#pending, timeout]).finally(() => clearTimeout(timer));
    if (result === 'timeout') return undefined;
    this.#pending = undefined;
    if (result.done === true) return undefined;
    for (const m of result.value.messages) {
      // Field by field: a record's `value` may be a getter (an in-process form), which a spread
      // would not copy.
      const { key, value, offset, headers } = m;
      this.received.push({
        topic: result.value.topic,
        partition: result.value.partition,
        key,
        value,
        offset,
        headers,
      });
      this.locals.push(m.local);
    }
    return result.value;
  }

  /** Reads until `done()` holds; fails after `timeoutMs`. */
  async until(done: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) {
        throw new Error(
          `condition not met within ${timeoutMs} ms (${this.received.length} received)`,
        );
      }
      await this.next(200);
    }
  }

  /** Commits everything received so far: per partition, the last offset + 1. */
  async commitReceived(): Promise<void> {
    const next = new Map<string, Received>();
    for (const m of this.received) next.set(`${m.topic}\u0000${m.partition}`, m);
    for (const m of next.values()) {
      await this.consumer.commit(m.topic, m.partition, String(BigInt(m.offset) + 1n));
    }
  }
}

export function describeBusContract(name: string, makeBus: () => Promise<BusFixture>): void {
  describe(`${name}: Bus contract`, () => {
    let fixture: BusFixture | undefined;
    let counter = 0;
    const topics: string[] = [];
    const closers: { close(): Promise<void> }[] = [];
    const run = `${process.pid}_${Date.now()}`;

    function bus(): Bus {
      if (fixture === undefined) throw new Error('the bus fixture was not created');
      return fixture.bus;
    }
    function unique(label: string): string {
      counter += 1;
      return `bus_${label}_${run}_${counter}`;
    }
    async function topic(label: string, partitions: number): Promise<string> {
      const name = unique(label);
      topics.push(name);
      await bus().ensureTopics([name], { partitions });
      return name;
    }
    async function producer(options?: BusProducerOptions): Promise<BusProducer> {
      const p = await bus().producer(options);
      closers.push(p);
      return p;
    }
    async function reader(groupId: string, names: readonly string[]): Promise<Reader> {
      const c = await bus().consumer({ groupId, topics: names, fromBeginning: true });
      closers.push(c);
      return new Reader(c);
    }

    beforeAll(async () => {
      fixture = await makeBus();
    });
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c.close();
      await fixture?.dropTopics(topics.splice(0));
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it('round-trips keys, values, null values and headers', async () => {
      const t = await topic('roundtrip', 3);
      const sent: BusMessage[] = [
        { key: 'a', value: '{"id":1}', headers: { 'x-source': 'pg', 'x-trace': 't1' } },
        { key: null, value: 'no key' },
        { key: 'b', value: null },
        { key: 'ключ', value: 'ünïcode ✓' },
      ];
      await (await producer()).send(t, sent);
      const r = await reader(unique('group'), [t]);
      await r.until(() => r.received.length >= sent.length);
      expect(r.received.map(({ key, value, headers }) => ({ key, value, headers }))).toEqual(
        expect.arrayContaining(sent.map((m) => ({ ...m, headers: m.headers ?? {} }))),
      );
      expect(r.received).toHaveLength(sent.length);
    });

    it("puts a producer's headers on each of its messages, under a message's own", async () => {
      const t = await topic('producer_headers', 2);
      const stamped = await producer({ headers: { 'x-run': 'r1', 'x-trace': 'producer' } });
      await stamped.send(t, [
        { key: 'a', value: '1' },
        { key: 'b', value: '2', headers: { 'x-trace': 'message' } },
      ]);
      await stamped.sendTopics([{ topic: t, messages: [{ key: 'c', value: '3' }] }]);
      await (await producer()).send(t, [{ key: 'd', value: '4' }]);
      const r = await reader(unique('group'), [t]);
      await r.until(() => r.received.length >= 4);
      const headersByKey = Object.fromEntries(r.received.map((m) => [m.key, m.headers]));
      expect(headersByKey).toEqual({
        a: { 'x-run': 'r1', 'x-trace': 'producer' },
        b: { 'x-run': 'r1', 'x-trace': 'message' },
        c: { 'x-run': 'r1', 'x-trace': 'producer' },
        d: {},
      });
    });

    it('delivers the text of a message sent in its in-process form, or that form itself', async () => {
      const t = await topic('local', 2);
      const sent = [1, 2, 3].map((id) => new LocalMessage(`{"id":${id}}`, `{"id":${id},"v":"ü"}`));
      await (await producer()).send(t, sent);
      const r = await reader(unique('group'), [t]);
      await r.until(() => r.received.length >= sent.length);
      for (const [index, received] of r.received.entries()) {
        const original = sent.find((m) => m.key === received.key);
        expect(received.value).toBe(original?.text);
        // An in-process bus hands over the very object; any other bus only the text.
        const local = r.locals[index];
        if (local !== undefined) expect(local).toBe(original?.local);
      }
    });

    it('keeps a key on one partition, the murmur2 one, in send order across 1000 messages', async () => {
      const t = await topic('order', 6);
      const keys = Array.from({ length: 25 }, (_, i) => `{"id":${i}}`);
      const p = await producer();
      for (let batch = 0; batch < 10; batch += 1) {
        await p.send(
          t,
          Array.from({ length: 100 }, (_, i) => {
            const n = batch * 100 + i;
            return { key: keys[n % keys.length] ?? null, value: String(n) };
          }),
        );
      }
      const r = await reader(unique('group'), [t]);
      await r.until(() => r.received.length >= 1000);
      expect(r.received).toHaveLength(1000);
      for (const key of keys) {
        const mine = r.received.filter((m) => m.key === key);
        expect(new Set(mine.map((m) => m.partition))).toEqual(new Set([partitionForKey(key, 6)]));
        const values = mine.map((m) => Number(m.value));
        expect(values).toEqual([...values].sort((a, b) => a - b));
        expect(values).toHaveLength(40);
      }
      expect(new Set(r.received.map((m) => m.partition)).size).toBe(6);
      for (let partition = 0; partition < 6; partition += 1) {
        const offsets = r.received
          .filter((m) => m.partition === partition)
          .map((m) => BigInt(m.offset));
        expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }
    });

    it('sends several topics in one call, each partition in call order, the same key twice', async () => {
      const a = await topic('many_a', 3);
      const b = await topic('many_b', 2);
      const keys = Array.from({ length: 12 }, (_, i) => `{"id":${i}}`);
      const messages = (from: number, count: number): BusMessage[] =>
        Array.from({ length: count }, (_, i) => {
          const n = from + i;
          return { key: keys[n % keys.length] ?? null, value: String(n) };
        });
      const p = await producer();
      await p.sendTopics([
        { topic: a, messages: messages(0, 60) },
        { topic: b, messages: messages(0, 30) },
        { topic: b, messages: [] },
        // The same topic again: its messages follow the first batch of it.
        { topic: a, messages: messages(60, 60) },
      ]);
      await p.send(a, messages(120, 12));
      const r = await reader(unique('group'), [a, b]);
      await r.until(() => r.received.length >= 162);
      expect(r.received).toHaveLength(162);
      for (const [name, partitions, count] of [
        [a, 3, 132],
        [b, 2, 30],
      ] as const) {
        const mine = r.received.filter((m) => m.topic === name);
        expect(mine).toHaveLength(count);
        for (const key of keys) {
          const ofKey = mine.filter((m) => m.key === key);
          expect(new Set(ofKey.map((m) => m.partition))).toEqual(
            new Set([partitionForKey(key, partitions)]),
          );
          const values = ofKey.map((m) => Number(m.value));
          expect(values).toEqual([...values].sort((x, y) => x - y));
        }
      }
    });

    it('sends nothing of a multi-topic call naming a topic that was not created', async () => {
      const t = await topic('many_partial', 1);
      const missing = unique('many_missing');
      const p = await producer();
      const sending = p.sendTopics([
        { topic: t, messages: [{ key: 'k', value: 'before' }] },
        { topic: missing, messages: [{ key: 'k', value: 'lost' }] },
      ]);
      await expect(sending).rejects.toSatisfy((e: unknown) =>
        isReplicatorError(e, 'REPL_BUS_TOPIC_NOT_FOUND'),
      );
      const error = (await sending.catch((e: unknown) => e)) as ReplicatorError;
      expect(error.message).toContain(missing);
      // The producer still works after the failed call, and the failed call left nothing behind.
      await p.sendTopics([{ topic: t, messages: [{ key: 'k', value: 'after' }] }]);
      const r = await reader(unique('group'), [t]);
      await r.until(() => r.received.length >= 1);
      await r.next(500);
      expect(r.received.map((m) => m.value)).toEqual(['after']);
    });

    it('redelivers uncommitted messages to the next member of the group', async () => {
      const t = await topic('redeliver', 2);
      const group = unique('group');
      const sent = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
      await (await producer()).send(t, sent);
      const first = await reader(group, [t]);
      await first.until(() => first.received.length >= 10);
      await first.consumer.close();
      const second = await reader(group, [t]);
      await second.until(() => second.received.length >= 10);
      expect(second.received.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
    });

    it('does not redeliver committed messages', async () => {
      const t = await topic('committed', 2);
      const group = unique('group');
      const p = await producer();
      await p.send(
        t,
        Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `old${i}` })),
      );
      const first = await reader(group, [t]);
      await first.until(() => first.received.length >= 10);
      await first.commitReceived();
      await first.consumer.close();
      await p.send(
        t,
        Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `new${i}` })),
      );
      const second = await reader(group, [t]);
      await second.until(() => second.received.length >= 5);
      await second.next(1_000);
      expect(second.received.map((m) => m.value).sort()).toEqual([
        'new0',
        'new1',
        'new2',
        'new3',
        'new4',
      ]);
    });

    it('splits partitions between two members and hands over when one closes', async () => {
      const t = await topic('split', 6);
      const group = unique('group');
      const a = await reader(group, [t]);
      const b = await reader(group, [t]);
      const sent = Array.from({ length: 600 }, (_, i) => ({
        key: `key-${i % 60}`,
        value: String(i),
      }));
      await (await producer()).send(t, sent);
      const seen = (): number => new Set([...a.received, ...b.received].map((m) => m.value)).size;
      const both = (): boolean => seen() >= 600 && a.received.length > 0 && b.received.length > 0;
      await Promise.all([a.until(both), b.until(both)]);
      const partitionsOf = (r: Reader): Set<number> => new Set(r.received.map((m) => m.partition));
      expect(new Set([...partitionsOf(a), ...partitionsOf(b)]).size).toBe(6);

      // b leaves without committing: a reads b's partitions again from the start.
      const bValues = new Set(b.received.map((m) => m.value));
      const before = a.received.length;
      await b.consumer.close();
      const after = (): Set<string | null> => new Set(a.received.slice(before).map((m) => m.value));
      await a.until(() => [...bValues].every((v) => after().has(v)));
      expect(partitionsOf(a).size).toBe(6);
    });

    it('lists the topics it has, sorted, including ones created since the last call', async () => {
      const first = await topic('list_b', 1);
      const before = await bus().listTopics();
      expect(before).toContain(first);
      expect([...before]).toEqual([...before].sort());
      expect(before.some((name) => name.startsWith('__'))).toBe(false);
      const second = await topic('list_a', 2);
      const after = await bus().listTopics();
      expect(after.filter((name) => name === first || name === second)).toEqual(
        [first, second].sort(),
      );
      expect(after).not.toContain(unique('never_created'));
    });

    it('reports the end offset of every partition, moving as messages are sent', async () => {
      const name = await topic('ends', 3);
      expect(await bus().endOffsets(name)).toEqual(['0', '0', '0']);
      const p = await producer();
      await p.send(name, [
        { key: null, value: 'a' },
        { key: null, value: 'b' },
        { key: null, value: 'c' },
        { key: null, value: 'd' },
      ]);
      const ends = await bus().endOffsets(name);
      expect(ends).toHaveLength(3);
      expect(ends.reduce((sum, end) => sum + Number(end), 0)).toBe(4);
      await expect(bus().endOffsets(unique('no_such_topic'))).rejects.toSatisfy((e: unknown) =>
        isReplicatorError(e, 'REPL_BUS_TOPIC_NOT_FOUND'),
      );
    });

    it('refuses a topic that was not created, with a coded error', async () => {
      const missing = unique('missing');
      const p = await producer();
      const sending = p.send(missing, [{ key: 'k', value: 'v' }]);
      await expect(sending).rejects.toSatisfy((e: unknown) =>
        isReplicatorError(e, 'REPL_BUS_TOPIC_NOT_FOUND'),
      );
      const error = (await sending.catch((e: unknown) => e)) as ReplicatorError;
      expect(error.message).toContain(missing);
      await expect(
        bus().consumer({ groupId: unique('group'), topics: [missing], fromBeginning: true }),
      ).rejects.toSatisfy((e: unknown) => isReplicatorError(e, 'REPL_BUS_TOPIC_NOT_FOUND'));
    });
  });
}

/** A message whose value exists in an in-process form, encoded only when `value` is read. */
export class LocalMessage implements BusMessage {
  readonly local: LocalValue;
  encodings = 0;

  constructor(
    readonly key: string,
    readonly text: string,
  ) {
    this.local = {
      sizeBytes: Buffer.byteLength(text),
      encode: () => {
        this.encodings += 1;
        return text;
      },
    };
  }

  get value(): string {
    return this.local.encode();
  }
}
