/**
 * MongoDB positions (ARCHITECTURE §4). With change streams: the resume token of an event (or of
 * the stream's end when idle) and its cluster time; tokens are opaque, so two of them are never
 * ordered. In refresh mode: the number of the last refresh cycle the checkpoint covers (0: what
 * the snapshot sent).
 */
import { BSON, type Timestamp } from 'mongodb';
import {
  parseExactJson,
  replicatorError,
  type JsonValue,
  type MongoRefreshPosition,
  type MongoResumePosition,
  type SourcePosition,
} from '@database-replicator/core';

/** The frozen position of a resume token (a `{ _data }` document) and its cluster time. */
export function streamPosition(
  token: unknown,
  clusterTime: Timestamp | undefined,
): MongoResumePosition {
  return Object.freeze({
    kind: 'mongodb',
    resumeToken: Object.freeze(tokenJson(token)),
    clusterTime: clusterTime === undefined ? '0' : timestampValue(clusterTime).toString(),
  });
}

/** The frozen refresh position of cycle `sequence`. */
export function refreshPosition(sequence: bigint): MongoRefreshPosition {
  return Object.freeze({ kind: 'mongodb', refreshSequence: sequence.toString() });
}

/**
 * The resume token of a change-stream position, as the driver's `resumeAfter` takes it.
 *
 * @throws ReplicatorError `REPL_POSITION_MISMATCH` for another kind, or a refresh position.
 */
export function resumeTokenOf(position: SourcePosition): BSON.Document {
  if (position.kind !== 'mongodb' || !('resumeToken' in position)) {
    throw mismatch(position, 'a change-stream');
  }
  return BSON.EJSON.parse(JSON.stringify(position.resumeToken), { relaxed: false });
}

/**
 * The refresh cycle of a refresh position.
 *
 * @throws ReplicatorError `REPL_POSITION_MISMATCH` for another kind, or a change-stream position.
 */
export function refreshSequenceOf(position: SourcePosition): bigint {
  if (position.kind !== 'mongodb' || !('refreshSequence' in position)) {
    throw mismatch(position, 'a refresh');
  }
  return BigInt(position.refreshSequence);
}

/** A BSON Timestamp's 64-bit value: seconds in the high half, increment in the low half. */
export function timestampValue(timestamp: Timestamp): bigint {
  return (BigInt(timestamp.t) << 32n) | BigInt(timestamp.i);
}

function tokenJson(token: unknown): JsonValue {
  return parseExactJson(BSON.EJSON.stringify(token, { relaxed: false }));
}

function mismatch(position: SourcePosition, wanted: string): Error {
  const form =
    position.kind === 'mongodb'
      ? `a MongoDB ${'resumeToken' in position ? 'change-stream' : 'refresh'}`
      : `a ${position.kind}`;
  return replicatorError(
    'REPL_POSITION_MISMATCH',
    `This MongoDB source reads ${wanted} position and cannot resume from ${form} position`,
    {
      details: { kind: position.kind },
      fix: 'Keep the capture mode of a job: run the job again from the start after switching between change streams and refresh.',
    },
  );
}
