/**
 * The snapshot of one collection: one cursor over `find(after).sort({_id: 1})` read in batches of
 * `pageRows`, each batch yielded as a page, so memory holds one page and the extractor checkpoints
 * the last `_id` of each page. A restart resumes with a new cursor after that `_id`
 * (id-order.ts). One sorted cursor rather than one `limit` query per page: servers without sort
 * pushdown (FerretDB) would scan the whole collection for every page. Documents changed while the
 * scan runs are corrected by the change stream or refresh, which start from a position taken
 * before the first page.
 */
import type { Collection, Document } from 'mongodb';
import type { ChangeKey } from '@database-replicator/core';
import type { SnapshotReadOptions } from '@database-replicator/pipeline';
import { ID_COLUMN } from './constants.js';
import { documentRow, type DocumentRow } from './document-row.js';
import { idFromText } from './id-text.js';
import { afterIdFilter } from './id-order.js';
import { mongoFailure } from './mongo-call.js';

/** BSON options of every document read: keep each number's type and every regex. */
export const READ_OPTIONS = Object.freeze({ promoteValues: false, bsonRegExp: true });

/** One page of encoded documents. */
export type SnapshotPage = readonly DocumentRow[];

/**
 * Reads `collection` after the `_id` of `after` (from the start when `null`), in pages of at most
 * `options.pageRows` documents.
 *
 * @throws ReplicatorError `REPL_MONGO_QUERY_FAILED` when the cursor fails,
 *   `REPL_MONGO_VALUE_UNSUPPORTED` for a document jsonb cannot hold.
 */
export async function* readMongoSnapshot(
  collection: Collection,
  after: ChangeKey | null,
  options: SnapshotReadOptions,
): AsyncGenerator<SnapshotPage> {
  const afterId = after === null ? undefined : after[ID_COLUMN];
  const filter = typeof afterId === 'string' ? afterIdFilter(idFromText(afterId)) : {};
  const where = `${collection.dbName}.${collection.collectionName}`;
  const cursor = collection.find(filter, READ_OPTIONS).sort({ _id: 1 }).batchSize(options.pageRows);
  try {
    let page: Document[] = [];
    for await (const document of cursor) {
      if (options.signal?.aborted === true) return;
      page.push(document);
      if (page.length >= options.pageRows) {
        yield page.map((item) => documentRow(item, where));
        page = [];
      }
    }
    if (page.length > 0) yield page.map((item) => documentRow(item, where));
  } catch (error) {
    throw mongoFailure(`Reading the snapshot of ${where}`, error);
  } finally {
    await cursor.close();
  }
}
