/**
 * A kafkajs producer made safe for per-key order: idempotent, `maxInFlightRequests: 1`, and
 * every send chained after the previous one (kafkajs drops messages when idempotent sends run
 * concurrently), acknowledged by all in-sync replicas (`acks: -1`), compressed as configured
 * (`KafkaBusOptions.compression`). The messages of one `send` or `sendTopics` travel as few
 * batched requests (`sendBatch`) as the broker's record batch limit allows (kafka-request-groups.ts).
 */
import { replicatorError, retry } from '@database-replicator/core';
import kafkajs from 'kafkajs';
import type { CompressionTypes as Codec, Kafka, Producer } from 'kafkajs';
import type { BusHeaders, BusMessage, BusProducer, TopicMessages } from './bus.js';
import { busClosed, isUnknownTopicError, topicNotFound } from './bus-errors.js';
import { kafkaRequestGroups } from './kafka-request-groups.js';
import { withProducerHeaders } from './producer-headers.js';

const { CompressionTypes, Partitioners } = kafkajs;

/**
 * How producers compress record batches: `'none'` or `'gzip'` (the codecs kafkajs has built in).
 */
export type KafkaCompression = 'none' | 'gzip';

/** What {@link KafkaProducer.open} needs besides the client. */
export type KafkaProducerSettings = Readonly<{
  /** Whether a topic was created. */
  topicExists: (topic: string) => Promise<boolean>;
  compression: KafkaCompression;
  /** Headers of every message (`BusProducerOptions.headers`). */
  headers: BusHeaders;
}>;

export class KafkaProducer implements BusProducer {
  readonly #producer: Producer;
  readonly #topicExists: (topic: string) => Promise<boolean>;
  readonly #compression: Codec;
  readonly #headers: BusHeaders;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(producer: Producer, settings: KafkaProducerSettings) {
    this.#producer = producer;
    this.#topicExists = settings.topicExists;
    this.#compression =
      settings.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    this.#headers = settings.headers;
  }

  /** Connects a producer. */
  static async open(kafka: Kafka, settings: KafkaProducerSettings): Promise<KafkaProducer> {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return new KafkaProducer(producer, settings);
  }

  send(topic: string, messages: readonly BusMessage[]): Promise<void> {
    return this.sendTopics([{ topic, messages }]);
  }

  sendTopics(batches: readonly TopicMessages[]): Promise<void> {
    if (this.#closed) return Promise.reject(busClosed('producer'));
    const sent = this.#tail.then(() => this.#sendNow(batches));
    this.#tail = sent.catch(() => undefined);
    return sent;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#producer.disconnect();
  }

  async #sendNow(all: readonly TopicMessages[]): Promise<void> {
    const batches = withProducerHeaders(
      all.filter((batch) => batch.messages.length > 0),
      this.#headers,
    );
    if (batches.length === 0) return;
    for (const { topic } of batches) {
      if (!(await this.#topicExists(topic))) throw topicNotFound(topic);
    }
    try {
      for (const request of kafkaRequestGroups(batches)) {
        // The topics exist (the admin said so), so "unknown topic or partition" means this
        // client's metadata lags a topic created a moment ago: wait and ask again.
        await retry(() => this.#sendOnce(request), {
          isRetryable: isUnknownTopicError,
          maxAttempts: UNKNOWN_TOPIC_ATTEMPTS,
          maxDelayMs: 5_000,
        });
      }
    } catch (error) {
      throw sendFailed(batches, error);
    }
  }

  async #sendOnce(batches: readonly TopicMessages[]): Promise<void> {
    await this.#producer.sendBatch({
      acks: -1,
      compression: this.#compression,
      topicMessages: batches.map(({ topic, messages }) => ({
        topic,
        messages: messages.map(({ key, value, headers }) =>
          headers === undefined ? { key, value } : { key, value, headers: { ...headers } },
        ),
      })),
    });
  }
}

const UNKNOWN_TOPIC_ATTEMPTS = 6;

function sendFailed(batches: readonly TopicMessages[], error: unknown): Error {
  const topics = [...new Set(batches.map((batch) => batch.topic))];
  const [first] = topics;
  if (isUnknownTopicError(error) && first !== undefined && topics.length === 1) {
    return topicNotFound(first, error);
  }
  const messages = batches.reduce((sum, batch) => sum + batch.messages.length, 0);
  const topic = topics.join(', ');
  const where = topics.length === 1 ? 'topic' : 'topics';
  return replicatorError(
    'REPL_BUS_SEND_FAILED',
    `Kafka did not accept ${messages} messages for ${where} "${topic}": ${errorMessage(error)}`,
    { details: { topic, messages }, cause: error },
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
