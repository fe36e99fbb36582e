/**
 * Classifies change-stream failures. A resume token whose oplog entry is gone can never work
 * again: retrying it would fail forever, and resuming anywhere else would silently skip changes.
 * It becomes `REPL_MONGO_HISTORY_LOST`, which names the collections to snapshot again; every
 * other failure stays a query failure the extractor restarts from its checkpoint.
 */
import { MongoError } from 'mongodb';
import { replicatorError } from '@database-replicator/core';
import { CHANGE_STREAM_HISTORY_LOST, HISTORY_LOST_MESSAGE } from './constants.js';
import { mongoFailure } from './mongo-call.js';

/** ChangeStreamFatalError: MongoDB before 4.4 reported a lost resume point with it. */
const CHANGE_STREAM_FATAL = 280;

/**
 * True for the server's "resume point no longer in the oplog" error: code 286
 * (ChangeStreamHistoryLost), or 280 (ChangeStreamFatalError) with that message on older servers.
 */
export function isHistoryLost(error: unknown): boolean {
  if (!(error instanceof MongoError)) return false;
  if (error.code === CHANGE_STREAM_HISTORY_LOST) return true;
  return error.code === CHANGE_STREAM_FATAL && HISTORY_LOST_MESSAGE.test(error.message);
}

/**
 * The coded error of a change-stream failure on `collections` (`db.collection` names).
 *
 * @returns `REPL_MONGO_HISTORY_LOST` (details: `collections`, comma-separated) for a lost resume
 *   point, else what `mongoFailure` makes of it.
 */
export function streamFailure(error: unknown, collections: readonly string[]): Error {
  if (!isHistoryLost(error)) return mongoFailure('The MongoDB change stream', error);
  const names = collections.join(', ');
  return replicatorError(
    'REPL_MONGO_HISTORY_LOST',
    `The MongoDB change stream cannot resume from its checkpoint: the resume point is no longer in the oplog; collections to snapshot again: ${names}`,
    { cause: error, details: { collections: names } },
  );
}
