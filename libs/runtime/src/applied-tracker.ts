/**
 * What the loader of this process has committed, per partition, and a wait for it to reach the
 * bus's end offsets: an in-process bus is durable only once the loader has applied what it holds.
 */
import type { Bus } from '@database-replicator/bus';
import { partitionKey } from '@database-replicator/postgres';
import { eventTopicEnds } from './event-topics.js';

/** Tracks loader commits; {@link AppliedTracker.waitForAll} resolves once they reach the ends. */
export class AppliedTracker {
  readonly #bus: Bus;
  readonly #topicPrefix: string;
  readonly #committed = new Map<string, bigint>();
  #waiters: (() => void)[] = [];

  constructor(bus: Bus, topicPrefix: string) {
    this.#bus = bus;
    this.#topicPrefix = topicPrefix;
  }

  /** Records a loader commit (`nextOffset` = last applied + 1). */
  committed(topic: string, partition: number, nextOffset: string): void {
    this.#committed.set(partitionKey(topic, partition), BigInt(nextOffset));
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Next offsets committed in this process, by `partitionKey`; a live view. */
  offsets(): ReadonlyMap<string, bigint> {
    return this.#committed;
  }

  /**
   * Resolves once every partition of the job's event topics is committed up to its end offset as
   * of this call; rejects with `signal.reason` if `signal` aborts first.
   */
  async waitForAll(signal: AbortSignal): Promise<void> {
    const ends = await eventTopicEnds(this.#bus, this.#topicPrefix);
    const behind = (): boolean =>
      [...ends].some(([key, end]) => (this.#committed.get(key) ?? 0n) < end);
    while (behind()) {
      signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        this.#waiters.push(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }
}
