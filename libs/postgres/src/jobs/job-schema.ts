/**
 * Wire names of the job state in the target's `_replicator` schema (created by
 * `libs/postgres/sql/000002.sql`, extended by later files).
 */
import type { TableId } from '@database-replicator/core';
import { REPLICATOR_SCHEMA } from '../writer/replicator-schema.js';

/** One row per job: `(job_id, source_kind, source_name, created_at, updated_at, incarnation)`. */
export const JOBS_TABLE: TableId = Object.freeze({ schema: REPLICATOR_SCHEMA, table: 'jobs' });

/** One row per job and table: phase, snapshot progress, lease, pending index DDL, last error. */
export const JOB_TABLES_TABLE: TableId = Object.freeze({
  schema: REPLICATOR_SCHEMA,
  table: 'job_tables',
});

/** One row per job and extractor: the checkpoint as JSON. */
export const EXTRACTOR_CHECKPOINTS_TABLE: TableId = Object.freeze({
  schema: REPLICATOR_SCHEMA,
  table: 'extractor_checkpoints',
});

// pg_advisory_xact_lock key serialising table registration across processes, because concurrent
// CREATE SCHEMA/TABLE IF NOT EXISTS of the same name can still fail on the catalog's unique
// indexes: 'DRJOBREG' as ASCII, an arbitrary constant that must simply never change.
export const REGISTER_LOCK_KEY = '4923079046944933191';
