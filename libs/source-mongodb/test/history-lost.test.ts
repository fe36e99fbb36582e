/**
 * Error 286 handling without a server: a lost resume point becomes REPL_MONGO_HISTORY_LOST
 * (never a retryable query failure), which the source reports as a lost history so the
 * extractor snapshots again instead of retrying the dead token; so does refresh mode's lost
 * state; other failures are not.
 */
import { describe, expect, it } from 'vitest';
import { MongoNetworkError, MongoServerError } from 'mongodb';
import { createLogger, replicatorError } from '@database-replicator/core';
import { createMongoSource, streamFailure } from '@database-replicator/source-mongodb';

const source = createMongoSource({
  url: 'mongodb://127.0.0.1:1/app',
  name: 'shop',
  logger: createLogger({ level: 'silent' }),
});

describe('a lost change-stream history', () => {
  it('turns error 286 into REPL_MONGO_HISTORY_LOST naming the collections, a lost history', () => {
    const lost = streamFailure(
      new MongoServerError({ code: 286, errmsg: 'Resume of change stream was not possible' }),
      ['app.items', 'app.orders'],
    );
    expect(lost).toMatchObject({
      code: 'REPL_MONGO_HISTORY_LOST',
      details: { collections: 'app.items, app.orders' },
    });
    expect(source.isHistoryLost(lost)).toBe(true);
  });

  it('recognises the message of error 280 on servers before 4.4', () => {
    const lost = streamFailure(
      new MongoServerError({
        code: 280,
        errmsg:
          'resume of change stream was not possible, as the resume point may no longer be in the oplog.',
      }),
      ['app.items'],
    );
    expect(source.isHistoryLost(lost)).toBe(true);
  });

  it('treats refresh mode losing its state as a lost history', () => {
    const missing = replicatorError('REPL_MONGO_REFRESH_STATE_MISSING', 'state files gone');
    expect(source.isHistoryLost(missing)).toBe(true);
  });

  it('leaves other failures to the normal restart from the checkpoint', () => {
    const network = streamFailure(new MongoNetworkError('connection reset'), ['app.items']);
    expect(network).toMatchObject({ code: 'REPL_MONGO_QUERY_FAILED' });
    expect(source.isHistoryLost(network)).toBe(false);
    const other = streamFailure(new MongoServerError({ code: 280, errmsg: 'other' }), ['a.b']);
    expect(source.isHistoryLost(other)).toBe(false);
  });
});
