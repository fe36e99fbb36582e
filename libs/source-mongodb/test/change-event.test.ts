import { describe, expect, it } from 'vitest';
import {
  BSON,
  Double,
  Int32,
  MongoServerError,
  ObjectId,
  Timestamp,
  type ChangeStreamDocument,
} from 'mongodb';
import { isReplicatorError, parseChangeEvent, tableKey } from '@database-replicator/core';
import {
  changeStreamEvent,
  isHistoryLost,
  refreshPosition,
  refreshSequenceOf,
  resumeTokenOf,
  streamFailure,
  streamPosition,
} from '@database-replicator/source-mongodb';

const HEX = '65f0c1a2b3c4d5e6f7a8b9c0';
const token = { _data: '8263A1B2C3000000012B022C0100296E5A1004' };
const clusterTime = new Timestamp({ t: 1_700_000_000, i: 3 });
const origin = { name: 'shop', tables: new Set([tableKey({ schema: 'shop', table: 'orders' })]) };
const common = {
  _id: token,
  clusterTime,
  ns: { db: 'shop', coll: 'orders' },
  documentKey: { _id: new ObjectId(HEX) },
};

function change(fields: Record<string, unknown>): ChangeStreamDocument {
  // The driver hands these out; tests build the same shapes.
  return { ...common, ...fields } as unknown as ChangeStreamDocument;
}

describe('changeStreamEvent', () => {
  it('maps insert to c with the whole document as canonical Extended JSON', () => {
    const event = changeStreamEvent(
      change({
        operationType: 'insert',
        fullDocument: { _id: new ObjectId(HEX), n: new Int32(1) },
      }),
      origin,
      42,
    );
    expect(event).toMatchObject({
      op: 'c',
      before: null,
      after: { _id: HEX, document: { _id: { $oid: HEX }, n: { $numberInt: '1' } } },
      source: {
        connector: 'mongodb',
        name: 'shop',
        db: 'shop',
        schema: null,
        table: 'orders',
        snapshot: 'false',
        position: { kind: 'mongodb', resumeToken: token, clusterTime: '7301444403200000003' },
        ts_ms: 1_700_000_000_000,
      },
      ts_ms: 42,
    });
    expect(() => parseChangeEvent(event)).not.toThrow();
  });

  it('maps update and replace to u with the looked-up document', () => {
    for (const operationType of ['update', 'replace']) {
      const event = changeStreamEvent(
        change({ operationType, fullDocument: { _id: new ObjectId(HEX), d: new Double(2) } }),
        origin,
        1,
      );
      expect(event?.op).toBe('u');
      expect(event?.after).toEqual({
        _id: HEX,
        document: { _id: { $oid: HEX }, d: { $numberDouble: '2.0' } },
      });
    }
  });

  it('maps delete, and an update whose lookup found nothing, to d with the key', () => {
    for (const fields of [
      { operationType: 'delete' },
      { operationType: 'update', fullDocument: null },
    ]) {
      const event = changeStreamEvent(change(fields), origin, 1);
      expect(event).toMatchObject({ op: 'd', before: { _id: HEX }, after: null });
      expect(() => parseChangeEvent(event)).not.toThrow();
    }
  });

  it('skips DDL events and collections that are not replicated', () => {
    expect(
      changeStreamEvent(change({ operationType: 'createIndexes' }), origin, 1),
    ).toBeUndefined();
    const other = change({
      operationType: 'insert',
      ns: { db: 'shop', coll: 'carts' },
      fullDocument: {},
    });
    expect(changeStreamEvent(other, origin, 1)).toBeUndefined();
  });

  it.each(['drop', 'rename', 'dropDatabase', 'invalidate'])(
    'ends the stream on %s',
    (operationType) => {
      expect(() => changeStreamEvent(change({ operationType }), origin, 1)).toThrow(
        expect.objectContaining({ code: 'REPL_MONGO_STREAM_INVALIDATED' }),
      );
    },
  );

  it('refuses a NUL character, which jsonb cannot store', () => {
    const insert = change({ operationType: 'insert', fullDocument: { _id: 1, s: 'a\u0000b' } });
    expect(() => changeStreamEvent(insert, origin, 1)).toThrow(
      expect.objectContaining({ code: 'REPL_MONGO_VALUE_UNSUPPORTED' }),
    );
  });
});

describe('resume handling', () => {
  it('resumes after exactly the checkpointed token', () => {
    const position = streamPosition(token, clusterTime);
    const stored = JSON.parse(JSON.stringify(position)) as unknown;
    expect(stored).toEqual(position);
    expect(resumeTokenOf(position)).toEqual(token);
  });

  it('keeps binary resume tokens exact through JSON', () => {
    const binary = { _data: new BSON.Binary(Buffer.from([0, 1, 255])) };
    expect(resumeTokenOf(streamPosition(binary, undefined))).toEqual(binary);
  });

  it('refuses to mix change-stream and refresh positions', () => {
    expect(() => resumeTokenOf(refreshPosition(3n))).toThrow(
      expect.objectContaining({ code: 'REPL_POSITION_MISMATCH' }),
    );
    expect(() => refreshSequenceOf(streamPosition(token, clusterTime))).toThrow(
      expect.objectContaining({ code: 'REPL_POSITION_MISMATCH' }),
    );
    expect(refreshSequenceOf(refreshPosition(3n))).toBe(3n);
  });
});

describe('error 286', () => {
  const lost = new MongoServerError({
    message:
      'Resume of change stream was not possible, as the resume point may no longer be in the oplog.',
    code: 286,
    codeName: 'ChangeStreamHistoryLost',
  });

  it('classifies ChangeStreamHistoryLost (and the older 280 form) as history lost', () => {
    expect(isHistoryLost(lost)).toBe(true);
    const older = new MongoServerError({
      message:
        'resume of change stream was not possible, as the resume point may no longer be in the oplog',
      code: 280,
    });
    expect(isHistoryLost(older)).toBe(true);
    expect(isHistoryLost(new MongoServerError({ message: 'other fatal', code: 280 }))).toBe(false);
    expect(isHistoryLost(new MongoServerError({ message: 'not primary', code: 10107 }))).toBe(
      false,
    );
    expect(isHistoryLost(new Error('286'))).toBe(false);
  });

  it('becomes REPL_MONGO_HISTORY_LOST naming the collections to snapshot again, not a retryable failure', () => {
    const error = streamFailure(lost, ['shop.orders', 'shop.carts']);
    expect(isReplicatorError(error, 'REPL_MONGO_HISTORY_LOST')).toBe(true);
    expect(error).toMatchObject({
      details: { collections: 'shop.orders, shop.carts' },
      cause: lost,
    });
    const other = streamFailure(new MongoServerError({ message: 'boom', code: 1 }), [
      'shop.orders',
    ]);
    expect(isReplicatorError(other, 'REPL_MONGO_QUERY_FAILED')).toBe(true);
  });
});
