/**
 * Options of a MongoDB source, with their defaults. Validated once, then frozen and passed down.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import {
  replicatorError,
  Secret,
  type Logger,
  type ReplicatorConfig,
} from '@database-replicator/core';

/**
 * How changes after the snapshot are captured: `changeStream` (replica sets and sharded
 * clusters), `refresh` (periodic comparison, for servers without change streams such as
 * FerretDB or a standalone mongod), or `auto`: change streams when `hello` reports a replica set
 * or a mongos, refresh otherwise.
 */
export type MongoCaptureMode = 'auto' | 'changeStream' | 'refresh';

/** Options of {@link createMongoSource}. */
export type MongoSourceOptions = Readonly<{
  /** `mongodb://` or `mongodb+srv://` URL; its path names the one database to read, if any. */
  url: string | Secret;
  /** The source's configured name: `source.name` of events and the second topic segment. */
  name: string;
  /** Collection selection (schema = database); row and time filters are refused. Default: all. */
  filters?: ReplicatorConfig['filters'];
  logger: Logger;
  /** Default `'auto'`. */
  mode?: MongoCaptureMode;
  /** Refresh mode: pause between the end of one comparison and the start of the next, ms. Default 5000. */
  refreshIntervalMs?: number;
  /**
   * Refresh mode: where the per-collection `_id` → hash state is kept (README.md, "Refresh
   * mode"). Must survive extractor restarts. Default: a directory under the OS temp directory
   * named after the source name and URL location.
   */
  refreshStateDir?: string;
  /** Events per transaction step at most (change stream and refresh). Default 1000. */
  maxBatchEvents?: number;
  /** An idle stream yields a heartbeat at most this often, ms. Default 1000. */
  heartbeatIntervalMs?: number;
}>;

/** {@link MongoSourceOptions} with every default filled in. */
export type MongoSourceConfig = Readonly<{
  url: Secret;
  /** The database of the URL path; `undefined`: every non-system database. */
  database: string | undefined;
  name: string;
  filters: ReplicatorConfig['filters'] | undefined;
  logger: Logger;
  mode: MongoCaptureMode;
  refreshIntervalMs: number;
  refreshStateDir: string;
  maxBatchEvents: number;
  heartbeatIntervalMs: number;
}>;

export const MONGO_SOURCE_DEFAULTS = Object.freeze({
  refreshIntervalMs: 5000,
  maxBatchEvents: 1000,
  heartbeatIntervalMs: 1000,
});

const MODES: readonly MongoCaptureMode[] = ['auto', 'changeStream', 'refresh'];

/**
 * Fills in defaults and validates.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` naming the option, or `REPL_CONFIG_SOURCE_SCHEME`.
 */
export function resolveMongoSourceConfig(options: MongoSourceOptions): MongoSourceConfig {
  const url = typeof options.url === 'string' ? new Secret(options.url) : options.url;
  const parsed = parseMongoUrl(url);
  if (options.name.trim() === '') throw invalidOption('name', 'a non-empty source name');
  const mode = options.mode ?? 'auto';
  if (!MODES.includes(mode)) throw invalidOption('mode', MODES.join(', '));
  return Object.freeze({
    url,
    database: parsed.database,
    name: options.name,
    filters: options.filters,
    logger: options.logger,
    mode,
    refreshIntervalMs: positive('refreshIntervalMs', options.refreshIntervalMs),
    refreshStateDir: options.refreshStateDir ?? defaultStateDir(options.name, parsed.location),
    maxBatchEvents: positive('maxBatchEvents', options.maxBatchEvents),
    heartbeatIntervalMs: positive('heartbeatIntervalMs', options.heartbeatIntervalMs),
  });
}

/**
 * The database named by a MongoDB URL's path and its location without credentials.
 *
 * @throws ReplicatorError `REPL_CONFIG_SOURCE_SCHEME` for a URL that is not `mongodb://` or
 *   `mongodb+srv://`.
 */
export function parseMongoUrl(url: Secret): { database: string | undefined; location: string } {
  const text = url.reveal();
  const match = /^(mongodb(?:\+srv)?):\/\/(?:[^@/]*@)?([^/?]*)(?:\/([^?]*))?/i.exec(text);
  if (match === null) {
    throw replicatorError(
      'REPL_CONFIG_SOURCE_SCHEME',
      'A MongoDB source URL must start with mongodb:// or mongodb+srv://',
    );
  }
  const database = decodeURIComponent(match[3] ?? '');
  return {
    database: database === '' ? undefined : database,
    location: `${match[1] ?? ''}://${match[2] ?? ''}/${database}`,
  };
}

function defaultStateDir(name: string, location: string): string {
  const digest = createHash('sha256').update(`${name}\u0000${location}`).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), 'database-replicator', 'mongodb-refresh', digest);
}

function positive(key: keyof typeof MONGO_SOURCE_DEFAULTS, value: number | undefined): number {
  const resolved = value ?? MONGO_SOURCE_DEFAULTS[key];
  if (!Number.isInteger(resolved) || resolved < 1) throw invalidOption(key, 'a whole number ≥ 1');
  return resolved;
}

function invalidOption(key: string, expected: string): Error {
  return replicatorError(
    'REPL_CONFIG_INVALID',
    `MongoDB source option ${key}: expected ${expected}`,
    { details: { configKey: key } },
  );
}
