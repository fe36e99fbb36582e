/**
 * Names this lib gives target columns and the databases it never replicates.
 */

/** The key column: the document's `_id` in its canonical text form (id-text.ts). */
export const ID_COLUMN = '_id';

/** The column holding the whole document as canonical Extended JSON v2 (document-json.ts). */
export const DOCUMENT_COLUMN = 'document';

/** Server databases that hold no application data. */
export const SYSTEM_DATABASES: ReadonlySet<string> = new Set(['admin', 'local', 'config']);

/** Collections named `system.*` are the server's own (views, profiles, buckets). */
export const SYSTEM_COLLECTION_PREFIX = 'system.';

/** MongoDB's ChangeStreamHistoryLost: the resume point is no longer in the oplog. */
export const CHANGE_STREAM_HISTORY_LOST = 286;

/** Older servers report a lost resume point as ChangeStreamFatalError with this message. */
export const HISTORY_LOST_MESSAGE =
  /resume (?:point|of change stream)[^]*(?:no longer|not possible)/i;
