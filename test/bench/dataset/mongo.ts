/**
 * The dataset in MongoDB (FerretDB here), database `bench`: insertMany in unordered batches of
 * 2,000 documents.
 */
import { MongoClient, type Db, type Document } from 'mongodb';
import type { GeneratedDataset, NormalizedOrder } from './generated-dataset.js';
import {
  COLLECTIONS,
  customerDoc,
  documentDoc,
  eventDoc,
  objectIdFor,
  orderDoc,
  type BenchDocument,
  type CollectionName,
} from './mongo-docs.js';
import { customerRow, documentRow, eventRow, orderItemFor, orderRow } from './rows.js';
import { tableRowCounts, type DatasetSpec } from './spec.js';
import { canonicalJson, parseCents } from './values.js';

/** The MongoDB database the dataset lives in. */
export const MONGO_BENCH_DATABASE = 'bench';

const DOCS_PER_BATCH = 2000;

/** A client for the benchmark; fails fast (3 s) when the server is not there. */
export async function connectMongo(url: URL): Promise<MongoClient> {
  const client = new MongoClient(url.href, {
    serverSelectionTimeoutMS: 3000,
    connectTimeoutMS: 3000,
  });
  client.on('error', () => undefined); // reported by the failing operation instead
  await client.connect();
  return client;
}

function* documentsOf(spec: DatasetSpec, collection: CollectionName): Generator<BenchDocument> {
  const counts = tableRowCounts(spec);
  switch (collection) {
    case 'customers':
      for (let id = 1; id <= counts.customers; id++) yield customerDoc(customerRow(spec, id));
      return;
    case 'orders': {
      // order_items row j belongs to order ceil(j/2): orders 1..ceil(items/2) carry lines.
      const lastWithItems = Math.ceil(counts.order_items / 2);
      for (let id = 1; id <= counts.orders; id++) {
        const lines =
          id > lastWithItems
            ? []
            : [1, 2].filter((line) => (id - 1) * 2 + line <= counts.order_items);
        yield orderDoc(
          orderRow(spec, id),
          lines.map((line) => orderItemFor(spec, id, line)),
        );
      }
      return;
    }
    case 'events':
      for (let seq = 1; seq <= counts.events; seq++) yield eventDoc(eventRow(spec, seq));
      return;
    case 'documents':
      for (let id = 1; id <= counts.documents; id++) yield documentDoc(documentRow(spec, id));
      return;
  }
}

/**
 * Loads one collection; returns the documents inserted. Counted from the inserts, not with
 * countDocuments: FerretDB counts by scanning (about 3,000 documents/s here).
 */
async function loadCollection(db: Db, spec: DatasetSpec, name: CollectionName): Promise<number> {
  const collection = db.collection<BenchDocument>(name);
  // One batch in flight while the next is built; the loop only yields at the await, so the
  // pending insert always has its handler attached before it can settle.
  let pending: Promise<number> = Promise.resolve(0);
  let inserted = 0;
  let batch: BenchDocument[] = [];
  const insert = async (docs: BenchDocument[]): Promise<number> =>
    (await collection.insertMany(docs, { ordered: false })).insertedCount;
  try {
    for (const doc of documentsOf(spec, name)) {
      batch.push(doc);
      if (batch.length >= DOCS_PER_BATCH) {
        inserted += await pending;
        pending = insert(batch);
        batch = [];
      }
    }
    inserted += await pending;
    pending = Promise.resolve(0);
    if (batch.length > 0) inserted += await insert(batch);
    return inserted;
  } finally {
    await pending.catch(() => 0); // its failure was already thrown by the await above
  }
}

/** (Re)creates `bench` on MongoDB and fills it. */
export async function generateMongoDataset(url: URL, spec: DatasetSpec): Promise<GeneratedDataset> {
  const client = await connectMongo(url);
  try {
    const db = client.db(MONGO_BENCH_DATABASE);
    await db.dropDatabase();
    const counts: Record<string, number> = {};
    for (const name of COLLECTIONS) counts[name] = await loadCollection(db, spec, name);
    await db.collection('events').createIndex({ order_id: 1 }, { name: 'events_order_id_idx' });
    const stats = await db.command({ dbStats: 1 });
    const build = await db.admin().command({ buildInfo: 1 });
    const ferret =
      typeof build['ferretdbVersion'] === 'string' ? ` (FerretDB ${build['ferretdbVersion']})` : '';
    return {
      engine: `MongoDB wire ${String(build['version'] ?? '?')}${ferret}`,
      location: `database ${MONGO_BENCH_DATABASE}`,
      counts,
      sizeBytes: Number(stats['totalSize'] ?? stats['storageSize'] ?? 0),
    };
  } finally {
    await client.close();
  }
}

/** Drops `bench` on MongoDB. */
export async function dropMongoDataset(url: URL): Promise<void> {
  const client = await connectMongo(url);
  try {
    await client.db(MONGO_BENCH_DATABASE).dropDatabase();
  } finally {
    await client.close();
  }
}

/** Reads orders back for the sample check (dates have millisecond precision). */
export async function readMongoOrders(
  url: URL,
  ids: readonly number[],
): Promise<NormalizedOrder[]> {
  const client = await connectMongo(url);
  try {
    // One findOne per id: FerretDB looks up `_id` equality directly, but scans for `$in`.
    const orders = client.db(MONGO_BENCH_DATABASE).collection<BenchDocument>('orders');
    const docs: Document[] = [];
    for (const id of ids) {
      const doc = await orders.findOne({ _id: objectIdFor('orders', id) });
      if (doc !== null) docs.push(doc);
    }
    return docs.map((d) => ({
      id: Number(d['id']),
      customerId: Number(d['customer_id']),
      quantity: Number(d['quantity']),
      status: String(d['status']),
      amountCents: parseCents(Number(d['amount'])),
      note: d['note'] === null ? null : String(d['note']),
      createdAtUs: d['created_at'] instanceof Date ? d['created_at'].getTime() * 1000 : Number.NaN,
      attrs: canonicalJson(d['attrs']),
    }));
  } finally {
    await client.close();
  }
}
