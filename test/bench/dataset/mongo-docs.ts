/**
 * The dataset as MongoDB documents: the same rows, with field names equal to the SQL column names
 * so a replicator's mapping is comparable, JSON columns as nested objects and arrays, and
 * order_items embedded in their order as an `items` array (the shape a document model gives them).
 * `_id` is an ObjectId derived from the row's key (which is also kept as `id`): what applications
 * usually store, and the only numeric-free key FerretDB 1.24's SQLite backend looks up without a
 * full scan (it pushes `_id` equality down for ObjectIds and strings, not numbers).
 * BSON dates hold milliseconds: the sixth fraction digit of the timestamps is lost here. Money is
 * a double (cents / 100): FerretDB 1.24 does not support Decimal128 (it drops the connection with
 * "invalid BSON type wirebson.Decimal128"), and doubles are what many MongoDB applications store.
 */
import { Binary, ObjectId, type Document } from 'mongodb';
import type { CustomerRow, DocumentRow, EventRow, OrderItemRow, OrderRow } from './spec.js';

/** Collections, in load order; order_items live inside `orders`. */
export const COLLECTIONS = ['customers', 'orders', 'events', 'documents'] as const;

export type CollectionName = (typeof COLLECTIONS)[number];

/** A benchmark document: always keyed by an ObjectId (see objectIdFor). */
export type BenchDocument = Document & { _id: ObjectId };

const ID_PREFIX: Readonly<Record<CollectionName, string>> = {
  customers: 'c1',
  orders: 'a1',
  events: 'be',
  documents: 'd1',
};

/**
 * The ObjectId of row `key` of `collection`: a per-collection prefix and the key in hex, so ids
 * are stable across runs and sort like the keys.
 */
export function objectIdFor(collection: CollectionName, key: number): ObjectId {
  return ObjectId.createFromHexString(
    `${ID_PREFIX[collection]}${key.toString(16).padStart(22, '0')}`,
  );
}

const usToDate = (us: number): Date => new Date(Math.floor(us / 1000));

export function customerDoc(r: CustomerRow): BenchDocument {
  return {
    _id: objectIdFor('customers', r.id),
    id: r.id,
    name: r.name,
    email: r.email,
    country: r.country,
    created_at: usToDate(r.createdAtUs),
  };
}

export function itemDoc(r: OrderItemRow): Document {
  return {
    line_no: r.lineNo,
    sku: r.sku,
    quantity: r.quantity,
    unit_price: r.unitPriceCents / 100,
  };
}

export function orderDoc(r: OrderRow, items: readonly OrderItemRow[]): BenchDocument {
  return {
    _id: objectIdFor('orders', r.id),
    id: r.id,
    customer_id: r.customerId,
    quantity: r.quantity,
    status: r.status,
    amount: r.amountCents / 100,
    note: r.note,
    created_at: usToDate(r.createdAtUs),
    attrs: { ...r.attrs, tags: [...r.attrs.tags] },
    items: items.map(itemDoc),
  };
}

/** Events have no key in SQL; in MongoDB their position `seq` names them. */
export function eventDoc(r: EventRow): BenchDocument {
  return {
    _id: objectIdFor('events', r.seq),
    order_id: r.orderId,
    kind: r.kind,
    occurred_at: usToDate(r.occurredAtUs),
    payload: r.payload === null ? null : { ...r.payload },
  };
}

export function documentDoc(r: DocumentRow): BenchDocument {
  return {
    _id: objectIdFor('documents', r.id),
    id: r.id,
    title: r.title,
    author: r.author,
    version: r.version,
    lang: r.lang,
    page_count: r.pageCount,
    checksum: r.checksum,
    created_at: usToDate(r.createdAtUs),
    updated_at: usToDate(r.updatedAtUs),
    body: r.body,
    content: new Binary(r.content),
  };
}
