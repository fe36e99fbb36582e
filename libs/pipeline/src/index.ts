/**
 * @database-replicator/pipeline — transport-agnostic orchestration shared by every source:
 * verification by key-range checksums with bisection (more with the pipeline issue). Engines
 * plug in by implementing {@link TableChecksummer} (structurally; they need not import it).
 */

// Verify
export { verifyTables, VERIFY_DEFAULTS } from './verify/verify-tables.js';
export type { VerifyOptions } from './verify/verify-tables.js';
export type { VerifyTableInput } from './verify/verify-table.js';
export type {
  KeyObject,
  TableVerifyResult,
  VerifyReport,
  VerifyStatus,
} from './verify/verify-result.js';
export { isCleanStatus } from './verify/verify-result.js';
export type {
  RangeChecksum,
  ReplicationProgress,
  RowHash,
  TableChecksummer,
} from './verify/table-checksummer.js';
export { FULL_RANGE, keyObject, keyString, splitRange } from './verify/key-range.js';
export type { KeyRange, RowKey } from './verify/key-range.js';
export { diffRows } from './verify/diff-rows.js';
export type { RowDiff } from './verify/diff-rows.js';

// Loader
export { runLoader } from './loader/run-loader.js';
export type { LoaderOptions, LoaderProgress, LoaderStats } from './loader/run-loader.js';
export type {
  ApplyBatch,
  ApplyCounts,
  ChangeApplier,
  DeadLetter,
  DeadLetterSink,
  LoaderBatch,
  LoaderConsumer,
  LoaderEvent,
  LoaderRecord,
} from './loader/loader-ports.js';

// Extractor side: the contract every source implements, and the job state it checkpoints to
export type {
  ChangeSource,
  SnapshotReadOptions,
  SourceTable,
  SourceTransaction,
  TargetColumnDefinition,
} from './extractor/change-source.js';
export type {
  ExtractorCheckpoint,
  JobStore,
  SnapshotClaim,
  SnapshotProgress,
  TablePhase,
} from './job/job-store.js';

// Job status and registration (coordinator): read by `status` and the coordinator's HTTP API
export { TABLE_PHASES } from './job/job-status.js';
export type {
  CoordinatorJobStore,
  JobRegistrar,
  JobSource,
  JobStatusReader,
  JobSummary,
  JobTableStatus,
} from './job/job-status.js';
export { runExtractor } from './extractor/run-extractor.js';
export type {
  ExtractorOptions,
  ExtractorProgress,
  ExtractorReport,
} from './extractor/extractor-options.js';
export type {
  ExtractorBus,
  ExtractorMessage,
  ExtractorProducer,
} from './extractor/extractor-ports.js';
export { eventMessages, messageKey } from './extractor/event-builder.js';
export type { SnapshotEventMode } from './extractor/snapshot-messages.js';

// Loader on a bus: dead letters to `<prefix>.dead-letters` (issue 5)
export { createBusDeadLetterSink } from './loader/bus-dead-letter-sink.js';
export type { DeadLetterProducer, DeadLetterValue } from './loader/bus-dead-letter-sink.js';
export { deadLetterTopic } from './loader/dead-letter-topic.js';
export {
  DEAD_LETTER_CODE_HEADER,
  DEAD_LETTER_TOPIC_SUFFIX,
  INCARNATION_HEADER,
} from './loader/constants.js';

// Copy snapshot pages: the COPY-text form a source may offer beside readSnapshot
export type { CopySnapshotPage } from './extractor/change-source.js';

// verify --repair (issue 7): differing keys re-copied through the loader's apply path
export { repairTable } from './verify/repair-table.js';
export type { RepairApply, RepairOutcome, RepairSource } from './verify/repair-table.js';
export type { CopyChunkBatch, LoaderCopyChunk } from './loader/loader-ports.js';

// Refresh mode (issue 8): sources without a change stream compare tables by key and content hash
export { refreshChanges } from './refresh/refresh-changes.js';
export type { RefreshContext, RefreshRow, RefreshTable } from './refresh/refresh-changes.js';
export { RefreshStateStore, addHash } from './refresh/refresh-state-store.js';
export type {
  LoadedRefreshState,
  RefreshState,
  RefreshStateStoreOptions,
} from './refresh/refresh-state-store.js';

// The canonical hashes of libs/postgres canonical-sql.ts computed in Node (issue 7)
export { ROW_SEPARATOR, createRangeDigest, rowHash60 } from './verify/range-digest.js';
export type { RangeDigest } from './verify/range-digest.js';

// verify (issue 7): table selection shared by the cross-engine sessions; sample values and masks
export { selectVerifyPlans, verifyBlockOf } from './verify/select-verify-plans.js';
export type { VerifyBlock, VerifyTableNaming } from './verify/select-verify-plans.js';
export {
  MASKED,
  NO_MASK,
  formatSample,
  maskSample,
  maskedColumnsOf,
  parseMaskColumns,
  sampleRow,
} from './verify/row-samples.js';
export type { ColumnSample, MaskColumns, RowSample } from './verify/row-samples.js';

// Change-data-capture throughput: change chunks on Kafka, in-process values on the memory bus
export type { ChangeEventMode } from './extractor/stream-topic-messages.js';
export type { ExtractorLocalValue } from './extractor/extractor-ports.js';
export type { LoaderLocalValue, PoisonEvent } from './loader/loader-ports.js';

// Copy chunks refused in part: the applier's probe of refused rows (optional on ChangeApplier)
export type { RefusedCopyRow } from './loader/loader-ports.js';

// Verify while changes stream (issue 7): the checkpoint's last position sent per partition
export type { SentPosition } from './job/job-store.js';

// Cross-engine verify (issue 7): the table and session shape every source lib gives verify
export type {
  SourceVerifySession,
  SourceVerifyTable,
  VerifyKeyColumn,
} from './verify/source-verify-session.js';

// A refused message settled once under the target's lock (optional on ChangeApplier)
export type { RefusedMessage } from './loader/loader-ports.js';
