/**
 * Databases the benchmark creates on the target cluster, one per scenario family; each is dropped
 * when its scenario ends, and any left by an interrupted run is dropped at the next start.
 */
import type { SourceKind } from './source-kind.js';

export const TARGET_DATABASES = Object.freeze({
  pgDump: 'bench_pgdump',
  binaryCopy: 'bench_copy',
  native: 'bench_native',
  pgloaderMysql: 'bench_pgloader_mysql',
  pgloaderSqlite: 'bench_pgloader_sqlite',
});

/** Our replicator's target database for a source. */
export function oursTargetDatabase(source: SourceKind): string {
  return `bench_ours_${source}`;
}

/** The native-replication objects' names (publication on the source, subscription and slot). */
export const NATIVE_PUBLICATION = 'bench_pub';
export const NATIVE_SUBSCRIPTION = 'bench_sub';
