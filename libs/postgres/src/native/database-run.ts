/**
 * Everything one database's run needs while it moves through its phases: the job, the plan,
 * sessions on both sides, the checkpointed state, and the slot whose snapshot is alive (only
 * between creating the slot and finishing the dump).
 */
import { join } from 'node:path';
import { quoteTable, type Logger, type TableId } from '@database-replicator/core';
import type { PostgresClient } from '../connection.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { NativeDatabaseState } from './native-checkpoint.js';
import type { NativeJob } from './native-job.js';
import type { NativeInitOptions } from './native-options.js';
import type { NativeResumeAction } from './native-phase.js';
import type { PreparedDatabase } from './prepare-database.js';
import type { ExportedSnapshotSlot } from './replication-slot.js';
import { composeRowPredicate } from './row-predicate.js';

/** The mutable record of one database's run; owned by run-database.ts. */
export type DatabaseRun = {
  readonly options: NativeInitOptions;
  readonly job: NativeJob;
  readonly prepared: PreparedDatabase;
  /** Session on the source database. */
  readonly source: PostgresClient;
  /** Session on the target database. */
  readonly target: PostgresClient;
  readonly store: CheckpointStore;
  readonly applicationName: string;
  readonly log: Logger;
  state: NativeDatabaseState;
  /** Undone before the step they concern runs, then removed. */
  actions: Set<NativeResumeAction>;
  slot: ExportedSnapshotSlot | undefined;
  replicaIdentityFull: string[];
};

/** Absolute path of a path stored relative to the state directory. */
export function statePath(run: DatabaseRun, relative: string): string {
  return join(run.options.stateDir, relative);
}

/** pg_dump's output directory of the current attempt. */
export function dumpDirectory(run: DatabaseRun): string {
  return statePath(run, join(run.state.workDir, 'dump'));
}

/** Row predicates of the filtered, non-schema-only tables, by `"schema"."table"`. */
export function rowPredicates(run: DatabaseRun): ReadonlyMap<string, string> {
  const predicates = new Map<string, string>();
  for (const entry of run.prepared.plan) {
    if (entry.schemaOnly) continue;
    const key = tableRefKey(entry.id);
    const predicate = composeRowPredicate(entry, run.state.cutoffs[key] ?? []);
    if (predicate !== undefined) predicates.set(key, predicate);
  }
  return predicates;
}

/** The key of a table in checkpoints and predicate maps: `"schema"."table"`. */
export function tableRefKey(id: TableId): string {
  return quoteTable(id);
}
