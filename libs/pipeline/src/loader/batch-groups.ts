/**
 * Consumer batches read in groups: the next batch (waited for), then the batches already waiting
 * behind it, up to the loader's message and byte bounds, so what one fetch brought from many
 * partitions is applied together. A batch that would overflow a group is kept for the next one.
 * "Waiting" means the consumer hands it over before the event loop turns: a consumer that has it
 * in memory (the Kafka consumer's ready list, the in-process bus) answers within microtasks.
 *
 * States: idle → reading (a `next()` of the consumer is pending; it is kept across groups, never
 * started twice) → ended (the iteration finished). A read still pending when the loop stops ends
 * when the consumer's owner closes the consumer; what it returns was not committed.
 */
import { recordBytes } from './apply-slices.js';
import type { LoaderBatch } from './loader-ports.js';
import { unlessAborted } from './unless-aborted.js';

/** Bounds of a group; the first batch of a group is taken whatever its size. */
export type GroupBounds = Readonly<{ maxMessages: number; maxBytes: number }>;

const NOT_READY = Symbol('not ready');

export class BatchGroups {
  readonly #batches: AsyncIterator<LoaderBatch>;
  readonly #bounds: GroupBounds;
  #pending: Promise<IteratorResult<LoaderBatch>> | undefined;
  #carried: LoaderBatch | undefined;
  #ended = false;

  constructor(batches: AsyncIterator<LoaderBatch>, bounds: GroupBounds) {
    this.#batches = batches;
    this.#bounds = bounds;
  }

  /**
   * The next group, in consumer order; `undefined` once the iteration ended or `signal` aborted.
   *
   * @throws What the consumer's iteration throws.
   */
  async next(signal: AbortSignal | undefined): Promise<LoaderBatch[] | undefined> {
    let first = this.#carried;
    this.#carried = undefined;
    if (first === undefined) {
      if (this.#ended || signal?.aborted === true) return undefined;
      const result = await unlessAborted(this.#read(), signal);
      if (result === undefined) return undefined;
      this.#pending = undefined;
      if (result.done === true) {
        this.#ended = true;
        return undefined;
      }
      first = result.value;
    }
    return this.#gather(first);
  }

  async #gather(first: LoaderBatch): Promise<LoaderBatch[]> {
    const group = [first];
    let messages = first.messages.length;
    let bytes = batchBytes(first);
    while (!this.#ended) {
      const ready = await settledNow(this.#read());
      if (ready === NOT_READY) break;
      this.#pending = undefined;
      if (ready.done === true) {
        this.#ended = true;
        break;
      }
      const batch = ready.value;
      const size = batchBytes(batch);
      const { maxMessages, maxBytes } = this.#bounds;
      if (messages + batch.messages.length > maxMessages || bytes + size > maxBytes) {
        this.#carried = batch;
        break;
      }
      group.push(batch);
      messages += batch.messages.length;
      bytes += size;
    }
    return group;
  }

  /** The read in flight, or a new one; a failure is kept for whoever awaits it next. */
  #read(): Promise<IteratorResult<LoaderBatch>> {
    if (this.#pending === undefined) {
      this.#pending = this.#batches.next();
      // Awaited later (or never, when the loop stops first): not an unhandled rejection.
      this.#pending.catch(() => undefined);
    }
    return this.#pending;
  }
}

function batchBytes(batch: LoaderBatch): number {
  let bytes = 0;
  for (const record of batch.messages) bytes += recordBytes(record);
  return bytes;
}

/** `promise`'s outcome if it settles before the event loop turns, else {@link NOT_READY}. */
function settledNow<T>(promise: Promise<T>): Promise<T | typeof NOT_READY> {
  return Promise.race([
    promise,
    new Promise<typeof NOT_READY>((resolve) => setImmediate(() => resolve(NOT_READY))),
  ]);
}
