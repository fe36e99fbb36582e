/**
 * "The subscription runs": its apply worker exists on the target AND the source's slot is held
 * by a walsender. The worker alone is not enough: it is started before it connects, and after a
 * failed connection it exits and is restarted every few seconds.
 */
import { replicatorError } from '@database-replicator/core';
import type pg from 'pg';
import { readSlot } from './replication-slot.js';
import { readSubscription } from './subscription.js';

/** Options of {@link waitForSubscriptionRunning}. */
export type WaitForSubscriptionOptions = Readonly<{
  /** Session on the target database that holds the subscription. */
  target: pg.ClientBase;
  /** Session on the source server (any database). */
  source: pg.ClientBase;
  subscription: string;
  slot: string;
  database: string;
  timeoutMs: number;
  signal: AbortSignal;
}>;

/**
 * Resolves once the subscription runs.
 *
 * @throws ReplicatorError `REPL_NATIVE_SUBSCRIPTION_FAILED` after `timeoutMs`.
 */
export async function waitForSubscriptionRunning(
  options: WaitForSubscriptionOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal.throwIfAborted();
    const subscription = await readSubscription(options.target, options.subscription);
    const slot = await readSlot(options.source, options.slot);
    if (subscription?.pid !== null && subscription?.pid !== undefined && slot?.active === true)
      return;
    if (Date.now() > deadline) {
      const state =
        subscription === undefined
          ? 'the subscription does not exist'
          : !subscription.enabled
            ? 'the subscription is disabled'
            : slot === undefined
              ? `the source has no slot ${options.slot}`
              : 'its apply worker did not connect to the source (see the target server log)';
      throw replicatorError(
        'REPL_NATIVE_SUBSCRIPTION_FAILED',
        `Subscription ${options.subscription} of target database ${options.database} did not start within ${options.timeoutMs} ms: ${state}`,
        { details: { database: options.database, subscription: options.subscription } },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
