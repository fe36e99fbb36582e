/**
 * Smoke test for the FerretDB server `test/services/run up ferretdb` starts (FerretDB 1.24 on its
 * SQLite backend), which stands in for a MongoDB source: the driver talks to it, CRUD works, and
 * the BSON types a replicator reads come back byte for byte.
 *
 * What FerretDB 1.24 does not do, pinned below so that a FerretDB upgrade shows up here:
 *   - Decimal128, MinKey, MaxKey, JavaScript code and NaN: the server cannot decode the message
 *     (Decimal128 even panics in the connection handler) and closes the connection; the driver
 *     reports a MongoNetworkError ("connection N to 127.0.0.1:57017 closed").
 *   - Nested arrays ([1, [2, 3]]): rejected, code 2 BadValue "nested arrays are not supported".
 *   - Infinity: rejected, code 2 BadValue "infinity values are not allowed".
 *   - -0.0 is stored as +0.0.
 *   - Change streams: watch() fails with code 238 NotImplemented
 *     ("`aggregate` stage "$changeStream" is not implemented yet").
 * Round-tripped exactly: ObjectId, Date (also before 1970), Int32, Int64 (beyond 2^53), Double,
 * string (with NUL), boolean, Binary (subtypes 0, 4 and 0x80), Timestamp (also 0/0), regular
 * expression with flags, null, empty array/object, arrays of documents holding arrays, nested
 * documents, and field order.
 */
import {
  Binary,
  BSON,
  BSONRegExp,
  Code,
  Decimal128,
  Double,
  Long,
  MaxKey,
  MinKey,
  MongoClient,
  MongoNetworkError,
  MongoServerError,
  ObjectId,
  Timestamp,
  type Db,
  type Document,
} from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';

