/**
 * Which apply failures the data caused (dead-letter the message) rather than the environment
 * (retry) or a bug (stop).
 */
import { isReplicatorError, isTransientError, type ErrorCode } from '@database-replicator/core';

/**
 * Error codes of an apply that the data, not the environment, caused: retrying cannot help, so
 * the events are dead-lettered (after isolating them one by one).
 */
const POISON_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'REPL_EVENT_INVALID',
  'REPL_WRITER_EVENT_INVALID',
  'REPL_WRITER_TARGET_TABLE_INVALID',
  'REPL_WRITER_APPLY_FAILED',
]);

/** True if `error` means "this event cannot be applied" rather than "try again" or "stop". */
export function isPoisonError(error: unknown): error is Error & { code: ErrorCode } {
  return isReplicatorError(error) && POISON_CODES.has(error.code) && !isTransientError(error);
}
