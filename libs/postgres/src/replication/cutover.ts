/**
 * Cutover of native PostgreSQL → PostgreSQL replication, in this order:
 *
 * 1. wait until every enabled subscription has applied the source's WAL up to the position
 *    captured at the start (within a bound) and all its tables are ready;
 * 2. disable the subscriptions and wait for their workers to exit, so nothing replicated lands
 *    afterwards (step 3 reads the largest keys, which must be final);
 * 3. advance every target sequence past the source's value and the largest key on the target;
 * 4. with `dropSlot`: drop the subscriptions, their slots on the source, and the publications
 *    nobody else can be seen to use; without it the slots stay and keep WAL (a warning says so).
 *
 * Every step is idempotent, so a cutover that failed half-way can be run again: disabled
 * subscriptions are not waited for, sequences never move backwards, missing slots are skipped.
 */
import type { Logger } from '@database-replicator/core';
import type pg from 'pg';
import { advanceSequences, type SequenceAdvance } from './advance-sequences.js';
import { disableSubscription } from './disable-subscription.js';
import { dropReplicationSlot } from './drop-replication-slot.js';
import { dropSubscription } from './drop-subscription.js';
import { dropUnusedPublications, type PublicationOutcome } from './drop-unused-publications.js';
import type { SubscriptionStatus } from './replication-status.js';
import type { SubscriptionPhase } from './subscription-phase.js';
import { waitForCatchUp, type CatchUpProgress } from './wait-for-catch-up.js';

/** Options of {@link cutoverNativeReplication}. */
export type CutoverOptions = Readonly<{
  /** Where the target is, for messages (host:port/database, never a password). */
  targetName: string;
  /** Bytes a subscription may still be behind when replication is stopped. Default 0. */
  maxLagBytes?: number;
  /** How long to wait for the lag to reach the bound, milliseconds. Default 300000. */
  waitTimeoutMs?: number;
  /** Also drop the subscriptions, their slots and unused publications. Default false. */
  dropSlot?: boolean;
  /** Time between two looks at the lag, milliseconds. Default 500. */
  pollIntervalMs?: number;
  logger?: Logger;
  signal?: AbortSignal;
  /** Called after every look at the lag while waiting. */
  onProgress?: (progress: CatchUpProgress) => void;
}>;

/** What cutover did to one subscription. */
export type CutoverSubscriptionOutcome = Readonly<{
  name: string;
  slotName: string | null;
  /** Phase when the wait ended. */
  phase: SubscriptionPhase;
  /** Bytes behind the captured source LSN when replication stopped; null when unknown. */
  lagBytes: number | null;
  /** True when it was already disabled (it was not waited for). */
  wasDisabled: boolean;
  /** True when this run dropped the subscription. */
  dropped: boolean;
  /** The slot on the source: kept, dropped, already missing, or none attached. */
  slot: 'kept' | 'dropped' | 'missing' | 'none';
  /** WAL the slot retains on the source, bytes, when it is kept; null otherwise. */
  walRetainedBytes: number | null;
}>;

/** What {@link cutoverNativeReplication} resolves to. */
export type CutoverSummary = Readonly<{
  /** The source's WAL position captured when the wait began. */
  goalLsn: string;
  waitedMs: number;
  maxLagBytes: number;
  subscriptions: readonly CutoverSubscriptionOutcome[];
  sequences: readonly SequenceAdvance[];
  /** Empty without `dropSlot`. */
  publications: readonly PublicationOutcome[];
  /** Things a human should know or do (a kept slot, an already disabled subscription...). */
  warnings: readonly string[];
}>;

/**
 * Cuts the target over from native logical replication; see the module comment for the steps.
 *
 * @throws ReplicatorError `REPL_SUBSCRIPTION_NOT_FOUND`, `REPL_SUBSCRIPTION_BROKEN`,
 *   `REPL_CUTOVER_TIMEOUT` (nothing was changed), `REPL_SUBSCRIPTION_STILL_RUNNING`,
 *   `REPL_SLOT_DROP_FAILED`, `REPL_REPLICATION_QUERY_FAILED`; the signal's reason when aborted.
 */
