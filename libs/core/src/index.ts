/**
 * @database-replicator/core — the contracts every other lib and service shares: typed errors,
 * secrets and redaction, the logger, table identity, lossless values, source positions, the
 * change-event envelope and topics, the run configuration, and retry. Each export carries its
 * TSDoc at its definition.
 */

// Errors (docs/errors.md documents every code)
export {
  ERROR_CATALOGUE,
  ReplicatorError,
  isErrorCode,
  isReplicatorError,
  replicatorError,
} from './errors.js';
export type {
  ErrorCatalogueEntry,
  ErrorCode,
  ErrorDetails,
  ReplicatorErrorOptions,
} from './errors.js';

// Secrets and redaction
export { Secret } from './secret.js';
export { redactText, redactUrl } from './redact.js';

// Logging
export { LOG_LEVELS, createLogger } from './logger.js';
export type { LogLevel, Logger, LoggerOptions } from './logger.js';

// Table identity
export {
  formatTableRef,
  parseTableRef,
  parseTableSelector,
  quoteIdent,
  quoteMysqlIdent,
  quoteTable,
  resolveTableSelector,
  tableKey,
} from './identity.js';
export type { TableDefaults, TableId, TableSelector } from './identity.js';

// Values on the wire
export { decodeBase64, encodeValue } from './values.js';
export { parseExactJson } from './exact-json.js';
export { numberText } from './number-text.js';
export type { JsonValue } from './values.js';

// Source positions
export {
  comparePositions,
  formatLsn,
  parseLsn,
  parseSourcePosition,
  sourcePositionSchema,
} from './position.js';
export type {
  BinlogPosition,
  MongoResumePosition,
  PostgresPosition,
  SourcePosition,
  SqliteChangelogPosition,
} from './position.js';

// Change events and topics
export {
  changeEventSchema,
  changeKeySchema,
  changeSourceSchema,
  deserializeChangeEvent,
  parseChangeEvent,
  serializeChangeEvent,
} from './envelope.js';
export type {
  ChangeEvent,
  ChangeKey,
  ChangeOperation,
  ChangeRow,
  ChangeSource,
  ConnectorName,
} from './envelope.js';
export {
  isSnapshotChunkValue,
  parseSnapshotChunk,
  serializeSnapshotChunk,
  snapshotChunkEvents,
} from './snapshot-chunk.js';
export type { SnapshotChunk } from './snapshot-chunk.js';
export {
  countLines,
  isCopyChunkMessage,
  parseCopyChunk,
  serializeCopyChunk,
} from './copy-chunk.js';
export type { CopyChunk } from './copy-chunk.js';
export { decodeEventMessage } from './event-message.js';
export type { EventMessage } from './event-message.js';
export { eventTopic, parseEventTopic } from './event-topic.js';
export type { EventTopicParts } from './event-topic.js';

// Configuration
export { SOURCE_KINDS, detectSourceKind } from './source-url.js';
export type { SourceKind } from './source-url.js';
export { loadConfig } from './config-load.js';
export type { ConfigEnv, ConfigFlags, LoadConfigOptions } from './config-load.js';
export type { ReplicatorConfig } from './config-schema.js';
export { parseTableFilterFlag, parseTableListFlag, parseTimeFilterFlag } from './filters.js';
export type { TableFilter, TimeFilter } from './filters.js';
export { TIME_UNITS } from './time-window.js';
export type { TimeUnit, TimeWindow } from './time-window.js';

// Retry
export { computeBackoffMs, retry } from './retry.js';
export type { BackoffOptions, RetryEvent, RetryOptions } from './retry.js';
export { isTransientError } from './transient-error.js';

// Table selection
export { planTable, planTables } from './table-selection.js';
export type { TablePlan } from './table-selection.js';

// Presentation
export { formatBytes } from './format-bytes.js';

// MongoDB refresh positions (issue 8)
export type { MongoRefreshPosition } from './position.js';

// Schema changes while streaming (issue 6, DDL)
export { schemaChangeSchema } from './schema-change.js';
export type { SchemaChange, SchemaChangeColumn, SchemaChangeKind } from './schema-change.js';

// In-process change events and chunks (the in-process bus hands them to the loader without
// JSON) and change chunks as text (many streamed events per message, for Kafka)
export { LocalChangeChunk, LocalChangeEvent, localEventMessage } from './event-message.js';
export {
  isChunkableEvent,
  parseChangeChunk,
  serializeChangeChunk,
  serializeChunkEvent,
} from './change-chunk.js';
export type { ChangeChunkSource } from './change-chunk.js';
export { jsonbText } from './jsonb-text.js';
export { boundHeapGrowth } from './heap-growth.js';
