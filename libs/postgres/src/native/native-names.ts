/**
 * Names of a native job and of the objects it creates. They are derived from what the servers
 * say about themselves (system identifier, database name), never from URL text, so the same pair
 * of databases always maps to the same job, checkpoint and slot, however the URLs are spelled.
 */
import { createHash } from 'node:crypto';
import { NATIVE_OBJECT_PREFIX, NATIVE_TOOL_APPLICATION_PREFIX } from './constants.js';

/** One side of a job: the cluster (its system identifier) and the database on it. */
export type NativeEndpoint = Readonly<{ systemIdentifier: string; database: string }>;

/** Publication, slot and subscription of one database; one name serves all three. */
export type NativeObjectNames = Readonly<{
  publication: string;
  slot: string;
  subscription: string;
}>;

function shortHash(parts: readonly string[], length: number): string {
  // NUL cannot occur in a database name or identifier, so the joined text is unambiguous.
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, length);
}

/** The job id, 12 hex digits, of replicating `source` into `target`. */
export function nativeJobId(source: NativeEndpoint, target: NativeEndpoint): string {
  return shortHash(
    [source.systemIdentifier, source.database, target.systemIdentifier, target.database],
    12,
  );
}

/**
 * Names of the publication, slot and subscription replicating `sourceDatabase` within job
 * `jobId`: `dr_<job>_<db hash>`, lower-case hex only, as slot names require.
 */
export function nativeObjectNames(jobId: string, sourceDatabase: string): NativeObjectNames {
  const name = `${NATIVE_OBJECT_PREFIX}${jobId}_${shortHash([sourceDatabase], 8)}`;
  return Object.freeze({ publication: name, slot: name, subscription: name });
}

/** `application_name` of the pg_dump / pg_restore / psql sessions of a job. */
export function nativeToolApplicationName(jobId: string): string {
  return `${NATIVE_TOOL_APPLICATION_PREFIX}${jobId}`;
}

/** Directory name of one database's work files, safe whatever the database is called. */
export function nativeDatabaseDirName(sourceDatabase: string): string {
  return `db-${shortHash([sourceDatabase], 8)}`;
}
