/**
 * A Kafka consumer holds at most one fetch of messages its reader has not taken (kafkajs fetches
 * again only once every batch of the last fetch was taken), and a fetch is capped at 1 MiB: the
 * loader applies what one fetch brought at once, so this cap is what bounds the memory of a
 * catching-up loader (issue 5: peak RSS ≤ 300 MB whatever the backlog). The reader here is slow
 * on purpose: it pauses before taking each fetch, long enough for an unbounded consumer to
 * buffer much more of the 10.5 MiB backlog.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '@database-replicator/core';
import { KafkaBus, type BusBatch } from '@database-replicator/bus';
import { describeWithServices } from '../../support/describe-with-services.js';
import { deleteKafkaTopics, kafkaBrokers as brokers } from '../../support/kafka-topics.js';

const PARTITIONS = 6;
const MESSAGES_PER_PARTITION = 600;
/** Hex text: 3 KiB per message, so 1.8 MiB per partition, 10.5 MiB in all. */
const VALUE_BYTES = 3 * 1024;
/** The consumer's fetch cap (kafka-consumer.ts); record headers and keys come out of it. */
const FETCH_CAP_BYTES = 1024 * 1024;

describeWithServices(['kafka'], 'KafkaBus consumer: bounded bytes held', () => {
  const created: string[] = [];

  afterAll(() => deleteKafkaTopics(created));

  it('never holds more than one capped fetch of a large backlog', async () => {
    const topic = `bus_bound_${randomBytes(4).toString('hex')}`;
    created.push(topic);
    const bus = new KafkaBus({ brokers: brokers(), logger: createLogger({ level: 'error' }) });
    try {
      await bus.ensureTopics([topic], { partitions: PARTITIONS });
      const producer = await bus.producer();
      const total = PARTITIONS * MESSAGES_PER_PARTITION;
      // Keys spread over the partitions; values are incompressible text of a fixed size.
      const messages = Array.from({ length: total }, (_, index) => ({
        key: `key-${index}`,
        value: randomBytes(VALUE_BYTES / 2).toString('hex'),
      }));
      await producer.sendTopics([{ topic, messages }]);
      await producer.close();
      const consumer = await bus.consumer({
        groupId: `g_${topic}`,
        topics: [topic],
        fromBeginning: true,
      });
      const batches = new Batches(consumer[Symbol.asyncIterator]());
      const held: number[] = [];
      let received = 0;
      while (received < total) {
        received += (await batches.next()).messages.length;
        // A slow reader: an unbounded consumer would keep fetching meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const taken = await takeHeld(batches);
        received += taken.messages;
        held.push(taken.bytes);
      }
      await consumer.close();
      expect(received).toBe(total);
      expect(Math.max(...held)).toBeLessThanOrEqual(FETCH_CAP_BYTES);
      // The cap is reached: fetches bring several messages' worth at once, not one at a time.
      expect(Math.max(...held)).toBeGreaterThan(FETCH_CAP_BYTES / 2);
    } finally {
      await bus.close();
    }
  }, 120_000);
});

const NOT_READY = Symbol('not ready');

/**
 * A consumer's batches, read one by one. `ready()` returns a batch only if the consumer already
 * holds it: it must arrive within microtasks, before any I/O, so it cannot be one of a fetch
 * that starts once the previous one was all taken.
 */
class Batches {
  #pending: Promise<IteratorResult<BusBatch>> | undefined;

  constructor(readonly iterator: AsyncIterator<BusBatch>) {}

  async next(): Promise<BusBatch> {
    this.#pending ??= this.iterator.next();
    const result = await this.#pending;
    this.#pending = undefined;
    if (result.done === true) throw new Error('the consumer ended');
    return result.value;
  }

  async ready(): Promise<BusBatch | undefined> {
    this.#pending ??= this.iterator.next();
    const result = await Promise.race([this.#pending, afterMicrotasks()]);
    if (result === NOT_READY) return undefined;
    this.#pending = undefined;
    if (result.done === true) throw new Error('the consumer ended');
    return result.value;
  }
}

/** Takes every batch the consumer holds; their messages and bytes. */
async function takeHeld(batches: Batches): Promise<{ messages: number; bytes: number }> {
  let messages = 0;
  let bytes = 0;
  for (;;) {
    const batch = await batches.ready();
    if (batch === undefined) return { messages, bytes };
    messages += batch.messages.length;
    bytes += batchBytes(batch);
  }
}

/** Far more microtasks than handing over a held batch takes; no I/O runs meanwhile. */
async function afterMicrotasks(): Promise<typeof NOT_READY> {
  for (let turn = 0; turn < 100; turn += 1) await Promise.resolve();
  return NOT_READY;
}

function batchBytes(batch: BusBatch): number {
  let bytes = 0;
  for (const m of batch.messages) bytes += Buffer.byteLength(m.value ?? '') + (m.key?.length ?? 0);
  return bytes;
}
