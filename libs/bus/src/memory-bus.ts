/**
 * The in-process bus of the CLI: the Bus contract without a broker. Bounded per partition in
 * uncommitted messages and bytes, with backpressure (a send waits for space); consumer groups
 * share partitions round-robin and read again from the last committed offset after a rebalance,
 * as on Kafka. Nothing survives the process: the loader's checkpoints are the durable record.
 */
import { replicatorError } from '@database-replicator/core';
import type {
  Bus,
  BusConsumer,
  BusConsumerOptions,
  BusHeaders,
  BusMessage,
  BusProducer,
  BusProducerOptions,
  EnsureTopicsOptions,
  TopicMessages,
} from './bus.js';
import { busClosed } from './bus-errors.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryConsumer } from './memory-consumer.js';
import { withProducerHeaders } from './producer-headers.js';

/** Options of {@link MemoryBus}. */
export type MemoryBusOptions = Readonly<{
  /** Uncommitted messages a partition holds before `send` waits. Default 10 000. */
  maxMessages?: number;
  /** Uncommitted bytes (keys, values, headers) a partition holds before `send` waits. Default 64 MiB. */
  maxBytes?: number;
  /** Messages per consumed batch at most. Default 500. */
  maxBatchMessages?: number;
}>;

export class MemoryBus implements Bus {
  readonly #broker: MemoryBroker;
  readonly #maxBatchMessages: number;

  constructor(options: MemoryBusOptions = {}) {
    this.#broker = new MemoryBroker({
      maxMessages: options.maxMessages ?? 10_000,
      maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
    });
    this.#maxBatchMessages = options.maxBatchMessages ?? 500;
  }

  async ensureTopics(names: readonly string[], options: EnsureTopicsOptions): Promise<void> {
    this.#assertOpen();
    for (const name of names) {
      const partitions = this.#broker.ensureTopic(name, options.partitions);
      if (partitions < options.partitions) {
        throw replicatorError(
          'REPL_BUS_TOPIC_MISMATCH',
          `Topic "${name}" has ${partitions} partitions, fewer than the configured ${options.partitions}`,
          { details: { topic: name, partitions, configured: options.partitions } },
        );
      }
    }
  }

  async listTopics(): Promise<readonly string[]> {
    this.#assertOpen();
    return Object.freeze([...this.#broker.topicNames()].sort());
  }

  async endOffsets(topic: string): Promise<readonly string[]> {
    this.#assertOpen();
    return Object.freeze(this.#broker.logs(topic).map((log) => String(log.nextOffset)));
  }

  async producer(options: BusProducerOptions = {}): Promise<BusProducer> {
    this.#assertOpen();
    return new MemoryProducer(this.#broker, options.headers ?? {});
  }

  async consumer(options: BusConsumerOptions): Promise<BusConsumer> {
    this.#assertOpen();
    return new MemoryConsumer(this.#broker, options, this.#maxBatchMessages);
  }

  /** Ends every consumer's iteration and fails sends waiting for space with `REPL_BUS_CLOSED`. */
  async close(): Promise<void> {
    this.#broker.close();
  }

  #assertOpen(): void {
    if (this.#broker.closed) throw busClosed('in-process bus');
  }
}

/** Sends are chained so one producer's messages enter each partition in call order. */
class MemoryProducer implements BusProducer {
  readonly #broker: MemoryBroker;
  readonly #headers: BusHeaders;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(broker: MemoryBroker, headers: BusHeaders) {
    this.#broker = broker;
    this.#headers = headers;
  }

  send(topic: string, messages: readonly BusMessage[]): Promise<void> {
    return this.sendTopics([{ topic, messages }]);
  }

  sendTopics(batches: readonly TopicMessages[]): Promise<void> {
    if (this.#closed) return Promise.reject(busClosed('producer'));
    const sent = this.#tail.then(() =>
      this.#appendAll(withProducerHeaders(batches, this.#headers)),
    );
    this.#tail = sent.catch(() => undefined);
    return sent;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail;
  }

  /** As Kafka does, a missing topic fails the call before any message of it is appended. */
  async #appendAll(batches: readonly TopicMessages[]): Promise<void> {
    for (const { topic } of batches) this.#broker.logs(topic);
    for (const { topic, messages } of batches) await this.#broker.append(topic, messages);
  }
}
