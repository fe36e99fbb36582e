/**
 * `sync` on the native path: set up or repair continuous replication of a target that `init`
 * initialised. Per database: a disabled subscription is enabled; a missing one is created on
 * the slot when the data was restored; a lost slot cannot be repaired (the changes since are
 * gone) and is reported with the way out. Returns once every subscription runs.
 */
import { replicatorError, type Logger } from '@database-replicator/core';
import { connectPostgres, type PostgresClient } from '../connection.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { buildConninfo } from './conninfo.js';
import { SUBSCRIPTION_START_TIMEOUT_MS } from './constants.js';
import { withJobCheckpoint } from './job-checkpoint.js';
import type { NativeDatabaseState } from './native-checkpoint.js';
import { openNativeJob, type NativeJob } from './native-job.js';
import { nativeObjectNames } from './native-names.js';
import type {
  NativeSyncAction,
  NativeSyncDatabaseReport,
  NativeSyncOptions,
  NativeSyncReport,
} from './native-options.js';
import { phaseAtLeast } from './native-phase.js';
import { readSlot } from './replication-slot.js';
import { createNativeSubscription, enableSubscription, readSubscription } from './subscription.js';
import { waitForSubscriptionRunning } from './subscription-running.js';

/** One database sync looks after. */
type SyncTarget = Readonly<{
  source: string;
  target: string;
  names: ReturnType<typeof nativeObjectNames>;
  /** Checkpointed state; absent when only the subscription on the target was found. */
  state: NativeDatabaseState | undefined;
}>;

/**
 * Runs `sync` natively.
 *
 * @throws ReplicatorError `REPL_NATIVE_NOT_INITIALISED`, `REPL_NATIVE_SLOT_LOST`,
 *   `REPL_NATIVE_SUBSCRIPTION_FAILED`, `REPL_NATIVE_SAME_DATABASE`, connection errors.
 */
export async function runNativeSync(options: NativeSyncOptions): Promise<NativeSyncReport> {
  const job = await openNativeJob(
    options.source,
    options.target,
    options.filters,
    options.stateDir,
    options.logger,
  );
  try {
    return await withJobCheckpoint(options.stateDir, job, async (store) => {
      const targets = await findSyncTargets(options, job, store);
      const databases: NativeSyncDatabaseReport[] = [];
      for (const target of targets) {
        options.signal.throwIfAborted();
        databases.push(await syncDatabase(options, store, target));
      }
      return Object.freeze({ jobId: job.jobId, databases: Object.freeze(databases) });
    });
  } finally {
    await job.close();
  }
}

async function findSyncTargets(
  options: NativeSyncOptions,
  job: NativeJob,
  store: CheckpointStore,
): Promise<readonly SyncTarget[]> {
  const found: SyncTarget[] = [];
  for (const pair of job.pairs) {
    const names = nativeObjectNames(job.jobId, pair.source);
    const state = store.database(pair.source);
    if (state !== undefined) {
      found.push({ source: pair.source, target: pair.target, names, state });
      continue;
    }
    const exists = await withSession(options.target, pair.target, options.logger, (client) =>
      readSubscription(client, names.subscription),
    ).catch(() => undefined);
    if (exists !== undefined)
      found.push({ source: pair.source, target: pair.target, names, state });
  }
  if (found.length === 0) {
    throw replicatorError(
      'REPL_NATIVE_NOT_INITIALISED',
      `No init of job ${job.jobId} (${job.pairs.map((p) => `${p.source} → ${p.target}`).join(', ')}) is recorded in ${options.stateDir} or found on the target`,
      { details: { jobId: job.jobId, stateDir: options.stateDir } },
    );
  }
  return found;
}

async function syncDatabase(
  options: NativeSyncOptions,
  store: CheckpointStore,
  entry: SyncTarget,
): Promise<NativeSyncDatabaseReport> {
  const log = options.logger.child({ database: entry.source });
  const action = await withSession(options.source, entry.source, log, (source) =>
    withSession(options.target, entry.target, log, async (target) => {
      const result = await repair(options, entry, source, target);
      await waitForSubscriptionRunning({
        target,
        source,
        subscription: entry.names.subscription,
        slot: entry.names.slot,
        database: entry.target,
        timeoutMs: options.subscriptionTimeoutMs ?? SUBSCRIPTION_START_TIMEOUT_MS,
        signal: options.signal,
      });
      return result;
    }),
  );
  if (entry.state !== undefined) await store.save({ ...entry.state, phase: 'done', synced: true });
  log.info({ subscription: entry.names.subscription, action }, 'subscription runs');
  return Object.freeze({
    sourceDatabase: entry.source,
    targetDatabase: entry.target,
    subscription: entry.names.subscription,
    action,
  });
}

async function repair(
  options: NativeSyncOptions,
  entry: SyncTarget,
  source: PostgresClient,
  target: PostgresClient,
): Promise<NativeSyncAction> {
  const slot = await readSlot(source, entry.names.slot);
  if (slot === undefined) {
    throw replicatorError(
      'REPL_NATIVE_SLOT_LOST',
      `Source database ${entry.source} has no replication slot ${entry.names.slot}, so the changes since init are lost for target database ${entry.target}`,
      { details: { database: entry.source, slot: entry.names.slot } },
    );
  }
  const subscription = await readSubscription(target, entry.names.subscription);
  if (subscription !== undefined) {
    if (subscription.enabled) return 'running';
    await enableSubscription(target, entry.names.subscription);
    return 'enabled';
  }
  const restored =
    entry.state !== undefined && phaseAtLeast(entry.state.phase, 'post-data-restored');
  if (!restored) {
    throw replicatorError(
      'REPL_NATIVE_NOT_INITIALISED',
      `The init of database ${entry.source} into ${entry.target} did not finish (phase ${entry.state?.phase ?? 'unknown'})`,
      {
        fix: 'Run init --enable-sync again; it continues where it stopped.',
        details: { database: entry.source },
      },
    );
  }
  await createNativeSubscription(target, {
    name: entry.names.subscription,
    conninfo: buildConninfo(options.source, entry.source),
    publication: entry.names.publication,
    slot: entry.names.slot,
    database: entry.target,
  });
  return 'created';
}

async function withSession<T>(
  url: NativeSyncOptions['source'],
  database: string,
  logger: Logger,
  body: (client: PostgresClient) => Promise<T>,
): Promise<T> {
  const client = await connectPostgres(url, { database, logger });
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}
