/**
 * One consistent picture of native replication into the target's current database: each
 * subscription with its phase, lag, the WAL its slot retains, and its tables. Read from the
 * target first and the source second, so a lag read while changes flow is never understated.
 */
import type pg from 'pg';
import { measureReplicationLag, type ReplicationLag } from './replication-lag.js';
import { readSourceSlots, type SourceSlot } from './source-slots.js';
import { assessSubscriptionPhase, type SubscriptionAssessment } from './subscription-phase.js';
import { readTargetSubscriptions, type TargetSubscription } from './target-subscriptions.js';

/** A subscription with what both sides say about it. */
export type SubscriptionStatus = TargetSubscription &
  SubscriptionAssessment &
  Readonly<{
    /** Its slot in the source database; null when missing (or `slotName` is null). */
    slot: SourceSlot | null;
    lag: ReplicationLag;
  }>;

/** What {@link readReplicationStatus} returns. */
export type ReplicationStatus = Readonly<{
  /** `pg_current_wal_lsn()` of the source when read. */
  sourceLsn: string;
  /** When the status was read (ISO 8601, this machine's clock). */
  readAt: string;
  /** Subscriptions of the target's current database, by name; empty when none. */
  subscriptions: readonly SubscriptionStatus[];
}>;

/**
 * Reads the status of every subscription of the target's current database and of their slots
 * in the source's current database.
 *
 * @param source - Connected to the publisher database.
 * @param target - Connected to the subscriber database.
 * @throws ReplicatorError `REPL_REPLICATION_QUERY_FAILED` when a catalog or view cannot be read.
 */
export async function readReplicationStatus(
  source: pg.ClientBase,
  target: pg.ClientBase,
): Promise<ReplicationStatus> {
  const subscriptions = await readTargetSubscriptions(target);
  const slotNames = subscriptions.flatMap((s) => (s.slotName === null ? [] : [s.slotName]));
  const { currentLsn, slots } = await readSourceSlots(source, slotNames);
  return Object.freeze({
    sourceLsn: currentLsn,
    readAt: new Date().toISOString(),
    subscriptions: Object.freeze(
      subscriptions.map((subscription) =>
        combine(
          subscription,
          subscription.slotName === null ? undefined : slots.get(subscription.slotName),
          currentLsn,
        ),
      ),
    ),
  });
}

function combine(
  subscription: TargetSubscription,
  slot: SourceSlot | undefined,
  currentLsn: string,
): SubscriptionStatus {
  const assessment = assessSubscriptionPhase({
    enabled: subscription.enabled,
    slotName: subscription.slotName,
    workerRunning: subscription.workerPid !== null,
    slot: slot === undefined ? null : { active: slot.active, walStatus: slot.walStatus },
    applyErrorCount: subscription.applyErrorCount,
  });
  const lag = measureReplicationLag({
    currentLsn,
    confirmedFlushLsn: slot?.confirmedFlushLsn ?? null,
    restartLsn: slot?.restartLsn ?? null,
    latestEndLsn: subscription.latestEndLsn,
    replayLagSeconds: slot?.replayLagSeconds ?? null,
    secondsSinceLatestEnd: subscription.secondsSinceLatestEnd,
  });
  return Object.freeze({ ...subscription, ...assessment, slot: slot ?? null, lag });
}
