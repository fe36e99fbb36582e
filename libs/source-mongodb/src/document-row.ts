/**
 * A document as the target row: `_id` text (id-text.ts) and the document's canonical Extended
 * JSON (document-json.ts), plus the content hash refresh mode compares.
 */
import type { Document } from 'mongodb';
import type { ChangeRow } from '@database-replicator/core';
import { DOCUMENT_COLUMN, ID_COLUMN } from './constants.js';
import { encodeDocument } from './document-json.js';
import { idText } from './id-text.js';

/** An encoded document. */
export type DocumentRow = Readonly<{ id: string; row: ChangeRow; hash: string }>;

/**
 * Encodes `document` of the collection `where` (`db.collection`, for errors).
 *
 * @throws ReplicatorError `REPL_MONGO_VALUE_UNSUPPORTED` as `encodeDocument` does.
 */
export function documentRow(document: Document, where: string): DocumentRow {
  const id = idText(document['_id']);
  const encoded = encodeDocument(document, `${where} _id ${id}`);
  return Object.freeze({
    id,
    row: Object.freeze({ [ID_COLUMN]: id, [DOCUMENT_COLUMN]: encoded.json }),
    hash: encoded.hash,
  });
}
