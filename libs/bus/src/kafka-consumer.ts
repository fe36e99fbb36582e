/**
 * A kafkajs group consumer behind an AsyncIterable. States: running (kafkajs fetches; each
 * non-empty batch is handed over through a one-batch slot, and the batch handler waits,
 * heartbeating, until the reader has taken it, so at most one fetched batch is buffered) →
 * closed (the handler returns, the member leaves the group, the iteration ends) or failed (a
 * crash kafkajs does not restart ends the iteration with the error). Offsets are committed only
 * by `commit`; kafkajs's in-memory position advances as batches are handed over.
 */
import { replicatorError } from '@database-replicator/core';
import type { Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import type { BusBatch, BusConsumer, BusConsumerOptions, BusHeaders } from './bus.js';
import { busClosed, parseOffset } from './bus-errors.js';
import { ChangeSignal } from './change-signal.js';

/** Group timing of a Kafka consumer; see `KafkaBusOptions`. */
export type KafkaConsumerTiming = Readonly<{
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxWaitTimeMs: number;
}>;

export class KafkaConsumer implements BusConsumer {
  readonly #consumer: Consumer;
  readonly #groupId: string;
  readonly #heartbeatIntervalMs: number;
  readonly #changed = new ChangeSignal();
  #slot: BusBatch | undefined;
  #failure: unknown;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(consumer: Consumer, groupId: string, heartbeatIntervalMs: number) {
    this.#consumer = consumer;
    this.#groupId = groupId;
    this.#heartbeatIntervalMs = heartbeatIntervalMs;
  }

  /** Joins the group and starts fetching. */
  static async open(
    kafka: Kafka,
    options: BusConsumerOptions,
    timing: KafkaConsumerTiming,
  ): Promise<KafkaConsumer> {
    const consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: timing.sessionTimeoutMs,
      heartbeatInterval: timing.heartbeatIntervalMs,
      maxWaitTimeInMs: timing.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    const self = new KafkaConsumer(consumer, options.groupId, timing.heartbeatIntervalMs);
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) self.#fail(payload.error);
    });
    await consumer.connect();
    try {
      await consumer.subscribe({
        topics: [...options.topics],
        fromBeginning: options.fromBeginning,
      });
      await consumer.run({
        autoCommit: false,
        eachBatch: (payload) => self.#handOver(payload),
      });
    } catch (error) {
      await consumer.disconnect();
      throw error;
    }
    options.signal?.addEventListener('abort', () => void self.close(), { once: true });
    if (options.signal?.aborted === true) await self.close();
    return self;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BusBatch> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#closed) return;
      const batch = this.#slot;
      if (batch === undefined) {
        await this.#changed.wait();
        continue;
      }
      this.#slot = undefined;
      this.#changed.notify();
      yield batch;
    }
  }

  async commit(topic: string, partition: number, offset: string): Promise<void> {
    if (this.#closed) throw busClosed('consumer');
    parseOffset(topic, partition, offset);
    try {
      await this.#consumer.commitOffsets([{ topic, partition, offset }]);
    } catch (error) {
      throw replicatorError(
        'REPL_BUS_COMMIT_FAILED',
        `Kafka refused the commit of offset ${offset} of ${topic}[${partition}] for group "${this.#groupId}"`,
        { details: { topic, partition, offset, groupId: this.#groupId }, cause: error },
      );
    }
  }

  seek(topic: string, partition: number, offset: string): void {
    parseOffset(topic, partition, offset);
    if (this.#slot?.topic === topic && this.#slot.partition === partition) {
      this.#slot = undefined;
      this.#changed.notify();
    }
    this.#consumer.seek({ topic, partition, offset });
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#slot = undefined;
    this.#changed.notify();
    await this.#consumer.disconnect();
  }

  #fail(error: unknown): void {
    this.#failure = replicatorError(
      'REPL_CONNECT_FAILED',
      `The Kafka consumer of group "${this.#groupId}" stopped`,
      { details: { groupId: this.#groupId }, cause: error },
    );
    this.#changed.notify();
  }

  /** kafkajs's batch handler: waits for the slot, fills it, waits until the reader took it. */
  async #handOver({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.isEmpty()) return;
    const handed: BusBatch = Object.freeze({
      topic: batch.topic,
      partition: batch.partition,
      messages: Object.freeze(
        batch.messages.map((m) =>
          Object.freeze({
            key: m.key?.toString('utf8') ?? null,
            value: m.value?.toString('utf8') ?? null,
            offset: m.offset,
            headers: readHeaders(m.headers),
          }),
        ),
      ),
    });
    const live = (): boolean => !this.#closed && isRunning() && !isStale();
    while (live() && this.#slot !== undefined) await this.#pause(heartbeat);
    if (!live()) return;
    this.#slot = handed;
    this.#changed.notify();
    while (live() && this.#slot === handed) await this.#pause(heartbeat);
  }

  async #pause(heartbeat: () => Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#changed.wait(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#heartbeatIntervalMs);
      }),
    ]);
    clearTimeout(timer);
    if (!this.#closed) await heartbeat();
  }
}

function readHeaders(headers: IHeaders | undefined): BusHeaders {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    result[name] = (Array.isArray(value) ? value : [value]).map((v) => v.toString()).join(',');
  }
  return Object.freeze(result);
}
