/**
 * The capture commands a user (or the CLI) runs on a source file: install the changelog and
 * triggers, or remove them again. Each runs in one write transaction, so a concurrent writer's
 * transaction is either entirely before (not captured) or entirely after (captured).
 */
import { replicatorError, type Logger } from '@database-replicator/core';
import { installCaptureOn, removeCaptureOn, type CaptureChange } from './capture.js';
import { SQLITE_SOURCE_DEFAULTS } from './config.js';
import { introspectSqliteTable, listSqliteTables } from './introspect.js';
import { openSqlite, sqliteCall } from './open-sqlite.js';

/** Options of {@link installCapture} and {@link removeCapture}. */
export type CaptureOptions = Readonly<{
  /** How long to wait for a writer's lock, ms. Default 5000. */
  busyTimeoutMs?: number;
  /** Receives warnings about indexes that are not translated. Default: none. */
  logger?: Logger;
}>;

/**
 * Installs change capture in the SQLite file at `file` for `tables` (SQLite table names;
 * default: every replicable table): the `_dr_changelog` and `_dr_capture_columns` tables and
 * AFTER INSERT/UPDATE/DELETE triggers. Idempotent; re-running re-creates the triggers from the
 * tables' current columns.
 *
 * @throws ReplicatorError `REPL_SQLITE_OPEN_FAILED`, `REPL_SQLITE_READ_ONLY` (no write access),
 *   `REPL_SQLITE_TABLE_UNSUPPORTED`, `REPL_SQLITE_CHANGELOG_INVALID` (a changelog of an older
 *   format), `REPL_SQLITE_QUERY_FAILED`.
 */
export function installCapture(
  file: string,
  tables?: readonly string[],
  options: CaptureOptions = {},
): CaptureChange {
  const db = openSqlite(
    file,
    'write',
    options.busyTimeoutMs ?? SQLITE_SOURCE_DEFAULTS.busyTimeoutMs,
  );
  try {
    return sqliteCall(file, 'installing change capture', () =>
      db
        .transaction(() => {
          const known = listSqliteTables(db);
          const names = tables ?? known;
          const missing = names.find((name) => !known.includes(name));
          if (missing !== undefined) {
            throw replicatorError(
              'REPL_SQLITE_TABLE_UNSUPPORTED',
              `SQLite source ${file} has no ordinary table "${missing}" to capture`,
              { details: { table: missing } },
            );
          }
          const infos = names.map((name) => introspectSqliteTable(db, name, options.logger));
          return installCaptureOn(db, infos, Date.now());
        })
        .immediate(),
    );
  } finally {
    db.close();
  }
}

/**
 * Removes change capture from the SQLite file at `file`: drops every `_dr_capture_*` trigger
 * and the changelog's tables (pending changes are lost), leaving the schema as before the
 * install.
 *
 * @throws ReplicatorError `REPL_SQLITE_OPEN_FAILED`, `REPL_SQLITE_READ_ONLY`,
 *   `REPL_SQLITE_QUERY_FAILED`.
 */
export function removeCapture(file: string, options: CaptureOptions = {}): CaptureChange {
  const db = openSqlite(
    file,
    'write',
    options.busyTimeoutMs ?? SQLITE_SOURCE_DEFAULTS.busyTimeoutMs,
  );
  try {
    return sqliteCall(file, 'removing change capture', () =>
      db.transaction(() => removeCaptureOn(db)).immediate(),
    );
  } finally {
    db.close();
  }
}
