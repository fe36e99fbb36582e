-- One row per verify run (CLI `verify` and services/verifier; docs/verify.md, "Run history"),
-- written after the run whatever its outcome, so operators see when source and target were last
-- shown equal. Counts add up the keys the run listed (at most the verifier's per-table cap);
-- differing_keys holds the first of them. A shipped file never changes: add 000005.sql instead.
CREATE TABLE _replicator.verify_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The job id of a service run, else the source's name (its database).
  job text NOT NULL,
  -- Where the run came from: 'cli' or 'service'.
  trigger text NOT NULL CHECK (trigger IN ('cli', 'service')),
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  -- 'ok' (every table matches), 'different', or 'failed' (the run itself failed; see error).
  status text NOT NULL CHECK (status IN ('ok', 'different', 'failed')),
  tables int NOT NULL DEFAULT 0,
  tables_differing int NOT NULL DEFAULT 0,
  ranges bigint NOT NULL DEFAULT 0,
  -- Source rows counted by the run.
  rows_compared bigint NOT NULL DEFAULT 0,
  missing bigint NOT NULL DEFAULT 0,
  extra bigint NOT NULL DEFAULT 0,
  different bigint NOT NULL DEFAULT 0,
  -- True when --repair re-copied differences; the counts are those of the check after it.
  repaired boolean NOT NULL DEFAULT false,
  -- [{"table": ..., "kind": "missing" | "extra" | "different", "key": {...}}], capped.
  differing_keys jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- True when differing_keys or the counts leave keys out.
  keys_truncated boolean NOT NULL DEFAULT false,
  -- The failure of a failed run (a ReplicatorError message, no secrets).
  error text
);

CREATE INDEX verify_runs_job_started_idx ON _replicator.verify_runs (job, started_at DESC);
