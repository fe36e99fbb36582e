/**
 * The shared state of one MemoryBus: topics (partition logs), consumer groups with their
 * committed offsets and members, and one change signal that wakes blocked producers and idle
 * consumers. Producers and consumers hold the broker; only MemoryBus creates it.
 *
 * Retention: a record is kept until every group that ever subscribed to its topic has committed
 * past it (a topic no group subscribed to keeps everything). The retained records of a partition
 * are its uncommitted backlog, bounded by `maxMessages` and `maxBytes`; a send waits while the
 * partition is full.
 */
import { replicatorError } from '@database-replicator/core';
import type { BusMessage } from './bus.js';
import { busClosed, topicNotFound } from './bus-errors.js';
import { ChangeSignal } from './change-signal.js';
import { MemoryLog } from './memory-log.js';
import { messageSizeBytes } from './message-size.js';
import { partitionForKey } from './partition-for-key.js';

/** A group member as the broker sees it. */
export interface MemoryMember {
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  /** The member's new assignment: partition key → where to read from if newly assigned. */
  assign(starts: ReadonlyMap<string, number>): void;
}

type MemoryGroup = {
  readonly committed: Map<string, number>;
  readonly topics: Set<string>;
  readonly members: MemoryMember[];
};

/** Limits of a MemoryBus; see `MemoryBusOptions`. */
export type MemoryLimits = Readonly<{ maxMessages: number; maxBytes: number }>;

/** `topic` and `partition` as one map key. */
export function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

export class MemoryBroker {
  readonly changed = new ChangeSignal();
  readonly #limits: MemoryLimits;
  readonly #topics = new Map<string, MemoryLog[]>();
  readonly #nextUnkeyed = new Map<string, number>();
  readonly #groups = new Map<string, MemoryGroup>();
  #closed = false;

  constructor(limits: MemoryLimits) {
    this.#limits = limits;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
    this.changed.notify();
  }

  /** Creates `name` with `partitions` partitions unless it exists; returns its partition count. */
  ensureTopic(name: string, partitions: number): number {
    const logs = this.#topics.get(name);
    if (logs !== undefined) return logs.length;
    this.#topics.set(
      name,
      Array.from({ length: partitions }, () => new MemoryLog()),
    );
    return partitions;
  }

  /** Names of the topics created so far, in creation order. */
  topicNames(): readonly string[] {
    return [...this.#topics.keys()];
  }

  /** The partition logs of `topic`; throws `REPL_BUS_TOPIC_NOT_FOUND`. */
  logs(topic: string): readonly MemoryLog[] {
    const logs = this.#topics.get(topic);
    if (logs === undefined) throw topicNotFound(topic);
    return logs;
  }

  /** Appends `messages` in order, waiting for space in a full partition. */
  async append(topic: string, messages: readonly BusMessage[]): Promise<void> {
    const logs = this.logs(topic);
    const sizes = messages.map((message) => {
      const bytes = messageSizeBytes(message);
      if (bytes > this.#limits.maxBytes) {
        throw replicatorError(
          'REPL_BUS_MESSAGE_TOO_LARGE',
          `A message of ${bytes} bytes for topic "${topic}" exceeds the partition bound of ${this.#limits.maxBytes} bytes`,
          { details: { topic, bytes, maxBytes: this.#limits.maxBytes } },
        );
      }
      return bytes;
    });
    // Consumers are woken once per call, or before this call waits for room they must make.
    let unannounced = false;
    for (const [i, message] of messages.entries()) {
      const bytes = sizes[i] ?? 0;
      const log = logs[this.#partitionOf(topic, message, logs.length)];
      if (log === undefined) throw topicNotFound(topic);
      while (this.#isFull(log, bytes)) {
        if (this.#closed) throw busClosed('in-process bus');
        if (unannounced) this.changed.notify();
        unannounced = false;
        await this.changed.wait();
      }
      if (this.#closed) throw busClosed('in-process bus');
      log.append(message, bytes);
      unannounced = true;
    }
    if (unannounced) this.changed.notify();
  }

  /** Adds `member` to `groupId` and reassigns the group's partitions. */
  join(groupId: string, member: MemoryMember): void {
    for (const topic of member.topics) this.logs(topic);
    let group = this.#groups.get(groupId);
    if (group === undefined) {
      group = { committed: new Map(), topics: new Set(), members: [] };
      this.#groups.set(groupId, group);
    }
    for (const topic of member.topics) group.topics.add(topic);
    group.members.push(member);
    this.#rebalance(group);
  }

  /** Removes `member` from `groupId`; its partitions go to the other members. */
  leave(groupId: string, member: MemoryMember): void {
    const group = this.#groups.get(groupId);
    if (group === undefined) return;
    const index = group.members.indexOf(member);
    if (index >= 0) group.members.splice(index, 1);
    this.#rebalance(group);
  }

  /** Records the group's next offset to read and trims what every group has committed. */
  commit(groupId: string, topic: string, partition: number, offset: number): void {
    const group = this.#groups.get(groupId);
    const log = this.logs(topic)[partition];
    if (group === undefined || log === undefined) return;
    group.committed.set(partitionKey(topic, partition), Math.min(offset, log.nextOffset));
    let floor = Infinity;
    for (const other of this.#groups.values()) {
      if (!other.topics.has(topic)) continue;
      floor = Math.min(floor, other.committed.get(partitionKey(topic, partition)) ?? 0);
    }
    log.trim(floor);
    this.changed.notify();
  }

  #isFull(log: MemoryLog, bytes: number): boolean {
    if (log.length === 0) return false;
    return log.length >= this.#limits.maxMessages || log.bytes + bytes > this.#limits.maxBytes;
  }

  #partitionOf(topic: string, message: BusMessage, partitions: number): number {
    if (message.key !== null) return partitionForKey(message.key, partitions);
    const next = this.#nextUnkeyed.get(topic) ?? 0;
    this.#nextUnkeyed.set(topic, next + 1);
    return next % partitions;
  }

  /**
   * Round-robin: partition p of a topic goes to the (p mod n)-th of the n members subscribed to
   * it, in join order. A newly assigned partition starts at the group's committed offset, else
   * at the earliest retained or the next offset (`fromBeginning`).
   */
  #rebalance(group: MemoryGroup): void {
    const starts = new Map<MemoryMember, Map<string, number>>(
      group.members.map((member) => [member, new Map()]),
    );
    for (const topic of group.topics) {
      const subscribers = group.members.filter((m) => m.topics.includes(topic));
      if (subscribers.length === 0) continue;
      for (const [partition, log] of this.logs(topic).entries()) {
        const member = subscribers[partition % subscribers.length];
        if (member === undefined) continue;
        const key = partitionKey(topic, partition);
        const start =
          group.committed.get(key) ?? (member.fromBeginning ? log.baseOffset : log.nextOffset);
        starts.get(member)?.set(key, start);
      }
    }
    for (const [member, assigned] of starts) member.assign(assigned);
    this.changed.notify();
  }
}