export async function cutoverNativeReplication(
  source: pg.ClientBase,
  target: pg.ClientBase,
  options: CutoverOptions,
): Promise<CutoverSummary> {
  const { logger, signal } = options;
  const maxLagBytes = options.maxLagBytes ?? 0;
  const progress = await waitForCatchUp(source, target, {
    targetName: options.targetName,
    maxLagBytes,
    ...(options.waitTimeoutMs === undefined ? {} : { timeoutMs: options.waitTimeoutMs }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(signal === undefined ? {} : { signal }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  const subscriptions = progress.status.subscriptions;
  for (const subscription of subscriptions.filter((s) => s.enabled)) {
    await disableSubscription(target, subscription.name, signal === undefined ? {} : { signal });
    logger?.info({ subscription: subscription.name }, 'subscription disabled');
  }
  const sequences = await advanceSequences(source, target, logger);
  const slots =
    options.dropSlot === true ? await dropAll(source, target, subscriptions, options) : undefined;
  const publications =
    slots === undefined
      ? []
      : await dropUnusedPublications(
          source,
          target,
          subscriptions.flatMap((s) => s.publications),
        );
  const outcomes = subscriptions.map((s) => outcomeOf(s, progress, slots));
  return Object.freeze({
    goalLsn: progress.goalLsn,
    waitedMs: progress.elapsedMs,
    maxLagBytes,
    subscriptions: Object.freeze(outcomes),
    sequences,
    publications,
    warnings: Object.freeze(warningsOf(outcomes, sequences, publications, progress.goalLsn)),
  });
}

async function dropAll(
  source: pg.ClientBase,
  target: pg.ClientBase,
  subscriptions: readonly SubscriptionStatus[],
  options: CutoverOptions,
): Promise<ReadonlyMap<string, 'dropped' | 'missing' | 'none'>> {
  const slots = new Map<string, 'dropped' | 'missing' | 'none'>();
  for (const subscription of subscriptions) {
    await dropSubscription(target, subscription.name);
    options.logger?.info({ subscription: subscription.name }, 'subscription dropped');
    const slot = subscription.slotName;
    const outcome =
      slot === null
        ? 'none'
        : await dropReplicationSlot(source, slot, {
            ...(options.logger === undefined ? {} : { logger: options.logger }),
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          });
    if (slot !== null) options.logger?.info({ slot, outcome }, 'replication slot dropped');
    slots.set(subscription.name, outcome);
  }
  return slots;
}

function outcomeOf(
  subscription: SubscriptionStatus,
  progress: CatchUpProgress,
  slots: ReadonlyMap<string, 'dropped' | 'missing' | 'none'> | undefined,
): CutoverSubscriptionOutcome {
  const dropped = slots?.get(subscription.name);
  const kept =
    subscription.slotName === null ? 'none' : subscription.slot === null ? 'missing' : 'kept';
  const slot = dropped ?? kept;
  return Object.freeze({
    name: subscription.name,
    slotName: subscription.slotName,
    phase: subscription.phase,
    lagBytes:
      progress.subscriptions.find((p) => p.name === subscription.name)?.remainingBytes ?? null,
    wasDisabled: !subscription.enabled,
    dropped: dropped !== undefined,
    slot,
    walRetainedBytes: slot === 'kept' ? subscription.lag.walRetainedBytes : null,
  });
}

function warningsOf(
  outcomes: readonly CutoverSubscriptionOutcome[],
  sequences: readonly SequenceAdvance[],
  publications: readonly PublicationOutcome[],
  goalLsn: string,
): string[] {
  const warnings: string[] = [];
  for (const o of outcomes) {
    if (o.wasDisabled) {
      warnings.push(
        `subscription "${o.name}" was already disabled and was not waited for; it was ${o.lagBytes ?? 'an unknown number of'} bytes behind source LSN ${goalLsn}`,
      );
    }
    if (o.slot === 'kept' && o.slotName !== null) {
      const literal = `'${o.slotName.replaceAll("'", "''")}'`;
      warnings.push(
        `replication slot "${o.slotName}" keeps WAL on the source until it is dropped: run cutover --drop-slot, or SELECT pg_drop_replication_slot(${literal}) on the source`,
      );
    }
  }
  for (const s of sequences.filter((q) => q.action === 'missing-on-target')) {
    warnings.push(
      `sequence ${s.schema}.${s.name} exists on the source but not on the target; it was skipped`,
    );
  }
  for (const p of publications.filter((q) => q.action === 'kept')) {
    warnings.push(`publication "${p.name}" was kept on the source: ${p.reason ?? ''}`);
  }
  return warnings;
}
