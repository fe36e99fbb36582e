/**
 * The one encoder from a BSON document to the `document` column, shared by the snapshot, the
 * change stream and the refresh scan so all three send the same value for the same document.
 * The form is canonical Extended JSON v2 (every number typed: `$numberInt`, `$numberLong`,
 * `$numberDouble`, `$numberDecimal`), which `EJSON.parse(…, { relaxed: false })` turns back into
 * the same BSON values; docs/type-mapping.md ("MongoDB") lists each type. Documents must be read
 * with `promoteValues: false` and `bsonRegExp: true`, or Double 5.0 would come back as Int32 5.
 */
import { createHash } from 'node:crypto';
import { BSON, type Document } from 'mongodb';
import { parseExactJson, replicatorError, type JsonValue } from '@database-replicator/core';

/** An encoded document. */
export type EncodedDocument = Readonly<{
  /** Canonical Extended JSON v2 as a JSON value, for the jsonb column. */
  json: JsonValue;
  /** A digest of the Extended JSON text (types, values and key order), for refresh comparisons. */
  hash: string;
}>;

/** An escaped NUL character that is not itself an escaped backslash followed by `u0000`. */
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/**
 * Encodes `document` of `collection` (`where` names it and the `_id` for errors).
 *
 * @throws ReplicatorError `REPL_MONGO_VALUE_UNSUPPORTED` for a NUL character in a string, which
 *   PostgreSQL's jsonb cannot store.
 */
export function encodeDocument(document: Document, where: string): EncodedDocument {
  const text = BSON.EJSON.stringify(document, { relaxed: false });
  if (ESCAPED_NUL.test(text)) {
    throw replicatorError(
      'REPL_MONGO_VALUE_UNSUPPORTED',
      `Document ${where} holds a string with a NUL character, which PostgreSQL jsonb cannot store`,
      {
        fix: 'Remove the NUL characters from the document, or leave the collection out of the replication.',
      },
    );
  }
  return Object.freeze({ json: parseExactJson(text), hash: hashText(text) });
}

/** The refresh hash of an Extended JSON text: 96 bits of SHA-256, base64url. */
export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}
