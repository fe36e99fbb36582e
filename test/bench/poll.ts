/**
 * Waiting for a condition the harness cannot be told about (a subscription's state, a topic's
 * deletion, a target catching up): polled, with a deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` every `pollMs` until it holds: true then, false once `timeoutMs` passed. */
export async function pollUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  pollMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

/** {@link pollUntil}, throwing an error that names `what` at the deadline. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  pollMs = 100,
): Promise<void> {
  if (!(await pollUntil(check, timeoutMs, pollMs)))
    throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
}
