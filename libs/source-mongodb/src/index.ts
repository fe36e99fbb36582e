/**
 * @database-replicator/source-mongodb — a MongoDB deployment (or FerretDB) as a pipeline source:
 * one table per collection (`_id` text key, the document as canonical Extended JSON in jsonb;
 * docs/type-mapping.md, "MongoDB"), a snapshot in `_id` order, and change capture by change
 * streams or, on servers without them, by periodic refresh (README.md). Each export carries its
 * TSDoc at its definition.
 */

// The source
export { MongoChangeSource, createMongoSource } from './mongodb-source.js';
export { MONGO_SOURCE_DEFAULTS, parseMongoUrl } from './config.js';
export type { MongoCaptureMode, MongoSourceOptions } from './config.js';
export { readServerInfo } from './introspect.js';
export type { MongoServerInfo } from './introspect.js';
export { DOCUMENT_COLUMN, ID_COLUMN } from './constants.js';
export { MONGO_TABLE_COLUMNS } from './type-map.js';

// Values and change-stream logic (pure)
export { idFromText, idText } from './id-text.js';
export { encodeDocument, hashText } from './document-json.js';
export type { EncodedDocument } from './document-json.js';
export { afterIdFilter, typeRank } from './id-order.js';
export { changeStreamEvent } from './change-event.js';
export type { StreamOrigin } from './change-event.js';
export { isHistoryLost, streamFailure } from './history-lost.js';
export { refreshPosition, refreshSequenceOf, resumeTokenOf, streamPosition } from './position.js';
export { RefreshStateStore, addHash } from './refresh-state.js';
export type { LoadedRefreshState, RefreshState } from './refresh-state.js';

// validate (issue 8): version, capture mode, privileges
export { validateMongo } from './validate-mongo.js';
export type {
  MongoValidationCheck,
  MongoValidationReport,
  ValidateMongoOptions,
} from './validate-mongo.js';

// Cross-engine verify (issue 7): the MongoDB side of verify and repair against libs/postgres's
// canonical target (`_id` and `document` compared as text)
export { openMongoVerify } from './verify/open-mongo-verify.js';
export type {
  MongoVerifyOptions,
  MongoVerifySession,
  MongoVerifyTable,
} from './verify/open-mongo-verify.js';
export type { MongoChecksummer, MongoKeyRange } from './verify/mongo-checksummer.js';

// Snapshot reads (issue 8, task F): one sorted cursor per collection, parked between pages
export { readMongoSnapshot } from './snapshot.js';
export type { SnapshotPage } from './snapshot.js';
export { SnapshotCursors } from './snapshot-cursors.js';
export type { SnapshotScan } from './snapshot-cursors.js';
