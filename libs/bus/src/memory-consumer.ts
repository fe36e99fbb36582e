/**
 * One member of an in-process consumer group. States: open (iterating its assigned partitions,
 * waiting on the broker's change signal when none has unread records) → closed (left the group,
 * iteration ended). Read positions advance as batches are handed out; only `commit` moves the
 * group's committed offset, so a partition that changes hands is read again from there.
 */
import { replicatorError } from '@database-replicator/core';
import type {
  BusBatch,
  BusConsumer,
  BusConsumerOptions,
  BusHeaders,
  BusRecord,
  LocalValue,
} from './bus.js';
import { busClosed, parseOffset } from './bus-errors.js';
import { partitionKey, type MemoryBroker, type MemoryMember } from './memory-broker.js';
import type { MemoryRecord } from './memory-log.js';

export class MemoryConsumer implements BusConsumer, MemoryMember {
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly #broker: MemoryBroker;
  readonly #groupId: string;
  readonly #maxBatchMessages: number;
  /** Assigned partitions and this member's next offset to read in each. */
  #positions = new Map<string, { topic: string; partition: number; offset: number }>();
  #cursor = 0;
  #closed = false;
  #iterated = false;

  constructor(broker: MemoryBroker, options: BusConsumerOptions, maxBatchMessages: number) {
    this.#broker = broker;
    this.#groupId = options.groupId;
    this.topics = Object.freeze([...options.topics]);
    this.fromBeginning = options.fromBeginning;
    this.#maxBatchMessages = maxBatchMessages;
    broker.join(this.#groupId, this);
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
    if (options.signal?.aborted === true) void this.close();
  }

  assign(starts: ReadonlyMap<string, number>): void {
    const next = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const [key, start] of starts) {
      const kept = this.#positions.get(key);
      const [partition = '0', ...rest] = key.split(':');
      next.set(key, kept ?? { topic: rest.join(':'), partition: Number(partition), offset: start });
    }
    this.#positions = next;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BusBatch> {
    if (this.#iterated) throw new TypeError('A bus consumer can be iterated only once');
    this.#iterated = true;
    while (!this.#closed && !this.#broker.closed) {
      const batch = this.#nextBatch();
      if (batch === undefined) await this.#broker.changed.wait();
      else yield batch;
    }
  }

  async commit(topic: string, partition: number, offset: string): Promise<void> {
    if (this.#closed) throw busClosed('consumer');
    const next = parseOffset(topic, partition, offset);
    if (!this.#positions.has(partitionKey(topic, partition))) {
      throw replicatorError(
        'REPL_BUS_COMMIT_FAILED',
        `Partition ${topic}[${partition}] is not assigned to this member of group "${this.#groupId}"`,
        { details: { topic, partition, groupId: this.#groupId } },
      );
    }
    this.#broker.commit(this.#groupId, topic, partition, next);
  }

  seek(topic: string, partition: number, offset: string): void {
    const position = this.#positions.get(partitionKey(topic, partition));
    if (position !== undefined) position.offset = parseOffset(topic, partition, offset);
    this.#broker.changed.notify();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#positions = new Map();
    this.#broker.leave(this.#groupId, this);
  }

  /** The next unread records of an assigned partition, taking partitions in turn. */
  #nextBatch(): BusBatch | undefined {
    const positions = [...this.#positions.values()];
    for (let i = 0; i < positions.length; i += 1) {
      const position = positions[(this.#cursor + i) % positions.length];
      if (position === undefined) continue;
      const log = this.#broker.logs(position.topic)[position.partition];
      const records = log?.read(position.offset, this.#maxBatchMessages) ?? [];
      const last = records.at(-1);
      if (last === undefined) continue;
      this.#cursor = (this.#cursor + i + 1) % positions.length;
      position.offset = last.offset + 1;
      return Object.freeze({
        topic: position.topic,
        partition: position.partition,
        messages: Object.freeze(records.map(toBusRecord)),
      });
    }
    return undefined;
  }
}

function toBusRecord(record: MemoryRecord): BusRecord {
  const { key, value, local, offset, headers } = record;
  if (local !== undefined)
    return Object.freeze(new LocalRecord(key, String(offset), headers, local));
  return Object.freeze({ key, value, offset: String(offset), headers });
}

/** A record stored in its in-process form: `value` is encoded only if someone reads it. */
class LocalRecord implements BusRecord {
  constructor(
    readonly key: string | null,
    readonly offset: string,
    readonly headers: BusHeaders,
    readonly local: LocalValue,
  ) {}

  get value(): string {
    return this.local.encode();
  }
}
