/**
 * The phase of one native subscription, decided from catalog facts of both sides. A pure
 * function of those facts, so the rules read (and are tested) as a table:
 *
 * | slot_name | slot on source   | enabled | apply worker and slot active | phase        |
 * |-----------|------------------|---------|------------------------------|--------------|
 * | NONE      | —                | no      | —                            | disabled     |
 * | set       | missing or lost  | any     | —                            | broken       |
 * | set       | present          | no      | —                            | disabled     |
 * | set       | present          | yes     | both                         | streaming    |
 * | set       | present          | yes     | not both                     | starting     |
 */

/**
 * Phase of a subscription:
 * - `streaming`: enabled, its apply worker runs and holds the slot on the source.
 * - `starting`: enabled but the worker has not (yet) connected; persistently so when it keeps
 *   failing (see `problem`).
 * - `disabled`: `ALTER SUBSCRIPTION … DISABLE`d (or detached from its slot); nothing is applied.
 * - `broken`: it cannot catch up any more: its slot is gone or has lost WAL it needs.
 */
export type SubscriptionPhase = 'streaming' | 'starting' | 'disabled' | 'broken';

/** What {@link assessSubscriptionPhase} decides from. */
export type SubscriptionFacts = Readonly<{
  /** `pg_subscription.subenabled`. */
  enabled: boolean;
  /** `pg_subscription.subslotname`; null after `SET (slot_name = NONE)`. */
  slotName: string | null;
  /** Whether the apply worker runs (`pg_stat_subscription.pid` is set). */
  workerRunning: boolean;
  /** The slot in the source database; null when no slot of that name exists there. */
  slot: Readonly<{
    /** `pg_replication_slots.active`: a walsender holds it. */
    active: boolean;
    /** `pg_replication_slots.wal_status` (PostgreSQL 13+); null on older servers. */
    walStatus: string | null;
  }> | null;
  /** `pg_stat_subscription_stats.apply_error_count` (PostgreSQL 15+); null when unknown. */
  applyErrorCount: number | null;
}>;

/** The phase with, when something needs a human, what is wrong and how to fix it. */
export type SubscriptionAssessment = Readonly<{
  phase: SubscriptionPhase;
  /** What is wrong, in one sentence; null when nothing is. */
  problem: string | null;
  /** How to fix `problem`; null when there is none. */
  fix: string | null;
}>;

/** Decides the {@link SubscriptionPhase} of a subscription from its facts. */
export function assessSubscriptionPhase(facts: SubscriptionFacts): SubscriptionAssessment {
  if (facts.slotName === null) {
    return assessment(
      'disabled',
      'the subscription is detached from its replication slot (slot_name = NONE)',
      'It cannot resume; drop it (DROP SUBSCRIPTION) or attach a slot with ALTER SUBSCRIPTION … SET (slot_name = …).',
    );
  }
  if (facts.slot === null) {
    return assessment(
      'broken',
      `replication slot "${facts.slotName}" does not exist in the source database`,
      'Check that --source names the publisher database of this subscription; if the slot was dropped, drop the subscription and run init --enable-sync again.',
    );
  }
  if (facts.slot.walStatus === 'lost') {
    return assessment(
      'broken',
      `replication slot "${facts.slotName}" has lost WAL it needs (wal_status = lost)`,
      'The subscription cannot catch up; drop it and run init --enable-sync again, and raise max_slot_wal_keep_size on the source.',
    );
  }
  const unreserved = facts.slot.walStatus === 'unreserved';
  const walWarning = unreserved
    ? assessment(
        'streaming',
        `replication slot "${facts.slotName}" is about to lose WAL it needs (wal_status = unreserved)`,
        'Let the subscription catch up now, or raise max_slot_wal_keep_size on the source.',
      )
    : undefined;
  if (!facts.enabled) {
    return walWarning === undefined
      ? assessment('disabled', null, null)
      : { ...walWarning, phase: 'disabled' };
  }
  if (facts.workerRunning && facts.slot.active) {
    return walWarning ?? assessment('streaming', null, null);
  }
  if ((facts.applyErrorCount ?? 0) > 0) {
    return assessment(
      'starting',
      `the apply worker has failed ${facts.applyErrorCount ?? 0} time(s) and is not running`,
      'Read the error in the target server log (a conflicting row, a missing table or column, or a rejected connection) and fix its cause; the worker retries on its own.',
    );
  }
  return walWarning === undefined
    ? assessment('starting', null, null)
    : { ...walWarning, phase: 'starting' };
}

function assessment(
  phase: SubscriptionPhase,
  problem: string | null,
  fix: string | null,
): SubscriptionAssessment {
  return Object.freeze({ phase, problem, fix });
}
