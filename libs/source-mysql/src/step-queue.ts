/**
 * The bounded hand-over between the binlog connection (which pushes as packets arrive) and the
 * stream's consumer (which pulls when it is ready). It counts row events and binlog bytes; the
 * producer checks `isFull()` and pauses its connection, and `onDrain` tells it when to resume.
 * A failure is delivered after every step queued before it.
 *
 * States: open → failed (steps drain, then `take` throws) | closed (`take` ends).
 */
import type { SourceTransaction } from '@database-replicator/pipeline';

/** A queued stream step with its size. */
export type QueuedStep = Readonly<{
  transaction: SourceTransaction;
  /** Row events in the step. */
  events: number;
  /** Binlog bytes of the row events in the step. */
  bytes: number;
}>;

/** What `take` resolves to besides a step. */
export const IDLE = Symbol('idle');
export const ENDED = Symbol('ended');

/** Bounds of a {@link StepQueue}. */
export type StepQueueLimits = Readonly<{ maxEvents: number; maxBytes: number }>;

export class StepQueue {
  readonly #limits: StepQueueLimits;
  readonly #steps: QueuedStep[] = [];
  #events = 0;
  #bytes = 0;
  #failure: { error: unknown } | undefined;
  #closed = false;
  #wake: (() => void) | undefined;
  #onDrain: (() => void) | undefined;

  constructor(limits: StepQueueLimits) {
    this.#limits = limits;
  }

  /** Adds a step; never refuses (the producer pauses on `isFull`). */
  push(step: QueuedStep): void {
    if (this.#closed || this.#failure !== undefined) return;
    this.#steps.push(step);
    this.#events += step.events;
    this.#bytes += step.bytes;
    this.#wakeUp();
  }

  /** True when the producer should stop reading. */
  isFull(): boolean {
    return this.#events >= this.#limits.maxEvents || this.#bytes >= this.#limits.maxBytes;
  }

  isEmpty(): boolean {
    return this.#steps.length === 0;
  }

  /** Called after a step is taken while the queue holds at most half its bounds. */
  onDrain(listener: () => void): void {
    this.#onDrain = listener;
  }

  /** Ends the queue with `error`, delivered after the steps already queued. */
  fail(error: unknown): void {
    if (this.#failure !== undefined || this.#closed) return;
    this.#failure = { error };
    this.#wakeUp();
  }

  /** Ends the queue; a pending `take` resolves to {@link ENDED}. */
  close(): void {
    this.#closed = true;
    this.#steps.length = 0;
    this.#wakeUp();
  }

  /**
   * The next step; {@link IDLE} when none arrived within `idleMs`; {@link ENDED} once closed or
   * `signal` aborted.
   *
   * @throws The failure passed to `fail`, once the steps before it were taken.
   */
  async take(
    signal: AbortSignal,
    idleMs: number,
  ): Promise<QueuedStep | typeof IDLE | typeof ENDED> {
    for (;;) {
      if (this.#closed || signal.aborted) return ENDED;
      const step = this.#steps.shift();
      if (step !== undefined) {
        this.#release(step);
        return step;
      }
      if (this.#failure !== undefined) throw this.#failure.error;
      if (!(await this.#waitForWake(signal, idleMs))) return IDLE;
    }
  }

  #release(step: QueuedStep): void {
    this.#events -= step.events;
    this.#bytes -= step.bytes;
    // Hysteresis: resume only once half the room is free, not after every taken step.
    if (this.#events <= this.#limits.maxEvents / 2 && this.#bytes <= this.#limits.maxBytes / 2) {
      this.#onDrain?.();
    }
  }

  /** Resolves `true` when woken, `false` after `idleMs`. */
  #waitForWake(signal: AbortSignal, idleMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (woken: boolean): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#wake = undefined;
        resolve(woken);
      };
      const onAbort = (): void => finish(true);
      const timer = setTimeout(() => finish(false), idleMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => finish(true);
    });
  }

  #wakeUp(): void {
    this.#wake?.();
  }
}
