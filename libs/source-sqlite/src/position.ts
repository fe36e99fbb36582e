/**
 * SQLite positions: the sequence number of a changelog row (ARCHITECTURE §4). Sequences grow by
 * one per change, in commit order, and an install starts them at a time-based value, so a
 * position from an earlier install never lands inside a later one.
 */
import {
  replicatorError,
  type SourcePosition,
  type SqliteChangelogPosition,
} from '@database-replicator/core';

/** The frozen position of changelog row `sequence`. */
export function sqlitePosition(sequence: bigint): SqliteChangelogPosition {
  return Object.freeze({ kind: 'sqlite', sequence: sequence.toString() });
}

/**
 * The changelog sequence of a position this source returned.
 *
 * @throws ReplicatorError `REPL_POSITION_MISMATCH` for a position of another source kind.
 */
export function sequenceOf(position: SourcePosition): bigint {
  if (position.kind !== 'sqlite') {
    throw replicatorError(
      'REPL_POSITION_MISMATCH',
      `A SQLite source cannot resume from a ${position.kind} position`,
      { details: { kind: position.kind } },
    );
  }
  return BigInt(position.sequence);
}
