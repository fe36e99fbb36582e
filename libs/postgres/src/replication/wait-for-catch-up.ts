/**
 * Waiting until native replication has applied everything the source had written when the wait
 * began. The goal is an LSN captured once at the start (not a moving `pg_current_wal_lsn()`),
 * so the wait ends even while other databases of the source cluster keep writing WAL; a
 * subscription counts as caught up when its applied LSN (see replication-lag.ts) reaches that
 * goal, less the accepted bound, and all its tables are `ready`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { replicatorError } from '@database-replicator/core';
import type pg from 'pg';
import { lsnDistanceBytes } from './replication-lag.js';
import { readReplicationStatus, type ReplicationStatus } from './replication-status.js';
import { readCurrentLsn } from './source-slots.js';
import { subscriptionNotFoundError } from './subscription-not-found.js';

/** Options of {@link waitForCatchUp}. */
export type CatchUpOptions = Readonly<{
  /** Where the target is, for messages (host:port/database). */
  targetName: string;
  /** Bytes a subscription may still be behind the goal LSN. Default 0. */
  maxLagBytes?: number;
  /** Give up after this many milliseconds. Default 300000 (5 minutes). */
  timeoutMs?: number;
  /** Time between two looks at the catalogs, milliseconds. Default 500. */
  pollIntervalMs?: number;
  /** Aborts the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after every look, e.g. to log progress. */
  onProgress?: (progress: CatchUpProgress) => void;
}>;

/** How far one subscription still has to go. */
export type SubscriptionProgress = Readonly<{
  name: string;
  /** False for a disabled subscription: it cannot catch up, so it is not waited for. */
  waitedFor: boolean;
  /** Bytes from its applied LSN to the goal; null when unknown (no slot, no worker yet). */
  remainingBytes: number | null;
  /** Tables not yet `ready`. */
  tablesNotReady: number;
}>;

/** What {@link CatchUpOptions.onProgress} receives and {@link waitForCatchUp} resolves to. */
export type CatchUpProgress = Readonly<{
  /** The source's `pg_current_wal_lsn()` when the wait began. */
  goalLsn: string;
  elapsedMs: number;
  /** True when every waited-for subscription is within the bound and all its tables are ready. */
  caughtUp: boolean;
  subscriptions: readonly SubscriptionProgress[];
  /** The status this progress was computed from. */
  status: ReplicationStatus;
}>;

/**
 * Captures the source's current WAL position and waits until every enabled subscription of the
 * target's database has applied up to it (within `maxLagBytes`) with all tables ready.
 *
 * @throws ReplicatorError `REPL_SUBSCRIPTION_NOT_FOUND` (no subscription),
 *   `REPL_SUBSCRIPTION_BROKEN` (an enabled subscription cannot catch up),
 *   `REPL_CUTOVER_TIMEOUT` (not caught up in `timeoutMs`, with the remaining lag),
 *   `REPL_REPLICATION_QUERY_FAILED`; the signal's reason when aborted.
 */
export async function waitForCatchUp(
  source: pg.ClientBase,
  target: pg.ClientBase,
  options: CatchUpOptions,
): Promise<CatchUpProgress> {
  const maxLagBytes = options.maxLagBytes ?? 0;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const goalLsn = await readCurrentLsn(source);
  const startedAt = Date.now();
  for (;;) {
    options.signal?.throwIfAborted();
    const status = await readReplicationStatus(source, target);
    if (status.subscriptions.length === 0) throw subscriptionNotFoundError(options.targetName);
    const progress = progressOf(status, goalLsn, maxLagBytes, Date.now() - startedAt);
    options.onProgress?.(progress);
    if (progress.caughtUp) return progress;
    if (progress.elapsedMs >= timeoutMs) throw timeoutError(progress, timeoutMs);
    await sleep(
      options.pollIntervalMs ?? 500,
      undefined,
      options.signal === undefined ? {} : { signal: options.signal },
    );
  }
}

function progressOf(
  status: ReplicationStatus,
  goalLsn: string,
  maxLagBytes: number,
  elapsedMs: number,
): CatchUpProgress {
  const subscriptions = status.subscriptions.map((s) => {
    if (s.enabled && s.phase === 'broken') {
      throw replicatorError(
        'REPL_SUBSCRIPTION_BROKEN',
        `subscription "${s.name}" cannot catch up: ${s.problem ?? 'it is broken'}`,
        { ...(s.fix === null ? {} : { fix: s.fix }), details: { subscription: s.name } },
      );
    }
    return Object.freeze({
      name: s.name,
      waitedFor: s.enabled,
      remainingBytes:
        s.lag.appliedLsn === null ? null : lsnDistanceBytes(s.lag.appliedLsn, goalLsn),
      tablesNotReady: s.tables.filter((t) => t.state !== 'ready').length,
    });
  });
  const caughtUp = subscriptions
    .filter((s) => s.waitedFor)
    .every(
      (s) => s.remainingBytes !== null && s.remainingBytes <= maxLagBytes && s.tablesNotReady === 0,
    );
  return Object.freeze({
    goalLsn,
    elapsedMs,
    caughtUp,
    subscriptions: Object.freeze(subscriptions),
    status,
  });
}

function timeoutError(progress: CatchUpProgress, timeoutMs: number) {
  const behind = progress.subscriptions
    .filter((s) => s.waitedFor)
    .map(
      (s) =>
        `"${s.name}" ${s.remainingBytes === null ? 'an unknown number of' : s.remainingBytes} bytes behind` +
        (s.tablesNotReady > 0 ? `, ${s.tablesNotReady} table(s) not ready` : ''),
    )
    .join('; ');
  const worst = Math.max(0, ...progress.subscriptions.map((s) => s.remainingBytes ?? 0));
  return replicatorError(
    'REPL_CUTOVER_TIMEOUT',
    `replication did not catch up with source LSN ${progress.goalLsn} within ${Math.round(timeoutMs / 1000)} s: ${behind}`,
    { details: { goalLsn: progress.goalLsn, remainingBytes: worst, timeoutMs } },
  );
}
