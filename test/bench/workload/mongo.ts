/**
 * The change workload on MongoDB (FerretDB): no multi-document transactions there, so a batch is
 * a sequence of ordered bulkWrites, one per run of consecutive changes to the same collection.
 * Each change touches one document; a new order carries its first item inside `items`.
 */
import type { AnyBulkWriteOperation, MongoClient } from 'mongodb';
import { connectMongo, MONGO_BENCH_DATABASE } from '../dataset/mongo.js';
import {
  customerDoc,
  documentDoc,
  eventDoc,
  objectIdFor,
  orderDoc,
  type BenchDocument,
  type CollectionName,
} from '../dataset/mongo-docs.js';
import type { Change } from './plan.js';
import type { WorkloadTarget } from './workload-target.js';

type Op = Readonly<{ collection: CollectionName; op: AnyBulkWriteOperation<BenchDocument> }>;

function opsOf(change: Change): Op[] {
  switch (change.kind) {
    case 'insert-order':
      return [
        {
          collection: 'orders',
          op: { insertOne: { document: orderDoc(change.order, [change.item]) } },
        },
      ];
    case 'update-order':
      return [
        {
          collection: 'orders',
          op: {
            updateOne: {
              filter: { _id: objectIdFor('orders', change.id) },
              update: {
                $set: {
                  status: change.status,
                  amount: change.amountCents / 100,
                  note: change.note,
                },
              },
            },
          },
        },
      ];
    case 'delete-order':
      return [
        {
          collection: 'orders',
          op: { deleteOne: { filter: { _id: objectIdFor('orders', change.id) } } },
        },
      ];
    case 'update-customer':
      return [
        {
          collection: 'customers',
          op: {
            updateOne: {
              filter: { _id: objectIdFor('customers', change.id) },
              update: { $set: { email: change.email } },
            },
          },
        },
      ];
    case 'insert-event':
      return [{ collection: 'events', op: { insertOne: { document: eventDoc(change.event) } } }];
    case 'update-event':
      return [
        {
          collection: 'events',
          op: {
            updateOne: {
              filter: { _id: objectIdFor('events', change.seq) },
              update: { $set: { kind: change.eventKind } },
            },
          },
        },
      ];
    case 'delete-event':
      return [
        {
          collection: 'events',
          op: { deleteOne: { filter: { _id: objectIdFor('events', change.seq) } } },
        },
      ];
    case 'update-document':
      return [
        {
          collection: 'documents',
          op: {
            updateOne: {
              filter: { _id: objectIdFor('documents', change.id) },
              update: {
                $set: {
                  title: change.title,
                  updated_at: new Date(Math.floor(change.updatedAtUs / 1000)),
                },
              },
            },
          },
        },
      ];
    case 'sentinels':
      return [
        {
          collection: 'orders',
          op: { insertOne: { document: orderDoc(change.rows.order, [change.rows.item]) } },
        },
        {
          collection: 'customers',
          op: { insertOne: { document: customerDoc(change.rows.customer) } },
        },
        { collection: 'events', op: { insertOne: { document: eventDoc(change.rows.event) } } },
        {
          collection: 'documents',
          op: { insertOne: { document: documentDoc(change.rows.document) } },
        },
      ];
  }
}

export class MongoWorkload implements WorkloadTarget {
  readonly #client: MongoClient;

  private constructor(client: MongoClient) {
    this.#client = client;
  }

  static async open(url: URL): Promise<MongoWorkload> {
    return new MongoWorkload(await connectMongo(url));
  }

  async apply(changes: readonly Change[]): Promise<number> {
    const db = this.#client.db(MONGO_BENCH_DATABASE);
    const ops = changes.flatMap(opsOf);
    for (let start = 0; start < ops.length;) {
      const collection = ops[start]?.collection ?? 'orders';
      let end = start;
      while (end < ops.length && ops[end]?.collection === collection) end++;
      await db.collection<BenchDocument>(collection).bulkWrite(
        ops.slice(start, end).map((o) => o.op),
        { ordered: true },
      );
      start = end;
    }
    return ops.length;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
