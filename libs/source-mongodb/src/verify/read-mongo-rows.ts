/**
 * Documents by `_id` text for `verify --repair`, read and encoded exactly as the snapshot reads
 * and encodes them (`documentRow`), so that repaired rows are written as replication writes
 * them. One `$in` query per batch: on FerretDB each query scans the collection, so batches are
 * large.
 */
import type { Collection, Document } from 'mongodb';
import type { ChangeRow } from '@database-replicator/core';
import { documentRow } from '../document-row.js';
import { idFromText } from '../id-text.js';
import { mongoFailure } from '../mongo-call.js';
import { READ_OPTIONS } from '../snapshot.js';

const IDS_PER_QUERY = 1000;

/** The `_id` of a key text; none for a text no `_id` has (a key only the target holds). */
function sourceId(text: string): unknown[] {
  try {
    return [idFromText(text)];
  } catch {
    return [];
  }
}

/**
 * The documents of `keys` (one `_id` text each) that exist, as target rows.
 *
 * @throws ReplicatorError `REPL_MONGO_QUERY_FAILED` when a read fails,
 *   `REPL_MONGO_VALUE_UNSUPPORTED` for a document jsonb cannot hold.
 */
export async function readMongoRows(
  collection: Collection,
  keys: readonly (readonly string[])[],
): Promise<ChangeRow[]> {
  const where = `${collection.dbName}.${collection.collectionName}`;
  const rows: ChangeRow[] = [];
  for (let start = 0; start < keys.length; start += IDS_PER_QUERY) {
    const ids = keys.slice(start, start + IDS_PER_QUERY).flatMap((key) => sourceId(key[0] ?? ''));
    if (ids.length === 0) continue;
    // `_id`s of any BSON type: a plain Document filter, not the driver's ObjectId-typed one.
    const filter: Document = { _id: { $in: ids } };
    try {
      for await (const document of collection.find(filter, READ_OPTIONS)) {
        rows.push(documentRow(document, where).row);
      }
    } catch (error) {
      throw mongoFailure(`Reading documents to repair of ${where}`, error);
    }
  }
  return rows;
}
