/**
 * `init` on the native path (PostgreSQL → PostgreSQL): for every database of the run, a
 * publication, a slot with an exported snapshot, pg_dump under that snapshot, pg_restore into
 * the target, then either a subscription on that very slot (copy_data = false) or, without
 * --enable-sync, the slot and publication dropped. Every database is planned and checked before
 * the first one is changed; a checkpoint makes the run resumable after any interruption.
 */
import { replicatorError } from '@database-replicator/core';
import { connectPostgres, type PostgresClient } from '../connection.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { withJobCheckpoint } from './job-checkpoint.js';
import { openNativeJob, type NativeJob } from './native-job.js';
import type { NativeDatabaseReport, NativeInitOptions, NativeRunReport } from './native-options.js';
import { prepareDatabase, type PreparedDatabase } from './prepare-database.js';
import { runDatabase } from './run-database.js';
import { ensureTargetDatabase } from './target-database.js';

/**
 * Runs `init` natively; resolves when every database is copied (and, with `enableSync`, its
 * subscription runs).
 *
 * @throws ReplicatorError — `REPL_NATIVE_*` (docs/errors.md), `REPL_CONFIG_TABLE_NOT_FOUND`,
 *   `REPL_CONNECT_FAILED`, `REPL_AUTH_FAILED`; when `signal` is aborted, whatever the
 *   interrupted step threw, with the checkpoint at the last finished step.
 */
export async function runNativeInit(options: NativeInitOptions): Promise<NativeRunReport> {
  const job = await openNativeJob(
    options.source,
    options.target,
    options.filters,
    options.stateDir,
    options.logger,
  );
  const opened: PostgresClient[] = [];
  try {
    return await withJobCheckpoint(options.stateDir, job, async (store) => {
      const prepared = await prepareAll(options, job, opened);
      const reports: NativeDatabaseReport[] = [];
      for (const { database, source } of prepared) {
        options.signal.throwIfAborted();
        reports.push(await initDatabase(options, job, store, database, source, opened));
      }
      return Object.freeze({
        jobId: job.jobId,
        checkpointPath: job.checkpointPath,
        databases: Object.freeze(reports),
      });
    });
  } finally {
    for (const client of opened.reverse()) await client.close();
    await job.close();
  }
}

type Prepared = Readonly<{ database: PreparedDatabase; source: PostgresClient }>;

/** Plans every database; refuses before any change when one cannot be replicated. */
async function prepareAll(
  options: NativeInitOptions,
  job: NativeJob,
  opened: PostgresClient[],
): Promise<readonly Prepared[]> {
  const prepared: Prepared[] = [];
  for (const [index, pair] of job.pairs.entries()) {
    const source =
      index === 0
        ? job.sourceAdmin
        : await track(
            opened,
            connectPostgres(options.source, { database: pair.source, logger: options.logger }),
          );
    const database = await prepareDatabase(
      source,
      pair,
      options.filters,
      job.jobId,
      job.sourceIdentity.versionNum,
    );
    prepared.push({ database, source });
  }
  if (prepared.every((p) => p.database.plan.length === 0)) {
    throw replicatorError(
      'REPL_NATIVE_NOTHING_SELECTED',
      `No table of ${job.pairs.map((p) => p.source).join(', ')} is selected for replication`,
    );
  }
  return prepared;
}

async function initDatabase(
  options: NativeInitOptions,
  job: NativeJob,
  store: CheckpointStore,
  database: PreparedDatabase,
  source: PostgresClient,
  opened: PostgresClient[],
): Promise<NativeDatabaseReport> {
  const { pair } = database;
  if (database.plan.length === 0) {
    options.logger.info({ database: pair.source }, 'no table selected: database skipped');
    return skipped(database);
  }
  const isUrlDatabase = pair.source === job.pairs[0]?.source;
  if (!isUrlDatabase) await ensureTargetDatabase(job.targetAdmin, pair.target, options.logger);
  const target = isUrlDatabase
    ? job.targetAdmin
    : await track(
        opened,
        connectPostgres(options.target, { database: pair.target, logger: options.logger }),
      );
  return runDatabase({ options, job, store, prepared: database, source, target });
}

async function track(
  opened: PostgresClient[],
  connecting: Promise<PostgresClient>,
): Promise<PostgresClient> {
  const client = await connecting;
  opened.push(client);
  return client;
}

function skipped(database: PreparedDatabase): NativeDatabaseReport {
  return Object.freeze({
    sourceDatabase: database.pair.source,
    targetDatabase: database.pair.target,
    outcome: 'skipped',
    tables: 0,
    schemaOnlyTables: 0,
    filteredTables: 0,
    filteredRows: 0,
    dumpBytes: 0,
    resumed: false,
    publication: null,
    slot: null,
    subscription: null,
    replicaIdentityFull: Object.freeze([]),
    durationMs: 0,
  });
}
