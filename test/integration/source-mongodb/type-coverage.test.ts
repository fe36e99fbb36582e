/**
 * Every BSON type FerretDB 1.24 stores (ObjectId, Date, Int32, Int64, Double incl. -0.0 and
 * whole-number doubles, Binary of several subtypes, Timestamp, regex with flags, nested arrays of
 * objects, nested objects, null, booleans, strings, empty containers) replicates through the
 * embedded pipeline; the stored jsonb, turned back into BSON with EJSON, equals the source
 * document value for value and type for type. Decimal128, nested arrays, NaN/Infinity, MinKey,
 * MaxKey, Code and Symbol are refused by FerretDB itself; libs/source-mongodb/test covers their
 * encoding without a server.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  Binary,
  BSONRegExp,
  Double,
  Int32,
  Long,
  ObjectId,
  Timestamp,
  UUID,
  type Document,
} from 'mongodb';
import { createLogger } from '@database-replicator/core';
import { createMongoSource, idText } from '@database-replicator/source-mongodb';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import {
  bsonComparable,
  createMongoDatabase,
  runPipeline,
  sourceDocuments,
  targetDocuments,
  type MongoTestDatabase,
} from './mongo-harness.js';

const EVERY_TYPE: Document = {
  _id: new ObjectId('65f0c1a2b3c4d5e6f7a8b9c0'),
  int32: new Int32(-2147483648),
  int64: Long.fromString('9223372036854775807'),
  int64Small: Long.fromNumber(5),
  double: new Double(0.1),
  wholeDouble: new Double(5),
  // FerretDB stores -0.0 as 0.0 (its own normalisation); the encoder's -0.0 is unit-tested.
  negativeZero: new Double(-0),
  date: new Date('1969-12-31T23:59:59.999Z'),
  binary: new Binary(Buffer.from([0, 1, 2, 255]), 0),
  uuid: new UUID('0e5d7a8c-1b2f-4c3d-9e8f-0a1b2c3d4e5f').toBinary(),
  userBinary: new Binary(Buffer.from('user'), 0x80),
  timestamp: new Timestamp({ t: 1_700_000_000, i: 7 }),
  regex: new BSONRegExp('^a.b$', 'imsx'),
  nested: { z: 1, a: { deeper: [{ x: null }, { y: [new Int32(1), 'two', true] }] } },
  array: [new Int32(1), Long.fromNumber(2), new Double(3), 'four', null, { five: false }],
  nothing: null,
  yes: true,
  text: 'héllo 🌍 "quoted" \\ back',
  emptyObject: {},
  emptyArray: [],
};

/** Documents whose `_id` types need the canonical text form. */
const OTHER_IDS: Document[] = [
  { _id: 'plain string', n: new Int32(1) },
  { _id: '65f0c1a2b3c4d5e6f7a8b9c0', n: new Int32(2) },
  { _id: new Int32(42), n: new Int32(3) },
  { _id: Long.fromNumber(43), n: new Int32(4) },
  { _id: { compound: 'key', part: new Int32(1) }, n: new Int32(5) },
  { _id: new Date(0), n: new Int32(6) },
];

describeWithServices(['postgres', 'ferretdb'], 'MongoDB source: BSON type coverage', () => {
  let dbs: TestDatabases;
  let mongo: MongoTestDatabase;

  beforeAll(async () => {
    dbs = await createTestDatabases('dr_mongo_types');
    mongo = await createMongoDatabase('dr_mongo_types');
    await mongo.client.db(mongo.name).collection('every_type').insertOne(EVERY_TYPE);
    await mongo.client.db(mongo.name).collection('ids').insertMany(OTHER_IDS);
  });

  afterAll(async () => {
    rmSync(`/tmp/dr-mongo-types-${mongo?.name ?? ''}`, { recursive: true, force: true });
    await mongo?.drop();
    await dbs?.drop();
  });

  it('stores every document as lossless canonical Extended JSON under a text _id', async () => {
    const source = createMongoSource({
      url: mongo.url,
      name: 'types',
      logger: createLogger({ level: 'silent' }),
      mode: 'refresh',
      refreshStateDir: `/tmp/dr-mongo-types-${mongo.name}`,
    });
    try {
      const tables = await source.describeTables();
      expect(tables.map((table) => `${table.id.schema}.${table.id.table}`)).toEqual([
        `${mongo.name}.every_type`,
        `${mongo.name}.ids`,
      ]);
      await runPipeline(source, dbs.targetUrl, {
        stream: false,
        signal: new AbortController().signal,
      });
    } finally {
      await source.close();
    }
    const columns = await queryOnce(
      dbs.targetUrl,
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'every_type' ORDER BY ordinal_position`,
      [mongo.name],
    );
    expect(columns.rows).toEqual([
      { column_name: '_id', data_type: 'text' },
      { column_name: 'document', data_type: 'jsonb' },
    ]);

    for (const collection of ['every_type', 'ids']) {
      const expected = await sourceDocuments(mongo.client, mongo.name, collection, idText);
      const actual = await targetDocuments(dbs.targetUrl, mongo.name, collection);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [id, document] of expected) {
        expect(bsonComparable(actual.get(id)), `${collection} ${id}`).toEqual(
          bsonComparable(document),
        );
      }
    }

    const stored = (await targetDocuments(dbs.targetUrl, mongo.name, 'every_type')).get(
      '65f0c1a2b3c4d5e6f7a8b9c0',
    );
    // Spot checks that the round trip gives the BSON classes back, not JavaScript numbers.
    expect(stored?.['int32']).toBeInstanceOf(Int32);
    expect(stored?.['int64']).toEqual(Long.fromString('9223372036854775807'));
    expect(stored?.['wholeDouble']).toBeInstanceOf(Double);
    expect((stored?.['uuid'] as Binary).sub_type).toBe(4);
    expect((stored?.['userBinary'] as Binary).sub_type).toBe(0x80);
    expect(stored?.['timestamp']).toEqual(new Timestamp({ t: 1_700_000_000, i: 7 }));
    expect(stored?.['regex']).toEqual(new BSONRegExp('^a.b$', 'imsx'));

    const ids = await queryOnce(dbs.targetUrl, `SELECT _id FROM "${mongo.name}".ids ORDER BY _id`);
    expect(ids.rows.map((row: { _id: string }) => row._id).sort()).toEqual(
      [
        '"65f0c1a2b3c4d5e6f7a8b9c0"',
        '{"$date":{"$numberLong":"0"}}',
        '{"$numberInt":"42"}',
        '{"$numberLong":"43"}',
        '{"compound":"key","part":{"$numberInt":"1"}}',
        'plain string',
      ].sort(),
    );
  });
});
