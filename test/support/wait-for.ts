/**
 * Waiting on what a test does not control (a server, a child process, a pipeline running in the
 * background): poll a condition until it holds. (A fixed pause is `setTimeout` of
 * `node:timers/promises`.)
 */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` every `intervalMs` until it holds; fails naming `what` after `timeoutMs`.
 *
 * @returns The milliseconds it took, for suites that report or bound a latency.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(intervalMs);
  }
  return Date.now() - started;
}
