/**
 * What the extractor needs from the bus, declared as the subset it calls so libs/pipeline
 * imports no transport. `Bus` and `BusProducer` of @database-replicator/bus match structurally.
 */

/**
 * A message value as the extractor holds it (a `LocalChangeEvent` of core): a bus inside this
 * process keeps it as it is, any other sends `encode()`.
 */
export interface ExtractorLocalValue {
  encode(): string;
  /** About the UTF-8 bytes of `encode()`. */
  readonly sizeBytes: number;
}

/**
 * A message to send; `key` is the row's primary key as JSON, so a row's history shares a
 * partition. With `local`, `value` is `local.encode()`, computed when read.
 */
export type ExtractorMessage = Readonly<{
  key: string | null;
  value: string | null;
  local?: ExtractorLocalValue;
}>;

/** Sends messages; resolves once the bus durably accepted all of them. Sends are serialised. */
export interface ExtractorProducer {
  send(topic: string, messages: readonly ExtractorMessage[]): Promise<void>;
  /**
   * Sends several topics in one request (`BusProducer.sendTopics`), each partition in order;
   * without it, a stream flush sends topic by topic, each waiting for its acknowledgement.
   */
  sendTopics?(
    batches: readonly Readonly<{ topic: string; messages: readonly ExtractorMessage[] }>[],
  ): Promise<void>;
  close(): Promise<void>;
}

/** The bus, as the extractor uses it. */
export interface ExtractorBus {
  ensureTopics(names: readonly string[], options: Readonly<{ partitions: number }>): Promise<void>;
  producer(): Promise<ExtractorProducer>;
}
