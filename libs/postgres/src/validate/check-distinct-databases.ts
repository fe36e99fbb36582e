/**
 * Source and target must not be the same database, however the URLs are spelled (localhost vs
 * 127.0.0.1, a DNS alias, a pooler): compare what the servers say about themselves. The system
 * identifier (pg_control_system()) names a cluster for its whole life. Where it is not readable,
 * the postmaster start time (microseconds; readable by everyone) and the database OID serve: two
 * open sessions of one cluster see the same start time, two clusters practically never do, but
 * this is circumstantial, so that outcome is only a warning unless it shows the same database.
 */
import { failed, passed, warned, type CheckOutcome } from './validation-check.js';
import type { PostgresServerFacts } from './validation-facts.js';

const SAME_DATABASE_FIX =
  'Point --target (DR_TARGET_URL) at another database; replicating a database into itself would overwrite the data it reads.';

/** Fails when source and target are one database; warns for two databases of one cluster. */
export function checkDistinctDatabases(
  source: PostgresServerFacts,
  target: PostgresServerFacts,
): CheckOutcome {
  if (source.systemIdentifier !== null && target.systemIdentifier !== null) {
    if (source.systemIdentifier !== target.systemIdentifier) {
      return passed(
        `different clusters (system identifiers ${source.systemIdentifier} and ${target.systemIdentifier})`,
      );
    }
    return sameCluster(source, target, `system identifier ${source.systemIdentifier}`);
  }
  if (source.startedAt === target.startedAt) {
    return sameCluster(
      source,
      target,
      `system identifier not readable; same server start time ${source.startedAt}`,
    );
  }
  return warned(
    `inconclusive: the system identifier is not readable (pg_control_system() not permitted); the servers started at different times (${source.startedAt}, ${target.startedAt}), so they are most likely different clusters`,
    'Make sure --source and --target name different databases; to make this check conclusive, connect as a superuser or GRANT EXECUTE ON FUNCTION pg_control_system() to the users.',
  );
}

function sameCluster(
  source: PostgresServerFacts,
  target: PostgresServerFacts,
  evidence: string,
): CheckOutcome {
  const sameDatabase =
    source.database === target.database && source.databaseOid === target.databaseOid;
  if (sameDatabase) {
    return failed(
      `source and target are the same database: ${source.database} on one cluster (${evidence}), reached as ${source.where} and ${target.where}`,
      SAME_DATABASE_FIX,
    );
  }
  return warned(
    `source and target are different databases (${source.database}, ${target.database}) of the same cluster (${evidence})`,
    'Allowed, but both sides then share one server: the copy and the replication load it twice, and its WAL retention serves both. Prefer a target on another server for production.',
  );
}
