/**
 * Stream checkpoints taken behind the sender (ARCHITECTURE §4): once a batch is sent, its
 * checkpoint waits until the batch is durable (`beforeCheckpoint`), is saved, and only then
 * acknowledged to the source, while the extractor already reads and sends the next batch. On an
 * in-process bus durability means "the loader applied it", so waiting in line would leave the
 * loader idle while the next batch is gathered, and the extractor idle while the loader applies.
 *
 * At most one checkpoint is in flight: the next one starts after it settled, so saves and
 * acknowledgements stay in stream order and the sender is at most one batch ahead of the last
 * durable one (the bus bounds what it holds besides). A failed checkpoint fails the next call.
 *
 * States: idle → checkpointing (one in flight) → idle; `settle()` waits for the one in flight.
 */
import type { SourcePosition } from '@database-replicator/core';
import type { SentPosition } from '../job/job-store.js';
import { isDurable } from './durability.js';
import type { ExtractorOptions } from './extractor-options.js';

/** What was sent up to a checkpoint: what it stores, and what progress reports show. */
export type SentUpTo = Readonly<{
  position: SourcePosition;
  /**
   * Per partition that ever received a streamed change (this run or, carried over, an earlier
   * one), the position of the last message sent there up to `position`: the checkpoint's
   * `sentUpTo`.
   */
  partitions: readonly SentPosition[];
  /** Events sent since the stream started in this run. */
  events: number;
  /** Commit time of the last event sent, Unix epoch ms. */
  lastEventAt: number | undefined;
}>;

export class StreamCheckpoints {
  readonly #options: ExtractorOptions;
  readonly #save: (position: SourcePosition, sentUpTo: readonly SentPosition[]) => Promise<void>;
  #inFlight: Promise<void> = Promise.resolve();
  #saved: SourcePosition;

  constructor(
    options: ExtractorOptions,
    from: SourcePosition,
    save: (position: SourcePosition, sentUpTo: readonly SentPosition[]) => Promise<void>,
  ) {
    this.#options = options;
    this.#save = save;
    this.#saved = from;
  }

  /** The last position saved and acknowledged. */
  get saved(): SourcePosition {
    return this.#saved;
  }

  /**
   * Starts the checkpoint of a batch the bus accepted, after the one in flight.
   *
   * @throws The failure of the checkpoint in flight (save, acknowledge or durability wait).
   */
  async start(sent: SentUpTo): Promise<void> {
    await this.#inFlight;
    const checkpoint = this.#checkpoint(sent);
    // Observed by the next `start` or `settle`; until then the rejection is not unhandled.
    checkpoint.catch(() => undefined);
    this.#inFlight = checkpoint;
  }

  /** Waits for the checkpoint in flight; throws its failure. */
  async settle(): Promise<void> {
    await this.#inFlight;
  }

  async #checkpoint(sent: SentUpTo): Promise<void> {
    if (!(await isDurable(this.#options))) return;
    await this.#save(sent.position, sent.partitions);
    await this.#options.source.acknowledge(sent.position);
    this.#saved = sent.position;
    this.#options.onProgress?.({
      phase: 'stream',
      events: sent.events,
      position: sent.position,
      lastEventAt: sent.lastEventAt,
    });
  }
}
