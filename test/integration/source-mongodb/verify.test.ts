/**
 * `verify` and `verify --repair` MongoDB → PostgreSQL on FerretDB, end to end with the built
 * CLI: a collection of DOCUMENTS plain documents plus documents holding every BSON type FerretDB
 * stores, under `_id`s of every type FerretDB accepts (ObjectId, strings that need the quoted
 * text form, Int32, Int64, Double, Date, embedded document, Binary, boolean), is copied by
 * `init`. A first verify must find no difference, so the Node rendering of each document as jsonb
 * prints it agrees with the target's `document::text`, and the `_id` text order agrees on both
 * sides. Then the target is changed directly (one document changed, one deleted, one inserted):
 * verify must name exactly those keys, repair must fix them, and a second verify must be clean.
 * The BSON types FerretDB refuses (Decimal128, NaN, Infinity, nested arrays, MinKey, MaxKey,
 * Code, Symbol) are checked without it: their encoded documents are stored in a jsonb column
 * and the rendering must equal PostgreSQL's text.
 */
import {
  BSON,
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  UUID,
  type Document,
} from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonbText, parseExactJson } from '@database-replicator/core';
import { idText } from '@database-replicator/source-mongodb';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { createMongoDatabase, type MongoTestDatabase } from './mongo-harness.js';

// FerretDB 1.24 (SQLite backend) has no filter or sort pushdown: every query scans the whole
// collection, at about 2,000–5,000 documents a second on the shared test machine. Inserting is
// cheap (30,000 in 4 s), but the snapshot re-runs its sorted query per page, so `init` grows
// with the square of the size (30,000 documents: 66 s; 25,000: 55–96 s depending on the load).
// 20,000 keeps the setup within about a minute; each verify then reads the collection once.
const DOCUMENTS = 20_000;
const BATCH = 5_000;

const reportSchema = z.object({
  ok: z.boolean(),
  tables: z.array(
    z.object({
      table: z.string(),
      status: z.string(),
      sourceRows: z.number().nullable(),
      missing: z.array(z.record(z.string(), z.string())),
      extra: z.array(z.record(z.string(), z.string())),
      different: z.array(z.record(z.string(), z.string())),
      mismatchedRanges: z.number(),
    }),
  ),
});

/** Every BSON type FerretDB stores, with edge values. */
const EVERY_TYPE: Document = {
  int32: new Int32(-2147483648),
  int64: Long.fromString('9223372036854775807'),
  int64Small: Long.fromNumber(5),
  double: new Double(0.1),
  wholeDouble: new Double(5),
  tiny: new Double(5e-324),
  huge: new Double(1.7976931348623157e308),
  date: new Date('1969-12-31T23:59:59.999Z'),
  farDate: new Date('9999-12-31T23:59:59.999Z'),
  binary: new Binary(Buffer.from([0, 1, 2, 255]), 0),
  uuid: new UUID('0e5d7a8c-1b2f-4c3d-9e8f-0a1b2c3d4e5f').toBinary(),
  userBinary: new Binary(Buffer.from('user'), 0x80),
  timestamp: new Timestamp({ t: 4_294_967_295, i: 7 }),
  regex: new BSONRegExp('^a.b$', 'imsx'),
  objectId: new ObjectId('65f0c1a2b3c4d5e6f7a8b9c0'),
  nested: { z: 1, a: { deeper: [{ x: null }, { y: [new Int32(1), 'two', true] }] } },
  array: [new Int32(1), Long.fromNumber(2), new Double(3), 'four', null, { five: false }],
  nothing: null,
  yes: true,
  no: false,
  text: 'héllo 🌍 "quoted" \\ back\ttab\nnewline\r\u0001\u001f\u007f \uffff',
  'key with spaces é': 'k',
  bb: 'same length keys sort by bytes',
  aa: 'second',
  z: 'shortest key first',
  emptyText: '',
  emptyObject: {},
  emptyArray: [],
};

/** `_id`s of every type FerretDB accepts, including strings stored in their quoted form. */
const IDS: readonly unknown[] = [
  'plain string',
  '65f0c1a2b3c4d5e6f7a8b9c0',
  'true',
  '{"looks": "like json"}',
  '"quoted"',
  'é',
  '😀',
  new Int32(42),
  new Int32(9),
  new Int32(10),
  Long.fromString('-9223372036854775808'),
  new Double(2.5),
  new Date(0),
  { compound: 'key', part: new Int32(1) },
  new Binary(Buffer.from('k')),
  true,
  new ObjectId('000000000000000000000000'),
];

