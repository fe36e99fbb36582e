/**
 * The message bus contract: what extractors, the loader and the CLI call. `KafkaBus` and
 * `MemoryBus` implement it; one contract suite (test/integration/bus) runs on both.
 *
 * Semantics shared by every implementation:
 * - topics exist only when created by {@link Bus.ensureTopics}; sending to another topic fails
 *   with `REPL_BUS_TOPIC_NOT_FOUND`;
 * - a message with a key goes to `partitionForKey(key, partitions)`, so a key's history stays in
 *   one partition, in send order; a message without a key goes to the partitions in turn;
 * - `send` and `sendTopics` resolve once the bus has durably accepted every message of the call;
 * - a message's `local` form reaches consumers only on a bus inside one process; everywhere
 *   else consumers read `value`, which is always the same content;
 * - consumers of one group share the partitions; offsets are committed by the caller only, and a
 *   partition is read again from its last committed offset by whichever member gets it next
 *   (at-least-once delivery).
 */

/** Header values on the bus are strings. */
export type BusHeaders = Readonly<Record<string, string>>;

/**
 * A message value in the form its producer holds it, for a bus that never leaves the process:
 * `MemoryBus` keeps it and hands it to consumers as `BusRecord.local`, and reads the text form
 * (`encode()`) only when a consumer reads `value`. A bus that crosses a process boundary sends
 * `value` and drops `local`.
 */
export interface LocalValue {
  /** The value as text: equal to the message's `value`. */
  encode(): string;
  /** About the UTF-8 bytes of `encode()`, without encoding: what bounded buffers count. */
  readonly sizeBytes: number;
}

/**
 * A message to send. `null` value: a tombstone. With `local`, `value` may be a getter that
 * encodes `local` on demand: an in-process bus then never reads it.
 */
export type BusMessage = Readonly<{
  key: string | null;
  value: string | null;
  headers?: BusHeaders;
  /** The same value in its in-process form; see {@link LocalValue}. */
  local?: LocalValue;
}>;

/** Messages for one topic, as one element of {@link BusProducer.sendTopics}. */
export type TopicMessages = Readonly<{
  topic: string;
  messages: readonly BusMessage[];
}>;

/** A message as read back, with its offset in the partition (an int64 as a decimal string). */
export type BusRecord = Readonly<{
  key: string | null;
  /** With `local`, computed on first read from `local.encode()`. */
  value: string | null;
  offset: string;
  headers: BusHeaders;
  /** The value as its producer in this process held it (in-process bus only). */
  local?: LocalValue;
}>;

/** Consecutive messages of one partition, in offset order. */
export type BusBatch = Readonly<{
  topic: string;
  partition: number;
  messages: readonly BusRecord[];
}>;

/** Options of {@link Bus.ensureTopics}. */
export type EnsureTopicsOptions = Readonly<{
  /** Partitions of each topic created; an existing topic must have at least this many. */
  partitions: number;
}>;

/** Options of {@link Bus.producer}. */
export type BusProducerOptions = Readonly<{
  /** Headers every message of the producer carries; a message's own header of the same name wins. */
  headers?: BusHeaders;
}>;

/** Options of {@link Bus.consumer}. */
export type BusConsumerOptions = Readonly<{
  /** The consumer group; members of one group share the partitions of `topics`. */
  groupId: string;
  /** Topics to read; each must exist. */
  topics: readonly string[];
  /** Where a partition without a committed offset starts: the earliest message (`true`) or the end. */
  fromBeginning: boolean;
  /** Aborting ends the iteration and closes the consumer. */
  signal?: AbortSignal;
}>;

/** Sends messages; obtained from {@link Bus.producer}. */
export interface BusProducer {
  /**
   * Sends `messages` to `topic` and resolves once the bus has durably accepted all of them
   * (Kafka: acknowledged by all in-sync replicas). Sends of one producer are serialised: a
   * send starts after the previous one has finished, so retries never reorder a partition.
   *
   * @throws ReplicatorError `REPL_BUS_TOPIC_NOT_FOUND`, `REPL_BUS_SEND_FAILED`,
   *   `REPL_BUS_MESSAGE_TOO_LARGE`, `REPL_BUS_CLOSED`.
   */
  send(topic: string, messages: readonly BusMessage[]): Promise<void>;
  /**
   * Sends the messages of several topics as one request (Kafka: one produce request per broker)
   * and resolves once the bus has durably accepted all of them; serialised with `send`. Within
   * a partition, messages keep the order of `batches` and of each batch's messages. On failure
   * some messages may have been accepted and others not (as with a failed `send`): the caller
   * resends everything, and consumers skip what they already applied.
   *
   * @throws ReplicatorError as {@link BusProducer.send}.
   */
  sendTopics(batches: readonly TopicMessages[]): Promise<void>;
  /** Waits for the send in flight, then releases the connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Reads batches of the partitions assigned to this member of its group. Iterate it once; the
 * iteration ends when the consumer is closed or its signal aborts.
 */
export interface BusConsumer extends AsyncIterable<BusBatch> {
  /**
   * Commits `offset`, the offset of the next message to read (the last processed offset + 1),
   * as Kafka does. Call it only after the batch's effects are durable.
   *
   * @throws ReplicatorError `REPL_BUS_COMMIT_FAILED` when the partition is no longer assigned to
   *   this member or the broker did not accept the commit; `REPL_BUS_CLOSED`.
   */
  commit(topic: string, partition: number, offset: string): Promise<void>;
  /** Moves this member's read position of an assigned partition to `offset`. */
  seek(topic: string, partition: number, offset: string): void;
  /** Leaves the group (its partitions go to the other members) and ends the iteration. Idempotent. */
  close(): Promise<void>;
}

/** A message bus: topics with partitions, producers and group consumers. */
export interface Bus {
  /**
   * Creates the topics that do not exist yet with `partitions` partitions each.
   *
   * @throws ReplicatorError `REPL_BUS_TOPIC_MISMATCH` when one exists with fewer partitions.
   */
  ensureTopics(names: readonly string[], options: EnsureTopicsOptions): Promise<void>;
  /**
   * The names of the bus's topics, sorted; Kafka's internal topics (names starting with `__`)
   * are left out. Topics created by other processes are listed as soon as the bus knows them.
   */
  listTopics(): Promise<readonly string[]>;
  /**
   * The end of each partition of `topic`: the offset the next message will get (Kafka's high
   * watermark), as decimal strings indexed by partition. A group has consumed everything sent
   * so far once it committed these.
   *
   * @throws ReplicatorError `REPL_BUS_TOPIC_NOT_FOUND`.
   */
  endOffsets(topic: string): Promise<readonly string[]>;
  /** A new producer. Close it before the bus. */
  producer(options?: BusProducerOptions): Promise<BusProducer>;
  /** A new member of `options.groupId`, subscribed to `options.topics`. Close it before the bus. */
  consumer(options: BusConsumerOptions): Promise<BusConsumer>;
  /** Closes the bus's own connections. Producers and consumers are closed by their owners first. */
  close(): Promise<void>;
}
