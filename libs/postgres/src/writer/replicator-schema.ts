/**
 * Wire names of the loader's bookkeeping in the target database (`_replicator`, created by the
 * numbered files in `libs/postgres/sql/`).
 */
import type { TableId } from '@database-replicator/core';

/** The schema holding the loader's bookkeeping. */
export const REPLICATOR_SCHEMA = '_replicator';

/** Applied migrations: `(id, name, applied_at)`. */
export const MIGRATIONS_TABLE: TableId = Object.freeze({
  schema: REPLICATOR_SCHEMA,
  table: 'migrations',
});

/** Next bus offset per `(consumer_group, topic, partition)`, plus the last source position. */
export const OFFSETS_TABLE: TableId = Object.freeze({
  schema: REPLICATOR_SCHEMA,
  table: 'offsets',
});

// Advisory lock key serialising migrations across processes, held for a whole run (earlier
// versions took it per file, transaction-scoped; the one key keeps both kinds of run apart):
// 'DRMIGRAT' as ASCII, an arbitrary constant that must simply never change.
export const MIGRATION_LOCK_KEY = '4923082319793897812';

/** Column additions, renames and drops applied from schema changes, with their positions. */
export const COLUMN_CHANGES_TABLE: TableId = Object.freeze({
  schema: REPLICATOR_SCHEMA,
  table: 'column_changes',
});
