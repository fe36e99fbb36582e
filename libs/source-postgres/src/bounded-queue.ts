/**
 * A FIFO between socket callbacks, which cannot wait, and one async consumer. The producer side
 * asks `waitForSpace()` before reading more (the replication socket stays paused meanwhile), so
 * the queue holds at most its bounds plus what one socket read delivered.
 *
 * States: open (push, consume) → ended (`end()`: the consumer gets what is queued, then stops)
 * or failed (`fail()`: the consumer gets what is queued, then the error). Pushes after either
 * are dropped; space waiters are released at once.
 */

type Entry<T> = Readonly<{ item: T; bytes: number }>;

/** Bounds of a {@link BoundedQueue}. */
export type QueueBounds = Readonly<{ maxItems: number; maxBytes: number }>;

export class BoundedQueue<T> {
  readonly #bounds: QueueBounds;
  #entries: Entry<T>[] = [];
  #head = 0;
  #bytes = 0;
  #state: 'open' | 'ended' | 'failed' = 'open';
  #error: unknown = undefined;
  #wakeConsumer: (() => void) | undefined;
  #spaceWaiters: (() => void)[] = [];

  constructor(bounds: QueueBounds) {
    this.#bounds = bounds;
  }

  /** Appends `item`, counted as `bytes`; never waits (bounds are enforced by `waitForSpace`). */
  push(item: T, bytes: number): void {
    if (this.#state !== 'open') return;
    this.#entries.push({ item, bytes });
    this.#bytes += bytes;
    this.#wake();
  }

  /** Resolves once the queue is below both bounds, or no longer open. */
  waitForSpace(): Promise<void> {
    if (this.#hasSpace()) return Promise.resolve();
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  /** No more items: the consumer finishes what is queued. */
  end(): void {
    if (this.#state !== 'open') return;
    this.#state = 'ended';
    this.#release();
  }

  /** The producer failed: the consumer gets what is queued, then `error`. */
  fail(error: unknown): void {
    if (this.#state !== 'open') return;
    this.#state = 'failed';
    this.#error = error;
    this.#release();
  }

  /** The items in order; ends after `end()`, throws after `fail()`. One consumer only. */
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      const entry = this.#entries[this.#head];
      if (entry !== undefined) {
        this.#take(entry);
        yield entry.item;
        continue;
      }
      if (this.#state === 'ended') return;
      if (this.#state === 'failed') throw this.#error;
      await new Promise<void>((resolve) => {
        this.#wakeConsumer = resolve;
      });
    }
  }

  #take(entry: Entry<T>): void {
    this.#head += 1;
    this.#bytes -= entry.bytes;
    // Drop consumed entries now and then instead of shifting the array on every take.
    if (this.#head >= 1024 && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    if (this.#hasSpace()) for (const resolve of this.#spaceWaiters.splice(0)) resolve();
  }

  #hasSpace(): boolean {
    return (
      this.#state !== 'open' ||
      (this.#entries.length - this.#head < this.#bounds.maxItems &&
        this.#bytes < this.#bounds.maxBytes)
    );
  }

  #release(): void {
    for (const resolve of this.#spaceWaiters.splice(0)) resolve();
    this.#wake();
  }

  #wake(): void {
    const wake = this.#wakeConsumer;
    this.#wakeConsumer = undefined;
    wake?.();
  }
}
