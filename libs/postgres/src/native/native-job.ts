/**
 * A native job: a source and a target server, the database pairs the filters name, and the job
 * id that names the checkpoint and every object created. Opening a job identifies both servers
 * and refuses any pair that is one database, before anything is changed anywhere.
 */
import type { Logger, ReplicatorConfig, Secret } from '@database-replicator/core';
import { connectPostgres, databaseOf, hostOf, type PostgresClient } from '../connection.js';
import { databasePairs, type NativeDatabasePair } from './database-pairs.js';
import { nativeCheckpointPath } from './native-checkpoint.js';
import { nativeJobId } from './native-names.js';
import {
  assertDistinctDatabases,
  readServerIdentity,
  type ServerIdentity,
} from './server-identity.js';

/** An opened job; `close()` ends its two sessions. */
export type NativeJob = Readonly<{
  jobId: string;
  checkpointPath: string;
  pairs: readonly NativeDatabasePair[];
  sourceIdentity: ServerIdentity;
  targetIdentity: ServerIdentity;
  /** Session on the source URL's database. */
  sourceAdmin: PostgresClient;
  /** Session on the target URL's database. */
  targetAdmin: PostgresClient;
  close: () => Promise<void>;
}>;

/**
 * Opens the job of `source` → `target`.
 *
 * @throws ReplicatorError `REPL_NATIVE_SAME_DATABASE`, `REPL_CONNECT_FAILED`, `REPL_AUTH_FAILED`.
 */
export async function openNativeJob(
  source: Secret,
  target: Secret,
  filters: ReplicatorConfig['filters'],
  stateDir: string,
  logger: Logger,
): Promise<NativeJob> {
  const sourceDatabase = databaseOf(source);
  const targetDatabase = databaseOf(target);
  const sourceAdmin = await connectPostgres(source, { logger });
  let targetAdmin: PostgresClient | undefined;
  try {
    targetAdmin = await connectPostgres(target, { logger });
    const sourceIdentity = await readServerIdentity(sourceAdmin, source, sourceDatabase, logger);
    const targetIdentity = await readServerIdentity(targetAdmin, target, targetDatabase, logger);
    const pairs = databasePairs(sourceDatabase, targetDatabase, filters);
    for (const pair of pairs) {
      assertDistinctDatabases(
        { identity: sourceIdentity, database: pair.source, where: hostOf(source, pair.source) },
        { identity: targetIdentity, database: pair.target, where: hostOf(target, pair.target) },
      );
    }
    const jobId = nativeJobId(
      { systemIdentifier: sourceIdentity.systemIdentifier, database: sourceDatabase },
      { systemIdentifier: targetIdentity.systemIdentifier, database: targetDatabase },
    );
    const opened = targetAdmin;
    return Object.freeze({
      jobId,
      checkpointPath: nativeCheckpointPath(stateDir, jobId),
      pairs,
      sourceIdentity,
      targetIdentity,
      sourceAdmin,
      targetAdmin: opened,
      close: async () => {
        await opened.close();
        await sourceAdmin.close();
      },
    });
  } catch (error) {
    await targetAdmin?.close();
    await sourceAdmin.close();
    throw error;
  }
}
