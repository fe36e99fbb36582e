/**
 * Bounds how many verification tasks touch the databases at once, and stops handing out work
 * after the first failure so that one broken query ends the run instead of leaving the other
 * tasks running unobserved.
 */

/** Runs tasks with bounded concurrency; see {@link createLimiter}. */
export interface Limiter {
  /** Runs `task` once fewer than the limit are running; rejects without running it after a failure or abort. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Aborted after the first failed task, with that failure as reason, or when the caller's signal aborts. */
  readonly signal: AbortSignal;
  /** Stops handing out work, e.g. after a failure outside {@link Limiter.run}. */
  abort(reason: unknown): void;
}

/** A limiter of `concurrency` tasks (at least 1), linked to the caller's `signal`. */
export function createLimiter(concurrency: number, signal?: AbortSignal): Limiter {
  const controller = new AbortController();
  const stop = () => controller.abort(signal?.reason);
  if (signal?.aborted === true) stop();
  signal?.addEventListener('abort', stop, { once: true });
  const limit = Math.max(1, Math.floor(concurrency));
  const waiting: (() => void)[] = [];
  let running = 0;

  const acquire = async (): Promise<void> => {
    if (running < limit) {
      running += 1;
      return;
    }
    // The slot is handed over by release(), so `running` stays counted.
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next === undefined) running -= 1;
    else next();
  };

  return {
    signal: controller.signal,
    abort(reason: unknown) {
      if (!controller.signal.aborted) controller.abort(reason);
    },
    async run<T>(task: () => Promise<T>): Promise<T> {
      await acquire();
      try {
        controller.signal.throwIfAborted();
        return await task();
      } catch (error) {
        if (!controller.signal.aborted) controller.abort(error);
        throw error;
      } finally {
        release();
      }
    },
  };
}

/**
 * Awaits every promise, then rejects with the first failure if any; unlike `Promise.all`, no
 * task is still running when it settles.
 */
export async function joinAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const values: T[] = [];
  for (const result of await Promise.allSettled(promises)) {
    if (result.status === 'rejected') throw result.reason;
    values.push(result.value);
  }
  return values;
}

/**
 * Maps `items` through `task` with at most `limit` tasks running, results in input order;
 * settles like {@link joinAll}. Use it to bound work that fans out further inside a task.
 */
export async function mapBounded<I, O>(
  items: readonly I[],
  limit: number,
  task: (item: I) => Promise<O>,
): Promise<O[]> {
  const results = new Array<O>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      const item = items[index];
      if (item === undefined) continue;
      try {
        results[index] = await task(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await joinAll(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
