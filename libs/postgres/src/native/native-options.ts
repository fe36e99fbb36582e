/** Options and reports of the native init and sync runs. */
import type { Logger, ReplicatorConfig, Secret } from '@database-replicator/core';

/** Options of {@link runNativeInit}. */
export type NativeInitOptions = Readonly<{
  /** Source PostgreSQL URL; its database is replicated into the target URL's database. */
  source: Secret;
  /** Target PostgreSQL URL. */
  target: Secret;
  /** Selective replication rules; databases they name are replicated too. */
  filters: ReplicatorConfig['filters'];
  /** Parallel pg_dump / pg_restore jobs. */
  jobs: number;
  /** Directory of checkpoints and dumps (`<stateDir>/native/`). */
  stateDir: string;
  /** Allowed to change the source where filters need it (REPLICA IDENTITY FULL). */
  yes: boolean;
  /** Create the subscription and return once it runs; otherwise drop slot and publication. */
  enableSync: boolean;
  /** Replace selected tables that already exist on the target of a fresh run. */
  dropExisting: boolean;
  logger: Logger;
  /** Aborting stops child programs and leaves the checkpoint at the last finished step. */
  signal: AbortSignal;
  /** How long to wait for the subscription to run, in ms. Default 60000. */
  subscriptionTimeoutMs?: number;
}>;

/** How a database ended up. */
export type NativeDatabaseOutcome =
  /** Copied, and the subscription runs. */
  | 'replicating'
  /** Copied; slot and publication dropped (no --enable-sync). */
  | 'copied'
  /** A finished earlier run already did this; nothing changed. */
  | 'unchanged'
  /** The filters select no table of this database. */
  | 'skipped';

/** The result for one database. */
export type NativeDatabaseReport = Readonly<{
  sourceDatabase: string;
  targetDatabase: string;
  outcome: NativeDatabaseOutcome;
  tables: number;
  schemaOnlyTables: number;
  filteredTables: number;
  /** Rows copied into filtered tables. */
  filteredRows: number;
  /** Size of the dump directory, bytes. */
  dumpBytes: number;
  /** Whether this run continued an interrupted one. */
  resumed: boolean;
  publication: string | null;
  slot: string | null;
  subscription: string | null;
  /** Tables switched to REPLICA IDENTITY FULL for their row filter (`-y`). */
  replicaIdentityFull: readonly string[];
  durationMs: number;
}>;

/** The result of a native init or sync. */
export type NativeRunReport = Readonly<{
  jobId: string;
  checkpointPath: string;
  databases: readonly NativeDatabaseReport[];
}>;

/** Options of {@link runNativeSync}. */
export type NativeSyncOptions = Readonly<{
  source: Secret;
  target: Secret;
  filters: ReplicatorConfig['filters'];
  stateDir: string;
  logger: Logger;
  signal: AbortSignal;
  /** How long to wait for the subscription to run, in ms. Default 60000. */
  subscriptionTimeoutMs?: number;
}>;

/** What sync found and did for one database. */
export type NativeSyncAction = 'running' | 'enabled' | 'created';

/** The result of sync for one database. */
export type NativeSyncDatabaseReport = Readonly<{
  sourceDatabase: string;
  targetDatabase: string;
  subscription: string;
  action: NativeSyncAction;
}>;

/** The result of a sync. */
export type NativeSyncReport = Readonly<{
  jobId: string;
  databases: readonly NativeSyncDatabaseReport[];
}>;
