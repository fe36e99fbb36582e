/**
 * Connections to the source file. Reads (introspection, snapshot pages, changelog polls) use a
 * read-only connection, so a source opened by this lib alone is never written; only capture
 * install/remove and changelog pruning open it for writing. Both wait out a writer's lock for
 * `busyTimeoutMs` instead of failing at once (in rollback-journal mode readers and the writer
 * exclude each other briefly; in WAL mode they do not).
 */
import Database from 'better-sqlite3';
import { isReplicatorError, replicatorError } from '@database-replicator/core';

/** Read-only, or read-write for capture and pruning. */
export type SqliteAccess = 'read' | 'write';

/**
 * Opens the existing file at `file`; integers are read as bigint (`safeIntegers`).
 *
 * @throws ReplicatorError `REPL_SQLITE_OPEN_FAILED` naming the file.
 */
export function openSqlite(
  file: string,
  access: SqliteAccess,
  busyTimeoutMs: number,
): Database.Database {
  try {
    const db = new Database(file, {
      readonly: access === 'read',
      fileMustExist: true,
      timeout: busyTimeoutMs,
    });
    db.defaultSafeIntegers(true);
    return db;
  } catch (error) {
    throw replicatorError(
      'REPL_SQLITE_OPEN_FAILED',
      `Cannot open SQLite source ${file} for ${access === 'read' ? 'reading' : 'writing'}: ${reasonOf(error)}`,
      { cause: error, details: { file } },
    );
  }
}

/**
 * Runs `body` and turns a driver failure into a coded error naming what was being done; a
 * missing write permission gets its own code and fix.
 *
 * @throws ReplicatorError `REPL_SQLITE_READ_ONLY` or `REPL_SQLITE_QUERY_FAILED`; a
 *   ReplicatorError thrown by `body` passes unchanged.
 */
export function sqliteCall<T>(file: string, doing: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (isReplicatorError(error)) throw error;
    if (codeOf(error).startsWith('SQLITE_READONLY')) {
      throw replicatorError(
        'REPL_SQLITE_READ_ONLY',
        `SQLite source ${file} is read-only, so ${doing} is not possible: change capture writes triggers and a changelog table into the source`,
        { cause: error, details: { file } },
      );
    }
    throw replicatorError(
      'REPL_SQLITE_QUERY_FAILED',
      `${doing} on SQLite source ${file} failed: ${reasonOf(error)}`,
      { cause: error, details: { file, sqliteCode: codeOf(error) } },
    );
  }
}

function codeOf(error: unknown): string {
  if (error instanceof Database.SqliteError) return error.code;
  return '';
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
