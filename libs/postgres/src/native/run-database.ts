/**
 * One database through its phases (native-phase.ts): decide between a fresh start, a resume and
 * a clean restart, then run step after step, saving the checkpoint after each.
 *
 * - no checkpoint: fresh. Selected tables already on the target are refused unless
 *   --drop-existing; time-filter cutoffs are fixed now.
 * - checkpoint with another fingerprint (the filters changed), or a finished copy-only run now
 *   asked for sync: clean restart. Our subscription, slot and publication are dropped and the
 *   target tables (ours) replaced.
 * - a dump whose slot is gone (dropped by hand, or by a copy-only run that died after releasing
 *   it): clean restart too, since the changes after the dump were only in that slot.
 * - otherwise: resume at {@link resumeNativePhase}'s point, after ending sessions a killed run
 *   left behind.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTableRef, replicatorError } from '@database-replicator/core';
import type { PostgresClient } from '../connection.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { DatabaseRun } from './database-run.js';
import type { NativeDatabaseState } from './native-checkpoint.js';
import type { NativeJob } from './native-job.js';
import { nativeDatabaseDirName, nativeToolApplicationName } from './native-names.js';
import type { NativeDatabaseReport, NativeInitOptions } from './native-options.js';
import {
  advanceNativePhase,
  nextNativeStep,
  phaseAtLeast,
  resumeNativePhase,
  type NativeResumeAction,
} from './native-phase.js';
import { runNativeStep } from './native-steps.js';
import { endOrphanSessions } from './orphan-sessions.js';
import type { PreparedDatabase } from './prepare-database.js';
import { dropNativePublication } from './publication.js';
import { dropSlotIfExists, readSlot } from './replication-slot.js';
import { dropSubscriptionIfExists } from './subscription.js';
import { findExistingTables } from './target-database.js';
import { computeTimeCutoffs } from './time-cutoffs.js';

/** What run-database needs from native-init. */
export type DatabaseRunInput = Readonly<{
  options: NativeInitOptions;
  job: NativeJob;
  store: CheckpointStore;
  prepared: PreparedDatabase;
  source: PostgresClient;
  target: PostgresClient;
}>;

/** Runs one database to `done` and reports. */
export async function runDatabase(input: DatabaseRunInput): Promise<NativeDatabaseReport> {
  const started = Date.now();
  const log = input.options.logger.child({ database: input.prepared.pair.source });
  const applicationName = nativeToolApplicationName(input.job.jobId);
  const start = await initialState(input, log);
  if (start === 'unchanged') {
    const state = input.store.database(input.prepared.pair.source);
    return report(input, state, 'unchanged', false, [], started);
  }
  // A killed run's pg_dump / pg_restore may still be working; end them before anything else.
  await endOrphanSessions(input.source, input.prepared.pair.source, applicationName, log);
  await endOrphanSessions(input.target, input.prepared.pair.target, applicationName, log);
  const run: DatabaseRun = {
    ...input,
    applicationName,
    log,
    state: start.state,
    actions: new Set(start.actions),
    slot: undefined,
    replicaIdentityFull: [],
  };
  await input.store.save(run.state);
  try {
    for (
      let step = nextNativeStep(run.state.phase, input.options.enableSync);
      step !== undefined;
      step = nextNativeStep(run.state.phase, input.options.enableSync)
    ) {
      input.options.signal.throwIfAborted();
      const stepStarted = Date.now();
      log.info({ step, phase: run.state.phase }, 'native step started');
      const update = await runNativeStep(run, step);
      run.state = { ...run.state, ...update, phase: advanceNativePhase(run.state.phase, step) };
      await input.store.save(run.state);
      log.info(
        {
          step,
          phase: run.state.phase,
          durationMs: Date.now() - stepStarted,
          dumpBytes: run.state.dumpBytes,
        },
        'native step finished',
      );
    }
  } finally {
    await run.slot?.close();
  }
  const outcome = run.state.synced ? 'replicating' : 'copied';
  return report(input, run.state, outcome, start.resumed, run.replicaIdentityFull, started);
}

type Start = Readonly<{
  state: NativeDatabaseState;
  actions: readonly NativeResumeAction[];
  resumed: boolean;
}>;

