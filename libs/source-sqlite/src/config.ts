/**
 * Options of a SQLite source, with their defaults. Validated once, then frozen and passed down.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import {
  replicatorError,
  type Logger,
  type ReplicatorConfig,
  type Secret,
} from '@database-replicator/core';
import { DEFAULT_TARGET_SCHEMA } from './constants.js';
import { sqlitePathOf } from './sqlite-path.js';

/** Options of {@link createSqliteSource}. */
export type SqliteSourceOptions = Readonly<{
  /** The source: `sqlite:///path`, `sqlite://relative/path` or a path ending `.db`, `.sqlite`, `.sqlite3`. */
  url: string | Secret;
  /** The source's configured name: `source.name` of events and the second topic segment. */
  name: string;
  /**
   * The PostgreSQL schema the tables land in, also `source.schema` of events and the topic's
   * schema segment (SQLite's own schema is always `main`). Default `'public'`.
   */
  schema?: string;
  /** `source.db` of events. Default: the file name (`app.db`). */
  database?: string;
  /** Table selection (row and time filters are refused: not supported for SQLite yet). Default: every table. */
  filters?: ReplicatorConfig['filters'];
  logger: Logger;
  /** Pause between changelog polls when the last poll found nothing, ms. Default 200. */
  pollIntervalMs?: number;
  /** Changelog rows read per poll, i.e. at most this many events per transaction step. Default 1000. */
  maxBatchRows?: number;
  /** An idle stream yields a heartbeat at most this often, ms. Default 1000. */
  heartbeatIntervalMs?: number;
  /** How long a statement waits for a writer's lock before failing, ms. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * How changes are captured: `triggers` (a changelog and triggers in the file), `refresh` (no
   * writes to the file: every `refreshIntervalMs` each table is compared with the target's
   * state; deletes are found only then), or `auto`: triggers, unless the file cannot be written
   * when the job starts. Default `auto`.
   */
  capture?: SqliteCaptureMode;
  /** Refresh mode: pause between two comparisons, ms. Default 5000. */
  refreshIntervalMs?: number;
  /**
   * Refresh mode: the directory of the refresh state, on storage that survives restarts; a job's
   * start empties it. Default: a directory per file under the system's temporary directory.
   */
  refreshStateDir?: string;
}>;

/** See {@link SqliteSourceOptions.capture}. */
export type SqliteCaptureMode = 'auto' | 'triggers' | 'refresh';

/** {@link SqliteSourceOptions} with every default filled in. */
export type SqliteSourceConfig = Readonly<{
  path: string;
  name: string;
  schema: string;
  database: string;
  filters: ReplicatorConfig['filters'] | undefined;
  logger: Logger;
  pollIntervalMs: number;
  maxBatchRows: number;
  heartbeatIntervalMs: number;
  busyTimeoutMs: number;
  capture: SqliteCaptureMode;
  refreshIntervalMs: number;
  refreshStateDir: string;
}>;

export const SQLITE_SOURCE_DEFAULTS = Object.freeze({
  pollIntervalMs: 200,
  maxBatchRows: 1000,
  heartbeatIntervalMs: 1000,
  busyTimeoutMs: 5000,
  refreshIntervalMs: 5000,
});

/**
 * Fills in defaults and validates.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` naming the option, or `REPL_CONFIG_SOURCE_SCHEME`.
 */
export function resolveSqliteSourceConfig(options: SqliteSourceOptions): SqliteSourceConfig {
  const url = typeof options.url === 'string' ? options.url : options.url.reveal();
  const file = sqlitePathOf(url);
  if (options.name.trim() === '') throw invalidOption('name', 'a non-empty source name');
  const schema = options.schema ?? DEFAULT_TARGET_SCHEMA;
  if (schema === '') throw invalidOption('schema', 'a non-empty schema name');
  return Object.freeze({
    path: file,
    name: options.name,
    schema,
    database: options.database ?? path.basename(file),
    filters: options.filters,
    logger: options.logger,
    pollIntervalMs: positive('pollIntervalMs', options.pollIntervalMs),
    maxBatchRows: positive('maxBatchRows', options.maxBatchRows),
    heartbeatIntervalMs: positive('heartbeatIntervalMs', options.heartbeatIntervalMs),
    busyTimeoutMs: positive('busyTimeoutMs', options.busyTimeoutMs),
    capture: captureMode(options.capture),
    refreshIntervalMs: positive('refreshIntervalMs', options.refreshIntervalMs),
    refreshStateDir: options.refreshStateDir ?? defaultStateDir(file, options.name),
  });
}

function captureMode(value: SqliteCaptureMode | undefined): SqliteCaptureMode {
  const mode = value ?? 'auto';
  if (!['auto', 'triggers', 'refresh'].includes(mode)) {
    throw invalidOption('capture', 'auto, triggers or refresh');
  }
  return mode;
}

/** One directory per file and source name, so two sources never share a state. */
function defaultStateDir(file: string, name: string): string {
  const digest = createHash('sha256')
    .update(`${path.resolve(file)}\n${name}`)
    .digest('hex');
  return path.join(os.tmpdir(), 'database-replicator', 'sqlite-refresh', digest.slice(0, 16));
}

function positive(key: keyof typeof SQLITE_SOURCE_DEFAULTS, value: number | undefined): number {
  const resolved = value ?? SQLITE_SOURCE_DEFAULTS[key];
  if (!Number.isInteger(resolved) || resolved < 1) throw invalidOption(key, 'a whole number ≥ 1');
  return resolved;
}

function invalidOption(key: string, expected: string): Error {
  return replicatorError(
    'REPL_CONFIG_INVALID',
    `SQLite source option ${key}: expected ${expected}`,
    {
      details: { configKey: key },
    },
  );
}