/** Types FerretDB refuses; checked against PostgreSQL's jsonb text directly. */
const REFUSED_BY_FERRETDB: Document = {
  _id: new ObjectId('65f0c1a2b3c4d5e6f7a8b9c1'),
  decimal: Decimal128.fromString('1.10'),
  decimalBig: Decimal128.fromString('-9.999999999999999999999999999999999E+6144'),
  nan: new Double(Number.NaN),
  inf: new Double(Number.POSITIVE_INFINITY),
  negInf: new Double(Number.NEGATIVE_INFINITY),
  negZero: new Double(-0),
  nestedArrays: [[new Int32(1), [new Int32(2)]], []],
  minKey: new MinKey(),
  maxKey: new MaxKey(),
  code: new Code('function () { return "x"; }'),
  symbol: new BSONSymbol('sym'),
  dotted: { 'a.b': 1, $dollar: 2 },
};

async function verify(urls: { sourceUrl: string; targetUrl: string }, repair = false) {
  const result = await runCliProcess(['verify', '--json', ...(repair ? ['--repair'] : [])], urls);
  expect([0, 1], result.stderr.slice(-2000)).toContain(result.exitCode);
  return { exitCode: result.exitCode, report: reportSchema.parse(JSON.parse(result.stdout)) };
}

function ids(list: readonly Record<string, string>[]): string[] {
  return list.map((key) => key['_id'] ?? '');
}

describeWithServices(['postgres', 'ferretdb'], 'verify MongoDB → PostgreSQL', () => {
  let dbs: TestDatabases;
  let mongo: MongoTestDatabase;
  let urls: { sourceUrl: string; targetUrl: string };
  const plainIds: ObjectId[] = [];

  beforeAll(async () => {
    dbs = await createTestDatabases('dr_mongo_verify');
    mongo = await createMongoDatabase('dr_mongo_verify');
    const collection = mongo.client.db(mongo.name).collection('docs');
    for (let start = 0; start < DOCUMENTS; start += BATCH) {
      const batch: Document[] = [];
      for (let n = start; n < Math.min(DOCUMENTS, start + BATCH); n += 1) {
        const id = new ObjectId();
        plainIds.push(id);
        batch.push({
          _id: id,
          n: new Int32(n),
          s: `value ${n}`,
          at: new Date(1_700_000_000_000 + n),
        });
      }
      await collection.insertMany(batch, { ordered: false });
    }
    await collection.insertMany(IDS.map((id): Document => ({ _id: id, ...EVERY_TYPE })));
    urls = { sourceUrl: mongo.url, targetUrl: dbs.targetUrl };
    const init = await runCliProcess(['init', '-y', '--bus', 'memory'], urls);
    expect(init.exitCode, init.stderr.slice(-2000)).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await mongo?.drop();
    await dbs?.drop();
  });

  it('a freshly copied collection verifies clean, every BSON type and _id type', async () => {
    const { exitCode, report } = await verify(urls);
    expect(report.tables.map((t) => [t.table, t.status, t.sourceRows, t.mismatchedRanges])).toEqual(
      [[`${mongo.name}.docs`, 'ok', DOCUMENTS + IDS.length, 0]],
    );
    expect(exitCode).toBe(0);
  }, 300_000);

  it('names exactly the changed, deleted and inserted documents; --repair fixes them', async () => {
    const table = `"${mongo.name}".docs`;
    const changed = idText(plainIds[12_345]);
    const deleted = idText(new Int32(42));
    const inserted = new ObjectId().toHexString();
    await queryOnce(
      dbs.targetUrl,
      `UPDATE ${table} SET document = jsonb_set(document, '{s}', '"changed"') WHERE _id = $1`,
      [changed],
    );
    await queryOnce(dbs.targetUrl, `DELETE FROM ${table} WHERE _id = $1`, [deleted]);
    await queryOnce(dbs.targetUrl, `INSERT INTO ${table} VALUES ($1, $2)`, [
      inserted,
      JSON.stringify({ _id: { $oid: inserted }, n: { $numberInt: '1' } }),
    ]);
    const { exitCode, report } = await verify(urls);
    expect(exitCode).toBe(1);
    const [docs] = report.tables;
    expect(ids(docs?.different ?? [])).toEqual([changed]);
    expect(ids(docs?.missing ?? [])).toEqual([deleted]);
    expect(ids(docs?.extra ?? [])).toEqual([inserted]);

    const repaired = await verify(urls, true);
    expect(repaired.exitCode).toBe(0);
    expect(repaired.report.ok).toBe(true);
    const again = await verify(urls);
    expect(again.exitCode).toBe(0);
    expect(again.report.tables.map((t) => t.status)).toEqual(['ok']);
  }, 600_000);

  it('renders the types FerretDB refuses exactly as PostgreSQL prints the stored jsonb', async () => {
    const json = parseExactJson(BSON.EJSON.stringify(REFUSED_BY_FERRETDB, { relaxed: false }));
    const every = parseExactJson(BSON.EJSON.stringify(EVERY_TYPE, { relaxed: false }));
    const { rows } = await queryOnce(
      dbs.targetUrl,
      'SELECT $1::jsonb::text AS refused, $2::jsonb::text AS every',
      [JSON.stringify(json), JSON.stringify(every)],
    );
    expect(jsonbText(json)).toBe(rows[0]?.refused);
    expect(jsonbText(every)).toBe(rows[0]?.every);
  });
});
