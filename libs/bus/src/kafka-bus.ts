/**
 * The Bus on Kafka (kafkajs). Topics are created explicitly (brokers run with
 * `auto.create.topics.enable=false`); producers are idempotent with one request in flight and
 * serialised sends; consumers commit manually. One admin connection, opened on first use,
 * answers topic questions; producers and consumers own their connections.
 */
import { isReplicatorError, replicatorError, retry, type Logger } from '@database-replicator/core';
import kafkajs from 'kafkajs';
import type { Admin, Kafka } from 'kafkajs';
import type {
  Bus,
  BusConsumer,
  BusConsumerOptions,
  BusProducer,
  BusProducerOptions,
  EnsureTopicsOptions,
} from './bus.js';
import {
  busClosed,
  isRetriableKafkaError,
  isUnknownTopicError,
  topicNotFound,
} from './bus-errors.js';
import { KafkaConsumer, type KafkaConsumerTiming } from './kafka-consumer.js';
import { useNativeCrc32c } from './kafka-crc32c.js';
import { kafkaLogCreator } from './kafka-log.js';
import { KafkaProducer, type KafkaCompression } from './kafka-producer.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

// Measured on loopback (scale 200,000, 50,000-change backlog): gzip cost the sync process about
// 20 % more CPU per change (compressing, then decompressing in the loader) and the broker
// decompresses to validate; the bytes it saves only matter on a slow network.
const DEFAULT_COMPRESSION: KafkaCompression = 'none';

// With full-jitter backoff capped at 5 s, up to about 20 s in all.
const TOPIC_READY_ATTEMPTS = 10;

/** Options of {@link KafkaBus}. */
export type KafkaBusOptions = Readonly<{
  /** Bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  /** Receives kafkajs's error lines (child `component: 'kafka'`). */
  logger: Logger;
  /** Client id sent to the brokers. Default `'database-replicator'`. */
  clientId?: string;
  /** Replication factor of created topics; `-1` takes the broker default. Default -1. */
  replicationFactor?: number;
  /** TCP connect timeout. Default 5000 ms. */
  connectionTimeoutMs?: number;
  /** A member silent this long leaves its group. Default 10 000 ms (the broker minimum is 6000). */
  sessionTimeoutMs?: number;
  /**
   * Heartbeat interval of consumers; also how soon a member notices a rebalance, which every
   * other member's join waits for (each loader joining costs the group up to this). Default 250 ms.
   */
  heartbeatIntervalMs?: number;
  /**
   * Longest wait of a fetch for new data; `close()` waits for it, and so does a member's
   * heartbeat, hence its notice of a rebalance. Default 200 ms.
   */
  maxWaitTimeMs?: number;
  /**
   * Compression of produced record batches. Default `'none'`, what measures best where brokers
   * are near (CPU is the limit, not bytes); `'gzip'` for a slow or metered network.
   */
  compression?: KafkaCompression;
}>;

export class KafkaBus implements Bus {
  readonly #kafka: Kafka;
  readonly #replicationFactor: number;
  readonly #timing: KafkaConsumerTiming;
  readonly #compression: KafkaCompression;
  readonly #known = new Set<string>();
  // Two admin clients because kafkajs keeps one metadata cache per client and a topic-scoped
  // read (fetchTopicMetadata, while topics are created) narrows it to those topics: an end-offset
  // read sharing that cache then finds its own topic gone and fails with a TypeError (measured:
  // 133 of 2,199 reads, and retries did not always outlast a busy creator). The offsets client
  // only ever widens its cache.
  readonly #admins = new Map<'topics' | 'offsets', Promise<Admin>>();
  #closed = false;

