/**
 * @database-replicator/bus — the message bus between extractors and loaders: the {@link Bus}
 * contract, {@link KafkaBus} for the services and {@link MemoryBus} for the single-process CLI.
 * Both pass one contract suite (test/integration/bus).
 */

/**
 * The Bus contract: topics, producers, group consumers with manual commits. See `bus.ts` for the
 * delivery semantics both implementations share.
 */
export type {
  Bus,
  BusBatch,
  BusConsumer,
  BusConsumerOptions,
  BusHeaders,
  BusMessage,
  BusProducer,
  BusProducerOptions,
  BusRecord,
  EnsureTopicsOptions,
} from './bus.js';

/**
 * `KafkaBus(options)`: the Bus on Kafka via kafkajs. Idempotent producer, one request in flight,
 * sends serialised, `acks: -1`; murmur2 key partitioning; manual commits; no compression unless asked.
 *
 * @throws ReplicatorError `REPL_CONNECT_FAILED` when the brokers cannot be reached.
 */
export { KafkaBus } from './kafka-bus.js';
/** Options of {@link KafkaBus}: brokers, logger, timeouts (ms); defaults on each field. */
export type { KafkaBusOptions } from './kafka-bus.js';

/**
 * `MemoryBus(options?)`: the in-process Bus, bounded per partition (uncommitted messages and
 * bytes) with backpressure; consumer groups and redelivery from the committed offset as on Kafka.
 */
export { MemoryBus } from './memory-bus.js';
/** Options of {@link MemoryBus}: `maxMessages` (10 000), `maxBytes` (64 MiB), `maxBatchMessages` (500). */
export type { MemoryBusOptions } from './memory-bus.js';

/**
 * `partitionForKey(key, partitions)`: the partition Kafka's default (murmur2) partitioner picks for
 * a key; MemoryBus uses the same function.
 */
export { partitionForKey } from './partition-for-key.js';

/**
 * A message value in its in-process form (`BusMessage.local`): `MemoryBus` hands it to consumers
 * as `BusRecord.local` and encodes it only when `value` is read; `KafkaBus` sends `value`.
 */
export type { LocalValue } from './bus.js';

/** Messages for one topic: an element of `BusProducer.sendTopics`, which sends many topics at once. */
export type { TopicMessages } from './bus.js';

/** How Kafka producers compress record batches (`KafkaBusOptions.compression`). */
export type { KafkaCompression } from './kafka-producer.js';
