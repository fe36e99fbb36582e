/**
 * PostgreSQL positions as this source writes and reads them: commit LSN plus index in the
 * transaction for events, commit-end LSN (index 0) for resume points. LSNs are normalised to
 * PostgreSQL's own `%X/%X` form (pg-logical-replication pads them with zeros).
 */
import {
  formatLsn,
  parseLsn,
  replicatorError,
  type PostgresPosition,
  type SourcePosition,
} from '@database-replicator/core';

/** The frozen position `lsn` (any case, padded or not), `txIndex` in its transaction. */
export function postgresPosition(lsn: string, txIndex = 0): PostgresPosition {
  return Object.freeze({ kind: 'postgres', lsn: formatLsn(parseLsn(lsn)), txIndex });
}

/**
 * `position` as a PostgreSQL position.
 *
 * @throws ReplicatorError `REPL_POSITION_MISMATCH` for a position of another source kind.
 */
export function requirePostgresPosition(position: SourcePosition, what: string): PostgresPosition {
  if (position.kind !== 'postgres') {
    throw replicatorError(
      'REPL_POSITION_MISMATCH',
      `${what} got a ${position.kind} position; a PostgreSQL source only takes PostgreSQL positions`,
      { details: { kind: position.kind } },
    );
  }
  return position;
}

/** The later of two LSNs, normalised. */
export function laterOf(a: string, b: string): string {
  const [x, y] = [parseLsn(a), parseLsn(b)];
  return formatLsn(x >= y ? x : y);
}

/** True when LSN `a` is after LSN `b`. */
export function isAfter(a: string, b: string): boolean {
  return parseLsn(a) > parseLsn(b);
}

/**
 * The LSN one byte before `lsn` (never below 0). pg-logical-replication's `acknowledge(lsn)`
 * reports `lsn + 1` as flushed, taking `lsn` for the last byte received; a resume point is
 * already "last byte + 1" (a commit's end LSN, a keepalive's WAL end), and reporting one byte
 * more would let PostgreSQL skip a transaction whose commit record starts exactly there.
 */
export function lsnBefore(lsn: string): string {
  const value = parseLsn(lsn);
  return formatLsn(value > 0n ? value - 1n : 0n);
}
