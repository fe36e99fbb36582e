/**
 * @database-replicator/postgres — PostgreSQL as source and target: connections, introspection,
 * native logical replication, pg_dump/pg_restore, verification and cutover. Each export carries
 * its TSDoc at its definition.
 */

// Connections
export { connectPostgres, databaseOf, hostOf, withDatabase } from './connection.js';
export type { ConnectOptions, PostgresClient } from './connection.js';
export { createLibpqEnvironment } from './libpq-environment.js';
export type { LibpqEnvironment } from './libpq-environment.js';

// Introspection
export { listSequences, listTables } from './introspect.js';
export type { PostgresSequenceInfo, PostgresTableInfo, ReplicaIdentity } from './introspect.js';

// validate (issue 4): facts are gathered from the servers, then judged by pure checks
export { evaluateValidation } from './validate/evaluate-validation.js';
export { validatePostgres } from './validate/validate-postgres.js';
export type { ValidatePostgresOptions } from './validate/validate-postgres.js';
export type {
  CheckStatus,
  ValidationCheck,
  ValidationReport,
} from './validate/validation-check.js';
export type {
  PostgresServerFacts,
  ReachedServer,
  SourceTableFacts,
  UnreachableServer,
  ValidationFacts,
} from './validate/validation-facts.js';

// Native replication: status and cutover (issue 4)
export { assessSubscriptionPhase } from './replication/subscription-phase.js';
export type {
  SubscriptionAssessment,
  SubscriptionFacts,
  SubscriptionPhase,
} from './replication/subscription-phase.js';
export {
  laterLsn,
  lsnDistanceBytes,
  measureReplicationLag,
} from './replication/replication-lag.js';
export type { LagFacts, ReplicationLag } from './replication/replication-lag.js';
export { tableSyncStateOf } from './replication/table-sync-state.js';
export type { TableSyncState } from './replication/table-sync-state.js';
export { readTargetSubscriptions } from './replication/target-subscriptions.js';
export type { SubscriptionTable, TargetSubscription } from './replication/target-subscriptions.js';
export { readCurrentLsn, readSourceSlots } from './replication/source-slots.js';
export type { SourceSlot, SourceSlots } from './replication/source-slots.js';
export { readReplicationStatus } from './replication/replication-status.js';
export type { ReplicationStatus, SubscriptionStatus } from './replication/replication-status.js';
export { subscriptionNotFoundError } from './replication/subscription-not-found.js';
export { waitForCatchUp } from './replication/wait-for-catch-up.js';
export type {
  CatchUpOptions,
  CatchUpProgress,
  SubscriptionProgress,
} from './replication/wait-for-catch-up.js';
export { chooseSequenceValue } from './replication/sequence-value.js';
export type { SequenceValueFacts } from './replication/sequence-value.js';
export { advanceSequences } from './replication/advance-sequences.js';
export type { SequenceAdvance } from './replication/advance-sequences.js';
export { disableSubscription } from './replication/disable-subscription.js';
export type { DisableSubscriptionOptions } from './replication/disable-subscription.js';
export { dropSubscription } from './replication/drop-subscription.js';
export { dropReplicationSlot } from './replication/drop-replication-slot.js';
export type { DropSlotOptions } from './replication/drop-replication-slot.js';
export { dropUnusedPublications } from './replication/drop-unused-publications.js';
export type { PublicationOutcome } from './replication/drop-unused-publications.js';
export { cutoverNativeReplication } from './replication/cutover.js';
export type {
  CutoverOptions,
  CutoverSubscriptionOutcome,
  CutoverSummary,
} from './replication/cutover.js';

// verify (issue 4): the PostgreSQL side of libs/pipeline's verifier, matched structurally
export { openPostgresVerify } from './verify/open-postgres-verify.js';
export type {
  PostgresVerifyOptions,
  PostgresVerifySession,
  PostgresVerifyTable,
} from './verify/open-postgres-verify.js';
export { createPostgresChecksummer } from './verify/postgres-checksummer.js';
export type {
  PostgresChecksummer,
  PostgresChecksummerOptions,
} from './verify/postgres-checksummer.js';
export type { PostgresReplicationProgress } from './verify/subscription-progress.js';
export { createClientPool } from './verify/client-pool.js';
export type { ClientPoolOptions, PostgresClientPool } from './verify/client-pool.js';
export type { KeyColumn, RowFilter, TextKeyRange } from './verify/range-sql.js';

// Native logical replication: init and sync (PostgreSQL → PostgreSQL)
export { runNativeInit } from './native/native-init.js';
export { runNativeSync } from './native/native-sync.js';
export type {
  NativeDatabaseOutcome,
  NativeDatabaseReport,
  NativeInitOptions,
  NativeRunReport,
  NativeSyncAction,
  NativeSyncDatabaseReport,
  NativeSyncOptions,
  NativeSyncReport,
} from './native/native-options.js';
export { nativeCheckpointPath, readNativeCheckpoint } from './native/native-checkpoint.js';
export type { NativeCheckpoint, NativeDatabaseState } from './native/native-checkpoint.js';
export {
  NATIVE_PHASES,
  advanceNativePhase,
  nextNativeStep,
  resumeNativePhase,
} from './native/native-phase.js';
export type {
  NativePhase,
  NativeResumeAction,
  NativeResumePoint,
  NativeStep,
} from './native/native-phase.js';
export { nativeJobId, nativeObjectNames } from './native/native-names.js';
export type { NativeEndpoint, NativeObjectNames } from './native/native-names.js';
export { nativeFingerprint } from './native/native-fingerprint.js';
export { composeRowPredicate } from './native/row-predicate.js';
export { databasePairs } from './native/database-pairs.js';
export type { NativeDatabasePair } from './native/database-pairs.js';
export { buildConninfo, quoteConninfoValue } from './native/conninfo.js';
export { buildDumpArguments, buildRestoreArguments } from './native/tool-arguments.js';
export type { DumpArguments, RestoreArguments, RestoreSection } from './native/tool-arguments.js';
export { rowFilterAttributeNumbers } from './native/row-filter-columns.js';
export { findKeylessTables } from './native/keyless-tables.js';

