-- Primary keys built after the load (libs/postgres/src/jobs/deferred-primary-key.ts). A table the
-- job creates for a snapshot gets its columns only; PostgreSQL would otherwise check and index
-- the key of every copied row, and one index build after the load costs the server about a
-- third less. The key is built when the table's snapshot is done, when a snapshot is resumed
-- (a resent page could otherwise be stored twice), and before any change needs it.
-- A shipped file never changes: add 000006.sql instead.
ALTER TABLE _replicator.job_tables
  -- True while the table has no primary key yet; key_columns names the key to build.
  ADD COLUMN primary_key_deferred boolean NOT NULL DEFAULT false,
  -- Claims of the table's snapshot since it (re)started; a second claim is a resumption.
  ADD COLUMN snapshot_claims integer NOT NULL DEFAULT 0;
