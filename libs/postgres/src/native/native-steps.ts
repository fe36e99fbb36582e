/**
 * The steps of native-phase.ts, one function each. A step does its work and returns what
 * changes in the checkpointed state; run-database.ts advances the phase and saves. Every step
 * can be repeated after a crash: publication and slot are dropped and recreated, a restore that
 * was cut short is redone with --clean (see the resume actions).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { formatTableRef } from '@database-replicator/core';
import { buildConninfo } from './conninfo.js';
import { dumpDatabase } from './database-dump.js';
import { restoreSection } from './database-restore.js';
import {
  dumpDirectory,
  rowPredicates,
  statePath,
  tableRefKey,
  type DatabaseRun,
} from './database-run.js';
import { planDumpSelection } from './dump-selection.js';
import { copyFilteredRowsIn } from './filtered-rows.js';
import type { NativeDatabaseState } from './native-checkpoint.js';
import { nativeDatabaseDirName } from './native-names.js';
import type { NativeStep } from './native-phase.js';
import { createNativePublication, dropNativePublication } from './publication.js';
import { createSlotWithSnapshot, dropSlotIfExists } from './replication-slot.js';
import { applyRoleGlobals } from './role-globals.js';
import type { RestoreSection } from './tool-arguments.js';
import { createNativeSubscription, readSubscription } from './subscription.js';
import { waitForSubscriptionRunning } from './subscription-running.js';
import { dropTargetTables, truncateTargetTables } from './target-database.js';
import { SUBSCRIPTION_START_TIMEOUT_MS } from './constants.js';

/** What a step changes in the state, besides the phase. */
export type StepUpdate = Partial<Omit<NativeDatabaseState, 'phase'>>;

/** Runs `step` for `run` and returns its state changes. */
export async function runNativeStep(run: DatabaseRun, step: NativeStep): Promise<StepUpdate> {
  switch (step) {
    case 'publish':
      return publish(run);
    case 'create-slot':
      return createSlot(run);
    case 'dump':
      return dump(run);
    case 'restore-globals':
      return restoreGlobals(run);
    case 'restore-pre-data':
      return restorePreData(run);
    case 'restore-data':
      return restore(run, 'data', false);
    case 'restore-filtered':
      return restoreFiltered(run);
    case 'restore-post-data':
      return restore(run, 'post-data', run.actions.delete('clean-post-data'));
    case 'subscribe':
      return subscribe(run);
    case 'confirm-running':
      return confirmRunning(run);
    case 'release':
      return release(run);
  }
}

async function publish(run: DatabaseRun): Promise<StepUpdate> {
  const predicates = rowPredicates(run);
  const changed = await createNativePublication(run.source, {
    name: run.state.publication,
    database: run.prepared.pair.source,
    tables: run.prepared.plan
      .filter((entry) => !entry.schemaOnly)
      .map((entry) => {
        const id = { schema: entry.id.schema, table: entry.id.table };
        return { id, predicate: predicates.get(tableRefKey(id)) };
      }),
    versionNum: run.job.sourceIdentity.versionNum,
    fixIdentity: run.options.yes,
    logger: run.log,
  });
  run.replicaIdentityFull.push(...changed.map((id) => formatTableRef(id)));
  return {};
}

async function createSlot(run: DatabaseRun): Promise<StepUpdate> {
  // A slot of that name is left over from an interrupted attempt; its snapshot is gone.
  await dropSlotIfExists(run.source, run.state.slot);
  const databaseDir = join(
    'native',
    run.job.jobId,
    nativeDatabaseDirName(run.state.sourceDatabase),
  );
  await rm(statePath(run, databaseDir), { recursive: true, force: true });
  const attempt = run.state.attempt + 1;
  const workDir = join(databaseDir, `attempt-${attempt}`);
  await mkdir(statePath(run, workDir), { recursive: true, mode: 0o700 });
  run.slot = await createSlotWithSnapshot(
    run.options.source,
    run.prepared.pair.source,
    run.state.slot,
    run.job.sourceIdentity.versionNum,
    run.log,
  );
  run.log.info({ slot: run.slot.name, lsn: run.slot.consistentPoint }, 'replication slot created');
  return {
    attempt,
    workDir,
    consistentPoint: run.slot.consistentPoint,
    filtered: [],
    dumpBytes: 0,
    restoreStarted: false,
  };
}