// Target writer (issue 5): `_replicator` migrations and exactly-once batched apply
export { migrateReplicatorSchema } from './writer/migrate.js';
export type { MigrateOptions, MigrationResult } from './writer/migrate.js';
export { applyChangeBatch } from './writer/apply-change-batch.js';
export type { ApplyChangeBatchOptions } from './writer/apply-change-batch.js';
export type { ApplyResult, BatchEvent, ChangeBatch } from './writer/change-batch.js';
export { partitionKey, planChangeBatch } from './writer/plan-change-batch.js';
export type {
  ChangePlan,
  PartitionAdvance,
  StoredPartition,
  UpsertGroup,
} from './writer/plan-change-batch.js';
export { TargetTableShapeCache, readTargetTableShape } from './writer/target-table-shape.js';
export type { ColumnKind, TargetColumn, TargetTableShape } from './writer/target-table-shape.js';
export { copyTextField, toPostgresText } from './writer/pg-text.js';
export { OFFSETS_TABLE, REPLICATOR_SCHEMA } from './writer/replicator-schema.js';

// Loader target (issue 5): libs/pipeline's ChangeApplier over one connection, with key lookup
export { createPostgresChangeApplier } from './writer/postgres-change-applier.js';
export type {
  PostgresChangeApplier,
  PostgresChangeApplierOptions,
} from './writer/postgres-change-applier.js';

// Job state (issue 5): libs/pipeline's JobStore, JobRegistrar and JobStatusReader, structurally
export { createPostgresJobStore } from './jobs/postgres-job-store.js';
export type { PostgresJobStore, PostgresJobStoreOptions } from './jobs/postgres-job-store.js';
export type { JobStoreConnection } from './jobs/job-database.js';
export { EXTRACTOR_CHECKPOINTS_TABLE, JOB_TABLES_TABLE, JOBS_TABLE } from './jobs/job-schema.js';

// PostgreSQL as a pipeline source (issue 5, libs/source-postgres): table definitions for the
// target, and the publication shared with native init
export { readTableDefinitions } from './table-definitions.js';
export type { PostgresColumnDefinition, PostgresTableDefinition } from './table-definitions.js';
export { createNativePublication } from './native/publication.js';
export type { CreatePublicationOptions, PublicationTable } from './native/publication.js';

// Pipeline drain (issue 5): what the target applied per partition
export { readStoredOffsets, rewindStoredOffsets } from './writer/stored-offsets.js';
export { canCreateSubscription } from './subscription-privilege.js';

// Copy chunks: snapshot rows loaded as COPY text
export { applyCopyChunks } from './writer/apply-copy-chunks.js';
export type { BatchCopyChunk, CopyChunkBatch } from './writer/change-batch.js';

// Cross-engine verify and repair (issue 7): the target side of MySQL/SQLite → PostgreSQL verify
// (canonical row text and hash), repair through applyChangeBatch, PostgreSQL rows by key
export { canonicalRowHash, canonicalRowText } from './verify/canonical-sql.js';
export type { CanonicalColumn, CanonicalKind } from './verify/canonical-sql.js';
export { openCanonicalTarget } from './verify/open-canonical-target.js';
export type {
  CanonicalTarget,
  CanonicalTargetOptions,
  CanonicalTargetSide,
  CanonicalTargetTable,
} from './verify/open-canonical-target.js';
export { applyRepairEvents, REPAIR_CONSUMER_GROUP } from './verify/apply-repair.js';
export { openPostgresRepairSource } from './verify/postgres-repair-source.js';
export type { PostgresRepairSource } from './verify/postgres-repair-source.js';

// Change chunks refused in part: the events the target refuses, probed in a rolled-back transaction
export { findPoisonEvents } from './writer/find-poison-events.js';
export type { FindPoisonEventsOptions, PoisonEvent } from './writer/find-poison-events.js';

// Copy chunks refused in part: the rows the target refuses, bisected in a rolled-back transaction
export { findRefusedCopyRows } from './writer/find-refused-copy-rows.js';
export type {
  FindRefusedCopyRowsOptions,
  RefusedCopyRow,
} from './writer/find-refused-copy-rows.js';

// Loader target (issue 5): several change batches (tables, partitions) in one transaction
export { applyChangeBatches } from './writer/apply-change-batches.js';

// Verify while a pipeline applies (issue 7): exact catch-up on ordered streams (MySQL binlog, SQLite changelog)
export { findAppliedProgress } from './verify/applied-progress.js';
export type { AppliedProgress, AppliedProgressOptions } from './verify/applied-progress.js';
export {
  AppliedUpTo,
  STALE_CHECKPOINT_MS,
  isAtOrAfter,
  isSentApplied,
  partitionRef,
} from './verify/applied-up-to.js';
export type {
  AppliedState,
  ExtractorProgressState,
  SentPartitionPosition,
} from './verify/applied-up-to.js';

// A refused message settled once (loader dead letters): its partition's lock, then its offset
export type { RefusedMessage } from './writer/settle-refused-message.js';
