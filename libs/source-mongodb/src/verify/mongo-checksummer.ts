/**
 * One MongoDB collection as the source side of cross-engine verify (libs/pipeline's
 * TableChecksummer, matched structurally).
 *
 * Key order: ranges are evaluated on both sides, so both must order keys alike. The target's key
 * is the `_id` text (id-text.ts), ordered bytewise (`COLLATE "C"`); MongoDB orders `_id` by BSON
 * type, then value, which differs as soon as `_id`s are not all ObjectIds (`{"$numberInt":"10"}`
 * sorts before `{"$numberInt":"9"}` as text, and every string before every ObjectId in BSON).
 * So this side orders by the text too: each planning pass reads the collection once with one
 * plain cursor (no sort, no filter: FerretDB evaluates neither on the server, so every further
 * query would scan the collection again), keeps each document's `_id` text and 60-bit row hash,
 * and sorts them by the text's UTF-8 bytes. Ranges, boundaries and row hashes are then answered
 * from memory, about 100 bytes per document (docs/verify.md, "SQLite and MongoDB").
 *
 * Row hash: the first 60 bits of the MD5 of `v<_id text>` U+001F `v<document as jsonb prints
 * it>`, which the PostgreSQL side computes in SQL from the stored row (libs/postgres
 * canonical-sql.ts, both columns rendered as text).
 */
import { hash } from 'node:crypto';
import { jsonbText } from '@database-replicator/core';
import type { Collection } from 'mongodb';
import { encodeDocument } from '../document-json.js';
import { idText } from '../id-text.js';
import { mongoFailure } from '../mongo-call.js';
import { READ_OPTIONS } from '../snapshot.js';

/** A key range as the verifier passes it: text key values, open ends as null. */
export type MongoKeyRange = Readonly<{
  after: readonly string[] | null;
  upTo: readonly string[] | null;
}>;

/** A side of a collection; the shape of libs/pipeline's TableChecksummer. */
export type MongoChecksummer = Readonly<{
  planBoundaries(chunkRows: number): AsyncIterable<readonly string[]>;
  hashRange(range: MongoKeyRange): Promise<Readonly<{ rows: number; hash: string }>>;
  keyAt(range: MongoKeyRange, offset: number): Promise<readonly string[] | null>;
  rowHashes(
    range: MongoKeyRange,
  ): Promise<readonly Readonly<{ key: readonly string[]; hash: string }>[]>;
}>;

/** The `_id` texts of a collection in bytewise order, with each document's row hash. */
type SortedCollection = Readonly<{ keys: readonly string[]; hashes: BigUint64Array }>;

const SEPARATOR = '\u001f';
const BATCH_DOCUMENTS = 1000;
/** Characters whose UTF-16 order differs from their UTF-8 byte order (surrogates and above). */
const HIGH_CHARACTERS = /[\ud800-\uffff]/;

function hashOf(text: string): bigint {
  return hash('md5', text, 'buffer').readBigUInt64BE(0) >> 4n;
}

function comparePlain(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares by UTF-8 bytes, as PostgreSQL's `COLLATE "C"` does. */
function compareBytes(a: string, b: string): number {
  if (HIGH_CHARACTERS.test(a) || HIGH_CHARACTERS.test(b)) {
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  }
  return comparePlain(a, b);
}

/** The number of keys ≤ `key` (keys sorted). */
function countUpTo(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareBytes(keys[middle] ?? '', key) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** `[start, end)` of `range` in the sorted keys. */
function bounds(sorted: SortedCollection, range: MongoKeyRange): [number, number] {
  const start = range.after === null ? 0 : countUpTo(sorted.keys, range.after[0] ?? '');
  const end =
    range.upTo === null ? sorted.keys.length : countUpTo(sorted.keys, range.upTo[0] ?? '');
  return [start, Math.max(start, end)];
}

async function readSorted(collection: Collection): Promise<SortedCollection> {
  const where = `${collection.dbName}.${collection.collectionName}`;
  const keys: string[] = [];
  const hashes: bigint[] = [];
  const cursor = collection.find({}, READ_OPTIONS).batchSize(BATCH_DOCUMENTS);
  try {
    for await (const document of cursor) {
      const id = idText(document['_id']);
      const { json } = encodeDocument(document, `${where} _id ${id}`);
      keys.push(id);
      hashes.push(hashOf(`v${id}${SEPARATOR}v${jsonbText(json)}`));
    }
  } catch (error) {
    throw mongoFailure(`Reading ${where} for verify`, error);
  } finally {
    await cursor.close();
  }
  const order = keys.map((_, index) => index);
  // Most collections have no key where UTF-16 and UTF-8 orders differ: compare plainly then.
  const compare = keys.some((key) => HIGH_CHARACTERS.test(key)) ? compareBytes : comparePlain;
  order.sort((a, b) => compare(keys[a] ?? '', keys[b] ?? ''));
  return Object.freeze({
    keys: order.map((index) => keys[index] ?? ''),
    hashes: BigUint64Array.from(order, (index) => hashes[index] ?? 0n),
  });
}

/**
 * Creates the checksummer of one collection. Each `planBoundaries` call (one per verify pass)
 * reads the collection again; the other methods answer from the latest read, reading once if
 * none was made yet.
 */
export function createMongoChecksummer(collection: Collection): MongoChecksummer {
  let latest: Promise<SortedCollection> | undefined;
  const current = (): Promise<SortedCollection> => (latest ??= readSorted(collection));

  return Object.freeze({
    async *planBoundaries(chunkRows: number) {
      latest = readSorted(collection);
      const { keys } = await latest;
      for (let index = chunkRows - 1; index < keys.length; index += chunkRows) {
        yield [keys[index] ?? ''];
      }
    },
    async hashRange(range: MongoKeyRange) {
      const sorted = await current();
      const [start, end] = bounds(sorted, range);
      let sum = 0n;
      for (let index = start; index < end; index += 1) sum += sorted.hashes[index] ?? 0n;
      return Object.freeze({ rows: end - start, hash: sum.toString() });
    },
    async keyAt(range: MongoKeyRange, offset: number) {
      const sorted = await current();
      const [start, end] = bounds(sorted, range);
      const key = start + offset < end ? sorted.keys[start + offset] : undefined;
      return key === undefined ? null : [key];
    },
    async rowHashes(range: MongoKeyRange) {
      const sorted = await current();
      const [start, end] = bounds(sorted, range);
      const rows: Readonly<{ key: readonly string[]; hash: string }>[] = [];
      for (let index = start; index < end; index += 1) {
        const hash = sorted.hashes[index] ?? 0n;
        rows.push(Object.freeze({ key: [sorted.keys[index] ?? ''], hash: hash.toString() }));
      }
      return rows;
    },
  });
}
