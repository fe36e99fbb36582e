/**
 * A kafkajs producer made safe for per-key order: idempotent, `maxInFlightRequests: 1`, and
 * every send chained after the previous one (kafkajs drops messages when idempotent sends run
 * concurrently), acknowledged by all in-sync replicas (`acks: -1`), gzip-compressed. The
 * messages of one `send` travel as one batched request.
 */
import { replicatorError, retry } from '@database-replicator/core';
import kafkajs from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';
import type { BusMessage, BusProducer } from './bus.js';
import { busClosed, isUnknownTopicError, topicNotFound } from './bus-errors.js';

const { CompressionTypes, Partitioners } = kafkajs;

export class KafkaProducer implements BusProducer {
  readonly #producer: Producer;
  readonly #topicExists: (topic: string) => Promise<boolean>;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(producer: Producer, topicExists: (topic: string) => Promise<boolean>) {
    this.#producer = producer;
    this.#topicExists = topicExists;
  }

  /** Connects a producer; `topicExists` answers whether a topic was created. */
  static async open(
    kafka: Kafka,
    topicExists: (topic: string) => Promise<boolean>,
  ): Promise<KafkaProducer> {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return new KafkaProducer(producer, topicExists);
  }

  send(topic: string, messages: readonly BusMessage[]): Promise<void> {
    if (this.#closed) return Promise.reject(busClosed('producer'));
    const sent = this.#tail.then(() => this.#sendNow(topic, messages));
    this.#tail = sent.catch(() => undefined);
    return sent;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#producer.disconnect();
  }

  async #sendNow(topic: string, messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (!(await this.#topicExists(topic))) throw topicNotFound(topic);
    try {
      // The topic exists (the admin said so), so "unknown topic or partition" means this
      // client's metadata lags a topic created a moment ago: wait and ask again.
      await retry(() => this.#sendOnce(topic, messages), {
        isRetryable: isUnknownTopicError,
        maxAttempts: UNKNOWN_TOPIC_ATTEMPTS,
        maxDelayMs: 5_000,
      });
    } catch (error) {
      if (isUnknownTopicError(error)) throw topicNotFound(topic, error);
      throw replicatorError(
        'REPL_BUS_SEND_FAILED',
        `Kafka did not accept ${messages.length} messages for topic "${topic}": ${errorMessage(error)}`,
        { details: { topic, messages: messages.length }, cause: error },
      );
    }
  }

  async #sendOnce(topic: string, messages: readonly BusMessage[]): Promise<void> {
    await this.#producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: messages.map(({ key, value, headers }) =>
        headers === undefined ? { key, value } : { key, value, headers: { ...headers } },
      ),
    });
  }
}

const UNKNOWN_TOPIC_ATTEMPTS = 6;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