  constructor(options: KafkaBusOptions) {
    useNativeCrc32c();
    this.#kafka = new KafkaClient({
      clientId: options.clientId ?? 'database-replicator',
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      logLevel: logLevel.ERROR,
      logCreator: kafkaLogCreator(options.logger.child({ component: 'kafka' })),
    });
    this.#replicationFactor = options.replicationFactor ?? -1;
    this.#compression = options.compression ?? DEFAULT_COMPRESSION;
    this.#timing = {
      sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 250,
      maxWaitTimeMs: options.maxWaitTimeMs ?? 200,
    };
  }

  async ensureTopics(names: readonly string[], options: EnsureTopicsOptions): Promise<void> {
    const admin = await this.#connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = names.filter((name) => !existing.has(name));
    if (missing.length > 0) {
      // false when some already existed (a concurrent creator); the check below covers them.
      // Leaders are awaited below: kafkajs' own wait gives up when the broker answers "unknown
      // topic or partition" for a topic it is still creating (kafkajs#1222).
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: options.partitions,
          replicationFactor: this.#replicationFactor,
        })),
      });
    }
    const topics = await retry(() => this.#topicsWithLeaders(admin, names), {
      isRetryable: (error) =>
        isReplicatorError(error, 'REPL_BUS_TOPIC_NOT_READY') || isUnknownTopicError(error),
      maxAttempts: TOPIC_READY_ATTEMPTS,
      maxDelayMs: 5_000,
    });
    for (const { name, partitions } of topics) {
      if (partitions.length < options.partitions) {
        throw replicatorError(
          'REPL_BUS_TOPIC_MISMATCH',
          `Topic "${name}" has ${partitions.length} partitions, fewer than the configured ${options.partitions}`,
          {
            details: { topic: name, partitions: partitions.length, configured: options.partitions },
          },
        );
      }
      this.#known.add(name);
    }
  }

  /** Metadata of `names` once every partition has a leader. */
  async #topicsWithLeaders(admin: Admin, names: readonly string[]) {
    const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
    const waiting = topics.filter(({ partitions }) =>
      partitions.some((partition) => partition.leader < 0),
    );
    if (waiting.length > 0) {
      throw replicatorError(
        'REPL_BUS_TOPIC_NOT_READY',
        `Kafka topics ${waiting.map(({ name }) => `"${name}"`).join(', ')} have partitions without a leader yet`,
      );
    }
    return topics;
  }

  async listTopics(): Promise<readonly string[]> {
    const admin = await this.#connectedAdmin();
    const names = (await admin.listTopics()).filter((name) => !name.startsWith('__'));
    return Object.freeze(names.sort());
  }

  async endOffsets(topic: string): Promise<readonly string[]> {
    if (!(await this.#topicExists(topic))) throw topicNotFound(topic);
    const admin = await this.#connectedAdmin('offsets');
    // A partition whose leader was just elected answers "not the leader" for a moment.
    const offsets = await retry(() => admin.fetchTopicOffsets(topic), {
      isRetryable: isRetriableKafkaError,
      maxAttempts: TOPIC_READY_ATTEMPTS,
      maxDelayMs: 5_000,
    });
    const ends: string[] = [];
    for (const { partition, high } of offsets) ends[partition] = high;
    return Object.freeze(ends);
  }

  async producer(options: BusProducerOptions = {}): Promise<BusProducer> {
    if (this.#closed) throw busClosed('Kafka bus');
    return KafkaProducer.open(this.#kafka, {
      topicExists: (topic) => this.#topicExists(topic),
      compression: this.#compression,
      headers: options.headers ?? {},
    });
  }

  async consumer(options: BusConsumerOptions): Promise<BusConsumer> {
    if (this.#closed) throw busClosed('Kafka bus');
    for (const topic of options.topics) {
      if (!(await this.#topicExists(topic))) throw topicNotFound(topic);
    }
    return KafkaConsumer.open(this.#kafka, options, this.#timing);
  }

  /** Disconnects the admin clients. Close producers and consumers first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const admins = [...this.#admins.values()];
    this.#admins.clear();
    for (const admin of admins) await (await admin.catch(() => undefined))?.disconnect();
  }

  /** Whether `topic` exists; positive answers are cached (topics are not deleted under us). */
  async #topicExists(topic: string): Promise<boolean> {
    if (this.#known.has(topic)) return true;
    const admin = await this.#connectedAdmin();
    if (!(await admin.listTopics()).includes(topic)) return false;
    this.#known.add(topic);
    return true;
  }

  #connectedAdmin(role: 'topics' | 'offsets' = 'topics'): Promise<Admin> {
    if (this.#closed) return Promise.reject(busClosed('Kafka bus'));
    const connected = this.#admins.get(role);
    if (connected !== undefined) return connected;
    const admin = this.#kafka.admin();
    const connecting = admin.connect().then(
      () => admin,
      (error: unknown) => {
        this.#admins.delete(role);
        throw replicatorError('REPL_CONNECT_FAILED', 'Cannot reach the Kafka brokers', {
          cause: error,
        });
      },
    );
    this.#admins.set(role, connecting);
    return connecting;
  }
}
