-- The loader's bookkeeping in the target database (ARCHITECTURE §4). Applied once, in a
-- transaction, by migrateReplicatorSchema; a shipped file never changes: add 000002.sql instead.
CREATE SCHEMA IF NOT EXISTS _replicator;

CREATE TABLE _replicator.migrations (
  id int PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- The next bus offset to apply per consumer group and partition, written in the same
-- transaction as the rows it covers: a replayed message below next_offset is skipped.
CREATE TABLE _replicator.offsets (
  consumer_group text NOT NULL,
  topic text NOT NULL,
  partition int NOT NULL,
  next_offset bigint NOT NULL,
  -- The source position of the last applied event of the partition (SourcePosition as JSON).
  source_position jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
);
