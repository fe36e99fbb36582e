/**
 * The snapshot of one collection: a cursor over `find(after).sort({_id: 1})` read in batches of
 * `pageRows`, yielded as pages, so memory holds one batch and one page, and the extractor
 * checkpoints the last `_id` of each page. The extractor closes the read after each page: the
 * cursor is then parked (snapshot-cursors.ts) and the next read, after the `_id` it stopped at,
 * goes on with it, so a collection costs one query however many pages it has. FerretDB has no
 * sort pushdown: a query per page would scan and sort the rest of the collection each time.
 *
 * A read after another `_id` (a restart from a checkpoint) opens a new cursor after it
 * (id-order.ts); so does a parked cursor the server dropped meanwhile (MongoDB kills cursors idle
 * for 10 minutes, and cursors of sessions idle for 30): it is reopened once, after the last
 * `_id` it returned. Documents changed while the scan runs are corrected by the change stream or
 * refresh, which start from a position taken before the first page.
 */
import type { Collection, Document } from 'mongodb';
import type { ChangeKey } from '@database-replicator/core';
import type { SnapshotReadOptions } from '@database-replicator/pipeline';
import { ID_COLUMN } from './constants.js';
import { documentRow, type DocumentRow } from './document-row.js';
import { idFromText, idText } from './id-text.js';
import { afterIdFilter } from './id-order.js';
import { mongoFailure } from './mongo-call.js';
import { closeQuietly, type SnapshotCursors, type SnapshotScan } from './snapshot-cursors.js';

/** BSON options of every document read: keep each number's type and every regex. */
export const READ_OPTIONS = Object.freeze({ promoteValues: false, bsonRegExp: true });

/** One page of encoded documents. */
export type SnapshotPage = readonly DocumentRow[];

/**
 * Reads `collection` after the `_id` of `after` (from the start when `null`), in pages of at most
 * `options.pageRows` documents. With `cursors`, a read stopped by its caller after a full page
 * parks its cursor there for the read after that page's last `_id`.
 *
 * @throws ReplicatorError `REPL_MONGO_QUERY_FAILED` when the cursor fails,
 *   `REPL_MONGO_VALUE_UNSUPPORTED` for a document jsonb cannot hold.
 */
export async function* readMongoSnapshot(
  collection: Collection,
  after: ChangeKey | null,
  options: SnapshotReadOptions,
  cursors?: SnapshotCursors,
): AsyncGenerator<SnapshotPage> {
  const where = `${collection.dbName}.${collection.collectionName}`;
  const afterId = after?.[ID_COLUMN];
  const startId = typeof afterId === 'string' ? afterId : null;
  const parked = await cursors?.take(where, startId);
  const scan = parked ?? { cursor: openScan(collection, startId, options.pageRows), lastId: null };
  let reopen = parked !== undefined;
  let park = false;
  try {
    while (options.signal?.aborted !== true) {
      park = false;
      const documents = await nextDocuments(scan, options.pageRows, () => {
        if (!reopen) return false;
        reopen = false;
        scan.cursor = openScan(collection, scan.lastId, options.pageRows);
        return true;
      });
      if (documents.length === 0) return;
      const page = documents.map((item) => documentRow(item, where));
      // A short page ended the cursor: nothing to continue.
      park = documents.length === options.pageRows;
      yield page;
    }
  } catch (error) {
    park = false;
    throw mongoFailure(`Reading the snapshot of ${where}`, error);
  } finally {
    if (park && cursors !== undefined && options.signal?.aborted !== true) {
      await cursors.park(where, scan, options.signal);
    } else {
      await closeQuietly(scan);
    }
  }
}

function openScan(collection: Collection, afterId: string | null, batchRows: number) {
  const filter = afterId === null ? {} : afterIdFilter(idFromText(afterId));
  return collection.find(filter, READ_OPTIONS).sort({ _id: 1 }).batchSize(batchRows);
}

/**
 * Up to `count` documents from `scan`, advancing `scan.lastId`. When the cursor fails and
 * `reopened()` (which replaces `scan.cursor`) returns true, reading goes on from the new cursor.
 */
async function nextDocuments(
  scan: SnapshotScan,
  count: number,
  reopened: () => boolean,
): Promise<Document[]> {
  const documents: Document[] = [];
  while (documents.length < count) {
    let document: Document | null;
    try {
      document = await scan.cursor.next();
    } catch (error) {
      await closeQuietly(scan);
      if (!reopened()) throw error;
      continue;
    }
    if (document === null) break;
    documents.push(document);
    scan.lastId = idText(document['_id']);
  }
  return documents;
}
