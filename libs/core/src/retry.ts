import { isTransientError } from './transient-error.js';

/** Backoff parameters of {@link computeBackoffMs}. */
export type BackoffOptions = Readonly<{
  /** Ceiling of the first retry's delay, milliseconds. Default 100. */
  baseDelayMs?: number;
  /** Cap of any delay, milliseconds. Default 30000. */
  maxDelayMs?: number;
  /** Uniform random number in [0, 1). Default `Math.random`; inject for tests. */
  random?: () => number;
}>;

/** Options of {@link retry}. */
export type RetryOptions = BackoffOptions &
  Readonly<{
    /** Attempts in total, the first included. Default 5. */
    maxAttempts?: number;
    /** Whether a failure may be retried. Default {@link isTransientError}. */
    isRetryable?: (error: unknown) => boolean;
    /** Aborts the waits between attempts and is passed to each attempt. */
    signal?: AbortSignal;
    /** Called before each wait, e.g. to log the failure being retried. */
    onRetry?: (event: RetryEvent) => void;
    /** Waits `ms` milliseconds; rejects with `signal.reason` on abort. Default: a timer. Inject for tests. */
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  }>;

/** What {@link RetryOptions.onRetry} receives. */
export type RetryEvent = Readonly<{ error: unknown; attempt: number; delayMs: number }>;

const DEFAULT_BASE_DELAY_MS = 100;
const DEFAULT_MAX_DELAY_MS = 30_000;
const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Delay before retrying after failed attempt number `attempt` (1-based): exponential with full
 * jitter, a uniform draw in [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))). Full jitter
 * spreads out many clients that failed together (e.g. after a database restart).
 *
 * @returns Whole milliseconds, at most `maxDelayMs`.
 */
export function computeBackoffMs(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const max = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const random = options.random ?? Math.random;
  // Clamp the exponent so huge attempt numbers cannot overflow to Infinity.
  const ceiling = Math.min(max, base * 2 ** Math.min(Math.max(attempt - 1, 0), 52));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `fn` until it succeeds, at most `maxAttempts` times, waiting {@link computeBackoffMs}
 * between attempts. Only failures for which `isRetryable` holds are retried; any other failure,
 * or the failure of the last attempt, is rethrown unchanged.
 *
 * @param fn - One attempt; receives the attempt number (from 1) and the signal.
 * @throws The last error of `fn`, or `signal.reason` if aborted before an attempt or while waiting.
 */
export async function retry<T>(
  fn: (attempt: number, signal: AbortSignal | undefined) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const isRetryable = options.isRetryable ?? isTransientError;
  const sleep = options.sleep ?? sleepMs;
  const { signal } = options;
  for (let attempt = 1; ; attempt += 1) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt, signal);
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error) || signal?.aborted === true) throw error;
      const delayMs = computeBackoffMs(attempt, options);
      options.onRetry?.({ error, attempt, delayMs });
      await sleep(delayMs, signal);
    }
  }
}

/**
 * Waits `ms` milliseconds; rejects with `signal.reason` as soon as `signal` aborts (unlike
 * `timers/promises`, which wraps the reason in an AbortError).
 */
export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
