-- Column changes the writer applied from schema changes (docs/architecture.md, "Schema
-- changes"). Each partition of a topic carries a copy of a change and the first copy applied
-- changes the table, so rows of a partition that has not reached its copy yet still have the old
-- shape: when the change's source position is after the row's, the writer gives an added column
-- its default, and leaves out or renames a dropped or renamed column. A shipped file never
-- changes: add 000004.sql instead.
CREATE TABLE _replicator.column_changes (
  schema_name text NOT NULL,
  table_name text NOT NULL,
  -- The schema change's source position (SourcePosition as JSON); unique per change.
  source_position jsonb NOT NULL,
  kind text NOT NULL CHECK (kind IN ('add_column', 'drop_column', 'rename_column')),
  column_name text NOT NULL,
  -- The new name of a renamed column; NULL otherwise.
  new_name text,
  -- The value an added column got in the existing rows (wire-encoded JSON); NULL otherwise.
  default_value jsonb,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema_name, table_name, source_position)
);
