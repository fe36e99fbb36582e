import { describe, expect, it, vi } from 'vitest';
import {
  computeBackoffMs,
  isTransientError,
  replicatorError,
  retry,
  type RetryEvent,
} from '@database-replicator/core';

const transient = () => Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });

/** A sleep that records delays and returns at once. */
function recordingSleep() {
  const delays: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    delays.push(ms);
  };
  return { delays, sleep };
}

describe('computeBackoffMs', () => {
  it('grows exponentially from the base, with full jitter', () => {
    const top = { random: () => 0.999999 };
    expect([1, 2, 3, 4].map((attempt) => computeBackoffMs(attempt, top))).toEqual([
      99, 199, 399, 799,
    ]);
    expect(computeBackoffMs(3, { random: () => 0 })).toBe(0);
    expect(computeBackoffMs(3, { random: () => 0.5 })).toBe(200);
  });

  it('is capped by maxDelayMs, even for huge attempt numbers', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 };
    expect(computeBackoffMs(10, options)).toBe(999);
    expect(computeBackoffMs(10_000, options)).toBe(999);
    expect(computeBackoffMs(10_000, { random: () => 0.999999 })).toBe(29_999);
  });
});

describe('retry', () => {
  it('returns the first success', async () => {
    const { delays, sleep } = recordingSleep();
    const fn = vi.fn(async (attempt: number) => {
      if (attempt < 3) throw transient();
      return `ok on ${attempt}`;
    });
    await expect(retry(fn, { sleep, random: () => 0.5 })).resolves.toBe('ok on 3');
    expect(fn).toHaveBeenCalledTimes(3);
    expect(delays).toEqual([50, 100]);
  });

  it('stops after maxAttempts and rethrows the last error unchanged', async () => {
    const { delays, sleep } = recordingSleep();
    const errors: Error[] = [];
    const fn = async () => {
      const error = transient();
      errors.push(error);
      throw error;
    };
    const rejection = await retry(fn, { maxAttempts: 4, sleep, random: () => 0 }).catch(
      (error: unknown) => error,
    );
    expect(errors).toHaveLength(4);
    expect(rejection).toBe(errors[3]);
    expect(delays).toHaveLength(3);
  });

  it('does not retry errors that are not retryable', async () => {
    const { delays, sleep } = recordingSleep();
    const fatal = replicatorError('REPL_AUTH_FAILED', 'password authentication failed');
    const fn = vi.fn(async () => {
      throw fatal;
    });
    await expect(retry(fn, { sleep })).rejects.toBe(fatal);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(delays).toEqual([]);
  });

  it('uses a custom isRetryable and reports each retry', async () => {
    const { sleep } = recordingSleep();
    const events: RetryEvent[] = [];
    const failure = new Error('flaky');
    let calls = 0;
    const result = await retry(
      async () => {
        calls += 1;
        if (calls === 1) throw failure;
        return 42;
      },
      {
        isRetryable: (error) => error === failure,
        onRetry: (event) => events.push(event),
        sleep,
        random: () => 0.5,
      },
    );
    expect(result).toBe(42);
    expect(events).toEqual([{ error: failure, attempt: 1, delayMs: 50 }]);
  });

  it('rejects promptly with the abort reason while waiting', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const started = Date.now();
    const promise = retry(
      async () => {
        throw transient();
      },
      { signal: controller.signal, baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.999 },
    );
    setImmediate(() => controller.abort(reason));
    await expect(promise).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not start when already aborted', async () => {
    const reason = new Error('stop');
    const fn = vi.fn(async () => 1);
    await expect(retry(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it('passes the attempt number and signal to each attempt', async () => {
    const controller = new AbortController();
    const seen: [number, AbortSignal | undefined][] = [];
    const { sleep } = recordingSleep();
    await retry(
      async (attempt, signal) => {
        seen.push([attempt, signal]);
        if (attempt === 1) throw transient();
      },
      { signal: controller.signal, sleep },
    );
    expect(seen).toEqual([
      [1, controller.signal],
      [2, controller.signal],
    ]);
  });
});

describe('isTransientError', () => {
  const withProps = (props: Record<string, unknown>) => Object.assign(new Error('x'), props);

  it.each([
    ['PostgreSQL connection failure 08006', { code: '08006' }],
    ['PostgreSQL connection class 08P01', { code: '08P01' }],
    ['serialization failure 40001', { code: '40001' }],
    ['deadlock 40P01', { code: '40P01' }],
    ['too many connections 53300', { code: '53300' }],
    ['admin shutdown 57P01', { code: '57P01' }],
    ['cannot connect now 57P03', { code: '57P03' }],
    ['ECONNRESET', { code: 'ECONNRESET' }],
    ['ECONNREFUSED', { code: 'ECONNREFUSED' }],
    ['ETIMEDOUT', { code: 'ETIMEDOUT' }],
    ['EPIPE', { code: 'EPIPE' }],
    ['EAI_AGAIN', { code: 'EAI_AGAIN' }],
    ['MySQL deadlock by code', { code: 'ER_LOCK_DEADLOCK', errno: 1213, sqlState: '40001' }],
    ['MySQL lock wait timeout by errno', { errno: 1205 }],
    ['mysql2 connection lost', { code: 'PROTOCOL_CONNECTION_LOST' }],
    ['MySQL communication link failure sqlState', { sqlState: '08S01' }],
    ['MongoDB transient label', { errorLabels: ['TransientTransactionError'] }],
  ])('%s is transient', (_label, props) => {
    expect(isTransientError(withProps(props))).toBe(true);
  });

  it.each([
    ['authentication failure 28P01', { code: '28P01' }],
    ['unique violation 23505', { code: '23505' }],
    ['syntax error 42601', { code: '42601' }],
    ['ENOENT', { code: 'ENOENT' }],
    ['MySQL access denied', { code: 'ER_ACCESS_DENIED_ERROR', errno: 1045, sqlState: '28000' }],
    ['no code', {}],
  ])('%s is not transient', (_label, props) => {
    expect(isTransientError(withProps(props))).toBe(false);
  });

  it('treats an unavailable coordinator and a dead node-postgres connection as transient', () => {
    expect(isTransientError(replicatorError('REPL_COORDINATOR_UNAVAILABLE', 'no reply'))).toBe(
      true,
    );
    expect(isTransientError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      isTransientError(new Error('Client has encountered a connection error and is not queryable')),
    ).toBe(true);
    expect(isTransientError(new Error('Connection terminated unexpectedly, says the user'))).toBe(
      false,
    );
  });

  it('looks through cause chains and aggregate errors', () => {
    const wrapped = replicatorError('REPL_CONNECT_FAILED', 'cannot reach db', {
      cause: new Error('outer', { cause: withProps({ code: 'ECONNREFUSED' }) }),
    });
    expect(isTransientError(wrapped)).toBe(true);
    expect(
      isTransientError(new AggregateError([new Error('a'), withProps({ code: 'ETIMEDOUT' })])),
    ).toBe(true);
  });

  it('handles non-errors and cycles', () => {
    expect(isTransientError(undefined)).toBe(false);
    expect(isTransientError('ECONNRESET')).toBe(false);
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(isTransientError(loop)).toBe(false);
  });
});
