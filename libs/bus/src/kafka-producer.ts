/**
 * A kafkajs producer made safe for per-key order: idempotent, `maxInFlightRequests: 1`, and
 * every send chained after the previous one (kafkajs drops messages when idempotent sends run
 * concurrently), acknowledged by all in-sync replicas (`acks: -1`), gzip-compressed. The
 * messages of one `send` travel as one batched request.
 */
import { replicatorError } from '@database-replicator/core';
import kafkajs from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';
import type { BusMessage, BusProducer } from './bus.js';
import { busClosed, topicNotFound } from './bus-errors.js';

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
      await this.#producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: messages.map(({ key, value, headers }) =>
          headers === undefined ? { key, value } : { key, value, headers: { ...headers } },
        ),
      });
    } catch (error) {
      if (isUnknownTopic(error)) throw topicNotFound(topic, error);
      throw replicatorError(
        'REPL_BUS_SEND_FAILED',
        `Kafka did not accept ${messages.length} messages for topic "${topic}": ${errorMessage(error)}`,
        { details: { topic, messages: messages.length }, cause: error },
      );
    }
  }
}

function isUnknownTopic(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ('type' in e && e.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
    if (
      'originalError' in e &&
      e.originalError instanceof Error &&
      isUnknownTopic(e.originalError)
    ) {
      return true;
    }
  }
  return false;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
