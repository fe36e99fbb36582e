/**
 * Lag arithmetic of one subscription, from LSNs of both sides. Pure, so the rules are tested
 * without servers.
 *
 * What counts as applied: the larger of the slot's `confirmed_flush_lsn` (the subscriber
 * reported everything up to it as written and flushed) and the apply worker's `latest_end_lsn`
 * (the WAL end a keepalive carried; the worker handles messages in order, so when it has
 * processed that keepalive every earlier change is applied). On an idle source the slot trails
 * `pg_current_wal_lsn()` by WAL that carries nothing for this subscription (other databases,
 * checkpoints) until the next keepalive round trip, typically within seconds; the lag shown is
 * then that small, honest distance, and it returns to 0 by itself.
 */
import { formatLsn, parseLsn } from '@database-replicator/core';

/** The LSNs and timings {@link measureReplicationLag} reads. LSNs as PostgreSQL prints them. */
export type LagFacts = Readonly<{
  /** `pg_current_wal_lsn()` on the source. */
  currentLsn: string;
  /** The slot's `confirmed_flush_lsn`; null without a slot. */
  confirmedFlushLsn: string | null;
  /** The slot's `restart_lsn`: WAL from here on is kept for it; null without a slot. */
  restartLsn: string | null;
  /** The apply worker's `latest_end_lsn` on the target; null without a worker. */
  latestEndLsn: string | null;
  /** `replay_lag` of the slot's walsender in seconds; null when not measured. */
  replayLagSeconds: number | null;
  /** Seconds since the worker's `latest_end_time` (target clock); null without a worker. */
  secondsSinceLatestEnd: number | null;
}>;

/** How far a subscription is behind its source. */
export type ReplicationLag = Readonly<{
  /** The LSN up to which the target has applied the source's WAL; null when unknown. */
  appliedLsn: string | null;
  /** Bytes of source WAL not yet applied: `currentLsn - appliedLsn`, at least 0; null when unknown. */
  lagBytes: number | null;
  /**
   * Seconds behind: 0 when `lagBytes` is 0 (a walsender keeps showing its last measured lag for
   * a while after catching up), else the walsender's `replay_lag`, else the time since the last
   * keepalive the worker processed; null when unknown.
   */
  lagSeconds: number | null;
  /** Bytes of WAL the slot makes the source keep: `currentLsn - restartLsn`; null without a slot. */
  walRetainedBytes: number | null;
}>;

/** Measures how far behind a subscription is; see {@link ReplicationLag}. */
export function measureReplicationLag(facts: LagFacts): ReplicationLag {
  const appliedLsn = laterLsn(facts.confirmedFlushLsn, facts.latestEndLsn);
  const lagBytes = appliedLsn === null ? null : lsnDistanceBytes(appliedLsn, facts.currentLsn);
  return Object.freeze({
    appliedLsn,
    lagBytes,
    lagSeconds: lagSecondsOf(lagBytes, facts),
    walRetainedBytes:
      facts.restartLsn === null ? null : lsnDistanceBytes(facts.restartLsn, facts.currentLsn),
  });
}

/**
 * Bytes of WAL from `from` to `to`; 0 when `to` is not after `from`.
 *
 * @throws ReplicatorError `REPL_POSITION_INVALID` when an LSN is malformed.
 */
export function lsnDistanceBytes(from: string, to: string): number {
  const distance = parseLsn(to) - parseLsn(from);
  // Numbers are exact up to 2^53 bytes (8 PiB), far beyond any WAL distance.
  return distance > 0n ? Number(distance) : 0;
}

/** The later of two LSNs, ignoring nulls; null when both are. Normalised to PostgreSQL's form. */
export function laterLsn(a: string | null, b: string | null): string | null {
  const values = [a, b].flatMap((lsn) => (lsn === null ? [] : [parseLsn(lsn)]));
  if (values.length === 0) return null;
  return formatLsn(values.reduce((x, y) => (x >= y ? x : y)));
}

function lagSecondsOf(lagBytes: number | null, facts: LagFacts): number | null {
  if (lagBytes === null) return null;
  if (lagBytes === 0) return 0;
  if (facts.replayLagSeconds !== null) return Math.max(0, facts.replayLagSeconds);
  if (facts.secondsSinceLatestEnd !== null) return Math.max(0, facts.secondsSinceLatestEnd);
  return null;
}