async function initialState(
  input: DatabaseRunInput,
  log: DatabaseRun['log'],
): Promise<Start | 'unchanged'> {
  const existing = input.store.database(input.prepared.pair.source);
  if (existing === undefined) {
    const state = await freshState(input, false);
    // Objects of our names without a checkpoint (it was deleted): a leftover subscription would
    // attach itself to the new slot and apply changes before the restore.
    await startClean(input, state);
    return { state, actions: [], resumed: false };
  }
  if (existing.fingerprint !== input.prepared.fingerprint) {
    log.warn({}, 'the filters changed since the last run: starting over');
    await startClean(input, existing);
    return { state: await freshState(input, true), actions: [], resumed: false };
  }
  if (existing.phase === 'done') {
    if (existing.synced || !input.options.enableSync) return 'unchanged';
    log.info({}, 'copied earlier without --enable-sync, and the slot is gone: copying again');
    await startClean(input, existing);
    return { state: await freshState(input, true), actions: [], resumed: false };
  }
  const needsSlot =
    phaseAtLeast(existing.phase, 'dumped') &&
    (input.options.enableSync || !phaseAtLeast(existing.phase, 'post-data-restored'));
  if (needsSlot && (await readSlot(input.source, existing.slot)) === undefined) {
    // The changes since the dump lived in that slot only: the copy cannot be completed.
    log.warn({ slot: existing.slot }, 'the slot of the interrupted run is gone: copying again');
    await startClean(input, existing);
    return { state: await freshState(input, true), actions: [], resumed: false };
  }
  const point = resumeNativePhase(existing.phase, existing.restoreStarted);
  log.info(
    { phase: existing.phase, resumeAt: point.phase, actions: point.actions },
    'resuming an interrupted run',
  );
  return { state: { ...existing, phase: point.phase }, actions: point.actions, resumed: true };
}

async function freshState(input: DatabaseRunInput, ours: boolean): Promise<NativeDatabaseState> {
  const { pair, plan, names, fingerprint } = input.prepared;
  const replaceExisting = ours || input.options.dropExisting;
  const tables = plan.map((entry) => ({ schema: entry.id.schema, table: entry.id.table }));
  if (!replaceExisting) {
    const existing = await findExistingTables(input.target, tables);
    if (existing.length > 0) {
      const names = existing.map((id) => formatTableRef(id));
      throw replicatorError(
        'REPL_NATIVE_TARGET_NOT_EMPTY',
        `Target database ${pair.target} already has ${names.join(', ')}; init copies these tables and does not overwrite data it did not create`,
        { details: { database: pair.target, tables: names.join(', ') } },
      );
    }
  }
  return {
    sourceDatabase: pair.source,
    targetDatabase: pair.target,
    phase: 'planned',
    fingerprint,
    publication: names.publication,
    slot: names.slot,
    subscription: names.subscription,
    tables,
    cutoffs: await computeTimeCutoffs(input.source, plan),
    attempt: 0,
    workDir: join('native', input.job.jobId, nativeDatabaseDirName(pair.source), 'attempt-0'),
    consistentPoint: null,
    filtered: [],
    dumpBytes: 0,
    replaceExisting,
    restoreStarted: false,
    rolesApplied: false,
    synced: false,
    updatedAt: new Date().toISOString(),
  };
}

/** Drops what an earlier run of this database created: subscription, slot, publication, files. */
async function startClean(input: DatabaseRunInput, state: NativeDatabaseState): Promise<void> {
  await dropSubscriptionIfExists(input.target, state.subscription);
  await dropSlotIfExists(input.source, state.slot);
  await dropNativePublication(input.source, state.publication);
  const dir = join(
    input.options.stateDir,
    'native',
    input.job.jobId,
    nativeDatabaseDirName(state.sourceDatabase),
  );
  await rm(dir, { recursive: true, force: true });
}

function report(
  input: DatabaseRunInput,
  state: NativeDatabaseState | undefined,
  outcome: NativeDatabaseReport['outcome'],
  resumed: boolean,
  replicaIdentityFull: readonly string[],
  started: number,
): NativeDatabaseReport {
  const { plan, pair } = input.prepared;
  const active = outcome === 'replicating' || (outcome === 'unchanged' && state?.synced === true);
  return Object.freeze({
    sourceDatabase: pair.source,
    targetDatabase: pair.target,
    outcome,
    tables: plan.length,
    schemaOnlyTables: plan.filter((entry) => entry.schemaOnly).length,
    filteredTables: state?.filtered.length ?? 0,
    filteredRows: (state?.filtered ?? []).reduce((sum, f) => sum + f.rows, 0),
    dumpBytes: state?.dumpBytes ?? 0,
    resumed,
    publication: active ? (state?.publication ?? null) : null,
    slot: active ? (state?.slot ?? null) : null,
    subscription: active ? (state?.subscription ?? null) : null,
    replicaIdentityFull: Object.freeze([...replicaIdentityFull]),
    durationMs: Date.now() - started,
  });
}