async function dump(run: DatabaseRun): Promise<StepUpdate> {
  const slot = run.slot;
  if (slot === undefined) throw new Error('dump needs the slot created in this run');
  try {
    const selection = await planDumpSelection(
      run.source,
      run.prepared.tables,
      run.prepared.plan,
      rowPredicates(run),
    );
    const result = await dumpDatabase({
      source: run.options.source,
      database: run.prepared.pair.source,
      snapshotName: slot.snapshotName,
      directory: dumpDirectory(run),
      filteredDir: statePath(run, join(run.state.workDir, 'filtered')),
      selection,
      jobs: run.options.jobs,
      applicationName: run.applicationName,
      logger: run.log,
      signal: run.options.signal,
    });
    return {
      dumpBytes: result.bytes,
      filtered: result.filtered.map((f) => ({
        table: { schema: f.table.schema, table: f.table.table },
        columns: [...f.columns],
        file: relative(run.options.stateDir, f.file),
        rows: f.rows,
      })),
    };
  } finally {
    // The snapshot is no longer needed; holding it would keep the source from vacuuming.
    await slot.close();
    run.slot = undefined;
  }
}

async function restoreGlobals(run: DatabaseRun): Promise<StepUpdate> {
  const result = await applyRoleGlobals({
    source: run.options.source,
    sourceDatabase: run.prepared.pair.source,
    target: run.options.target,
    targetDatabase: run.prepared.pair.target,
    workDir: statePath(run, run.state.workDir),
    applicationName: run.applicationName,
    logger: run.log,
    signal: run.options.signal,
  });
  if (!result.applied) {
    run.log.warn(
      { database: run.prepared.pair.target, errors: result.errors.slice(0, 10) },
      'roles could not be applied to the target: restoring without owners and privileges',
    );
  }
  return { rolesApplied: result.applied };
}

async function restorePreData(run: DatabaseRun): Promise<StepUpdate> {
  const clean = run.actions.delete('clean-restore') || run.state.replaceExisting;
  if (clean) await dropTargetTables(run.target, run.state.tables);
  // Recorded before pg_restore touches the target: a crash from here on needs a clean restore.
  run.state = { ...run.state, restoreStarted: true };
  await run.store.save(run.state);
  return restore(run, 'pre-data', clean);
}

async function restore(
  run: DatabaseRun,
  section: RestoreSection,
  clean: boolean,
): Promise<StepUpdate> {
  await restoreSection({
    target: run.options.target,
    database: run.prepared.pair.target,
    directory: dumpDirectory(run),
    section,
    jobs: run.options.jobs,
    clean,
    keepOwners: run.state.rolesApplied,
    applicationName: run.applicationName,
    logger: run.log,
    signal: run.options.signal,
  });
  return {};
}

async function restoreFiltered(run: DatabaseRun): Promise<StepUpdate> {
  const tables = run.state.filtered.map((f) => f.table);
  if (run.actions.delete('truncate-filtered')) await truncateTargetTables(run.target, tables);
  for (const file of run.state.filtered) {
    run.options.signal.throwIfAborted();
    const rows = await copyFilteredRowsIn(
      run.target,
      file.table,
      file.columns,
      statePath(run, file.file),
      run.options.signal,
    );
    run.log.info({ table: formatTableRef(file.table), rows }, 'filtered rows restored');
  }
  return {};
}

async function subscribe(run: DatabaseRun): Promise<StepUpdate> {
  // Created by an attempt that died before recording it: it is attached to our slot, keep it.
  if ((await readSubscription(run.target, run.state.subscription)) !== undefined)
    return { synced: true };
  await createNativeSubscription(run.target, {
    name: run.state.subscription,
    conninfo: buildConninfo(run.options.source, run.prepared.pair.source),
    publication: run.state.publication,
    slot: run.state.slot,
    database: run.prepared.pair.target,
  });
  return { synced: true };
}

async function confirmRunning(run: DatabaseRun): Promise<StepUpdate> {
  await waitForSubscriptionRunning({
    target: run.target,
    source: run.source,
    subscription: run.state.subscription,
    slot: run.state.slot,
    database: run.prepared.pair.target,
    timeoutMs: run.options.subscriptionTimeoutMs ?? SUBSCRIPTION_START_TIMEOUT_MS,
    signal: run.options.signal,
  });
  await removeWorkDir(run);
  return { synced: true };
}

async function release(run: DatabaseRun): Promise<StepUpdate> {
  // Without a subscription nothing would consume the slot, and it would pin WAL forever.
  await dropSlotIfExists(run.source, run.state.slot);
  await dropNativePublication(run.source, run.state.publication);
  await removeWorkDir(run);
  return { synced: false };
}

async function removeWorkDir(run: DatabaseRun): Promise<void> {
  await rm(statePath(run, run.state.workDir), { recursive: true, force: true });
}