describeWithServices(['ferretdb'], 'ferretdb smoke', () => {
  const dbName = `smoke_${process.pid}_${Date.now()}`;
  let client: MongoClient | undefined;

  beforeAll(async () => {
    client = new MongoClient(requiredEnv('MONGO_URL'), {
      appName: 'database-replicator smoke test',
      serverSelectionTimeoutMS: 5_000,
      connectTimeoutMS: 5_000,
    });
    await client.connect();
  });

  afterAll(async () => {
    try {
      await client?.db(dbName).dropDatabase();
    } finally {
      await client?.close();
    }
  });

  function db(): Db {
    if (client === undefined) throw new Error('client was not connected');
    return client.db(dbName);
  }

  /** A value's BSON encoding, to compare types as well as values. */
  function bsonHex(value: unknown): string {
    return Buffer.from(BSON.serialize({ value })).toString('hex');
  }

  it('is FerretDB 1.24 with a wire version the driver accepts', async () => {
    const admin = client?.db('admin');
    const hello = await admin?.command({ hello: 1 });
    expect(hello).toMatchObject({ ok: 1, isWritablePrimary: true, maxWireVersion: 21 });
    const buildInfo = await admin?.command({ buildInfo: 1 });
    expect(buildInfo?.['ferretdbVersion']).toMatch(/^v1\.24\./);
    expect(await admin?.command({ ping: 1 })).toMatchObject({ ok: 1 });
  });

  it('inserts, finds, updates and deletes documents', async () => {
    const col = db().collection<{ _id: number; name: string; qty: number; tags?: string[] }>(
      'crud',
    );
    const inserted = await col.insertMany([
      { _id: 1, name: 'apple', qty: 5 },
      { _id: 2, name: 'banana', qty: 0 },
      { _id: 3, name: 'cherry', qty: 12 },
    ]);
    expect(inserted.insertedCount).toBe(3);

    expect(await col.find({ qty: { $gt: 1 } }, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, name: 'apple', qty: 5 },
      { _id: 3, name: 'cherry', qty: 12 },
    ]);

    const updated = await col.updateOne({ _id: 2 }, { $set: { qty: 7, tags: ['yellow'] } });
    expect(updated).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await col.findOne({ _id: 2 })).toEqual({
      _id: 2,
      name: 'banana',
      qty: 7,
      tags: ['yellow'],
    });

    const many = await col.updateMany({}, { $set: { checked: true } } as Document);
    expect(many.modifiedCount).toBe(3);

    const deleted = await col.deleteOne({ _id: 1 });
    expect(deleted.deletedCount).toBe(1);
    expect(await col.findOne({ _id: 1 })).toBeNull();
    expect(await col.countDocuments()).toBe(2);
    expect(await col.distinct('name')).toEqual(['banana', 'cherry']);
  });

  it('round-trips the BSON types it supports exactly', async () => {
    const original: Document = {
      _id: new ObjectId(),
      objectId: new ObjectId(),
      date: new Date('2024-02-29T12:34:56.789Z'),
      dateBefore1970: new Date(-1e12),
      int32: 42,
      int64: Long.fromString('9007199254740993'),
      int64Small: Long.fromNumber(5),
      double: 3.25,
      doubleWhole: new Double(5),
      string: 'héllo ✓ \u0000 end',
      emptyString: '',
      boolean: true,
      binary: new Binary(Buffer.from([1, 2, 3, 255]), Binary.SUBTYPE_DEFAULT),
      uuid: new Binary(Buffer.from('0123456789abcdef0123456789abcdef', 'hex'), 4),
      userBinary: new Binary(Buffer.from('zz'), 0x80),
      timestamp: new Timestamp({ t: 1_700_000_000, i: 7 }),
      timestampZero: new Timestamp({ t: 0, i: 0 }),
      regex: new BSONRegExp('^ab+c', 'im'),
      nested: { a: [1, { b: null, c: [2, 3] }], o: { p: { q: 'deep' } } },
      array: [1, 'two', { three: 3, four: [4, { five: [5] }] }],
      emptyArray: [],
      emptyObject: {},
      null: null,
      fieldOrder: { z: 1, a: 2, m: 3 },
    };
    const col = db().collection('bson');
    await col.insertOne(original);

    const raw = await col.findOne(
      { _id: original['_id'] },
      { promoteLongs: false, promoteValues: false, bsonRegExp: true },
    );
    expect(raw).not.toBeNull();
    expect(Object.keys(raw ?? {})).toEqual(Object.keys(original));
    for (const [field, value] of Object.entries(original)) {
      expect(bsonHex(raw?.[field]), field).toBe(bsonHex(value));
    }
    expect(Buffer.from(BSON.serialize(raw ?? {})).toString('hex')).toBe(
      Buffer.from(BSON.serialize(original)).toString('hex'),
    );

    // With the driver's default promotion the usual JS values come back.
    const promoted = await col.findOne({ _id: original['_id'] });
    expect(promoted?.['date']).toEqual(original['date']);
    expect(promoted?.['int64']).toEqual(Long.fromString('9007199254740993'));
    expect(promoted?.['int32']).toBe(42);
    expect(await col.countDocuments({ int64: Long.fromString('9007199254740993') })).toBe(1);
  });

  it('stores -0.0 as +0.0', async () => {
    const col = db().collection<{ _id: number; value: number }>('negative_zero');
    await col.insertOne({ _id: 1, value: -0 });
    const raw = await col.findOne({ _id: 1 }, { promoteValues: false });
    expect(bsonHex(raw?.['value'])).toBe(bsonHex(new Double(0)));
  });

  it('rejects the BSON values FerretDB 1.24 does not support', async () => {
    const col = db().collection('unsupported');
    const closesConnection: Record<string, unknown> = {
      decimal128: Decimal128.fromString('1234.5678901234567890'),
      minKey: new MinKey(),
      maxKey: new MaxKey(),
      code: new Code('function () { return 1; }'),
      nan: NaN,
    };
    for (const [field, value] of Object.entries(closesConnection)) {
      await expect(col.insertOne({ [field]: value }), field).rejects.toBeInstanceOf(
        MongoNetworkError,
      );
    }
    const badValue: Record<string, unknown> = { nestedArray: [1, [2, 3]], infinity: Infinity };
    for (const [field, value] of Object.entries(badValue)) {
      await expect(col.insertOne({ [field]: value }), field).rejects.toMatchObject({ code: 2 });
    }
    expect(await col.countDocuments()).toBe(0);
  });

  it('does not support change streams (watch fails with NotImplemented)', async () => {
    const col = db().collection<{ _id: number }>('watched');
    await col.insertOne({ _id: 1 });
    const stream = col.watch();
    try {
      const next = stream.tryNext();
      await expect(next).rejects.toBeInstanceOf(MongoServerError);
      await expect(next).rejects.toMatchObject({ code: 238, codeName: 'NotImplemented' });
    } finally {
      await stream.close();
    }
  });
});
