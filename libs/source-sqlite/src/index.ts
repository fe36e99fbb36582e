/**
 * @database-replicator/source-sqlite — a SQLite file as a pipeline source: typed tables from
 * declared types (docs/type-mapping.md, "SQLite"), a keyset-paginated snapshot, and change
 * capture by a trigger changelog inside the file. Each export carries its TSDoc at its
 * definition.
 */

// The source
export { SqliteChangeSource, createSqliteSource } from './sqlite-source.js';
export { SQLITE_SOURCE_DEFAULTS } from './config.js';
export type { SqliteSourceOptions } from './config.js';
export { sqlitePathOf } from './sqlite-path.js';

// Change capture commands
export { installCapture, removeCapture } from './capture-commands.js';
export type { CaptureOptions } from './capture-commands.js';
export type { CaptureChange } from './capture.js';
export { CHANGELOG_TABLE, ROWID_COLUMN, TRIGGER_PREFIX } from './constants.js';

// Types and values (pure)
export { mapSqliteType, sqliteAffinity } from './type-map.js';
export type { SqliteAffinity, SqliteTypeMapping, SqliteValueKind } from './type-map.js';
export { encodeSqliteValue, isSqliteValue } from './sqlite-wire-value.js';
export type { SqliteValue, WireColumn } from './sqlite-wire-value.js';

// Cross-engine verify (issue 7): the SQLite side of verify and repair against libs/postgres's
// canonical target
export { openSqliteVerify } from './verify/open-sqlite-verify.js';
export type {
  SqliteVerifyOptions,
  SqliteVerifySession,
  SqliteVerifyTable,
} from './verify/open-sqlite-verify.js';
export type { SqliteChecksummer, SqliteKeyRange } from './verify/sqlite-checksummer.js';
export type { SqliteCanonicalKind } from './verify/sqlite-canonical-text.js';
