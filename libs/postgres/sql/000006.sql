-- A job's incarnation: a random id made when its row is, i.e. when the job first touches this
-- target. Extractors stamp it on every message (header `dr-incarnation`) and loaders skip
-- messages stamped with an id no job of this target has: the job's topics and consumer group
-- outlive the target, so a job started over on a new or emptied target must not apply what an
-- earlier run left past the loaders' last commit (docs/architecture.md, "Positions and
-- exactly-once effect"). A shipped file never changes: add 000007.sql instead.
ALTER TABLE _replicator.jobs
  ADD COLUMN incarnation text NOT NULL DEFAULT gen_random_uuid()::text;
CREATE UNIQUE INDEX jobs_incarnation ON _replicator.jobs (incarnation);
