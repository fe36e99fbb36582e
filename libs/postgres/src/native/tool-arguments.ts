/**
 * Command lines of pg_dump and pg_restore. They never carry a credential: host, user and
 * password travel in the environment (PGHOST, PGUSER, PGPASSFILE). Table names become pg_dump
 * patterns in which every part is double-quoted, which makes `*`, `?`, `.`, `$` and upper-case
 * letters literal (pg_dump's pattern rules), so `-T` names exactly one table.
 */
import { quoteIdent, quoteTable, type TableId } from '@database-replicator/core';
import { quoteConninfoValue } from './conninfo.js';

/** Schema of our own state tables on a pipeline target; never part of a dump. */
const STATE_SCHEMA = '_replicator';

/** Options of {@link buildDumpArguments}. */
export type DumpArguments = Readonly<{
  /** Output directory; pg_dump creates it and it must not exist. */
  directory: string;
  /** Parallel pg_dump workers (`--jobs`). */
  jobs: number;
  /** Snapshot exported by the replication slot. */
  snapshot: string;
  /** Tables, partitions and views not to dump at all. */
  excludeTables: readonly TableId[];
  /** Tables and partitions dumped without rows (schema-only, or rows copied by us). */
  excludeTableData: readonly TableId[];
}>;

/** The pattern naming exactly `id` for pg_dump's -t/-T/--exclude-table-data. */
export function dumpTablePattern(id: TableId): string {
  return quoteTable(id);
}

/**
 * pg_dump arguments: directory format, parallel, under the slot's snapshot, without
 * publications and subscriptions (the source's publication must not reappear on the target).
 */
export function buildDumpArguments(options: DumpArguments): readonly string[] {
  return Object.freeze([
    '--format=directory',
    `--jobs=${options.jobs}`,
    `--snapshot=${options.snapshot}`,
    `--file=${options.directory}`,
    '--no-publications',
    '--no-subscriptions',
    `--exclude-schema=${quoteIdent(STATE_SCHEMA)}`,
    ...options.excludeTables.map((id) => `--exclude-table=${dumpTablePattern(id)}`),
    ...options.excludeTableData.map((id) => `--exclude-table-data=${dumpTablePattern(id)}`),
  ]);
}

/** One pg_restore section. */
export type RestoreSection = 'pre-data' | 'data' | 'post-data';

/** Options of {@link buildRestoreArguments}. */
export type RestoreArguments = Readonly<{
  directory: string;
  database: string;
  jobs: number;
  section: RestoreSection;
  /** Drop each object before creating it (`--clean --if-exists`). */
  clean: boolean;
  /** Keep owners and privileges; false when the roles could not be applied to the target. */
  keepOwners: boolean;
}>;

/**
 * pg_restore arguments for one section. `--exit-on-error` so a failed statement fails the step
 * instead of being counted and ignored. The database is passed as `dbname='…'`, a conninfo
 * string, so a database name containing `=` or a URL prefix is never read as a connection string.
 */
export function buildRestoreArguments(options: RestoreArguments): readonly string[] {
  return Object.freeze([
    '--format=directory',
    `--jobs=${options.jobs}`,
    `--section=${options.section}`,
    '--exit-on-error',
    `--dbname=dbname=${quoteConninfoValue(options.database)}`,
    ...(options.clean ? ['--clean', '--if-exists'] : []),
    ...(options.keepOwners ? [] : ['--no-owner', '--no-privileges']),
    options.directory,
  ]);
}
