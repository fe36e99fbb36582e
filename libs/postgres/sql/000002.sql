-- Job state the coordinator owns (ARCHITECTURE §4): jobs, per-table snapshot state and leases,
-- and extractor checkpoints. Nothing here holds a URL or a secret: sources are named by kind and
-- configured name only. A shipped file never changes: add 000003.sql instead.
CREATE TABLE _replicator.jobs (
  job_id text PRIMARY KEY,
  -- 'postgres', 'mysql', 'mongodb' or 'sqlite' and the source's configured name; NULL until
  -- the job's source is registered (tables and checkpoints may arrive first).
  source_kind text CHECK (source_kind IN ('postgres', 'mysql', 'mongodb', 'sqlite')),
  source_name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE _replicator.job_tables (
  job_id text NOT NULL REFERENCES _replicator.jobs (job_id) ON DELETE CASCADE,
  schema_name text NOT NULL,
  table_name text NOT NULL,
  key_columns text[] NOT NULL,
  estimated_rows bigint NOT NULL DEFAULT 0,
  phase text NOT NULL DEFAULT 'pending'
    CHECK (phase IN ('pending', 'snapshot', 'snapshot_done', 'streaming', 'failed')),
  rows_copied bigint NOT NULL DEFAULT 0,
  -- Key of the last snapshot row on the bus (a ChangeKey as JSON); the snapshot resumes after it.
  snapshot_after_key jsonb,
  -- The snapshot worker holding the table; it may save progress until another worker claims
  -- the table after lease_expires_at. Each save renews the lease by lease_ms.
  lease_owner text,
  lease_expires_at timestamptz,
  lease_ms bigint,
  -- Secondary index DDL from the source, run once the table's snapshot is done.
  indexes text[] NOT NULL DEFAULT '{}',
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, schema_name, table_name)
);

CREATE TABLE _replicator.extractor_checkpoints (
  job_id text NOT NULL REFERENCES _replicator.jobs (job_id) ON DELETE CASCADE,
  extractor_id text NOT NULL,
  -- ExtractorCheckpoint as JSON: { start, stream, snapshotDone }, positions as SourcePosition.
  checkpoint jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, extractor_id)
);
