/**
 * Server versions: logical replication (publications, slots of pgoutput, subscriptions) exists
 * from PostgreSQL 10; publication row filters, which table_filters and time_filters become,
 * from 15. pg_dump output of a newer server is not guaranteed to restore into an older one.
 */
import { failed, passed, warned, type CheckOutcome } from './validation-check.js';
import type { PostgresServerFacts } from './validation-facts.js';

/** Oldest version with logical replication. */
export const MIN_LOGICAL_VERSION_NUM = 100000;
/** Oldest version with publication row filters. */
export const ROW_FILTER_VERSION_NUM = 150000;

/** `15`, `9.6`: the major version as people write it. */
export function majorVersion(versionNum: number): string {
  return versionNum >= 100000
    ? String(Math.floor(versionNum / 10000))
    : `${Math.floor(versionNum / 10000)}.${Math.floor(versionNum / 100) % 100}`;
}

/** `15.18` out of `15.18 (Debian 15.18-0+deb12u1)`. */
function release(server: PostgresServerFacts): string {
  return server.version.split(' ')[0] ?? server.version;
}

/** The source must be 10+; features that need 15+ are named when it is older. */
export function checkSourceVersion(source: PostgresServerFacts): CheckOutcome {
  const major = majorVersion(source.versionNum);
  if (source.versionNum < MIN_LOGICAL_VERSION_NUM) {
    return failed(
      `source ${source.where} runs PostgreSQL ${major}; logical replication needs 10 or later`,
      'Upgrade the source to PostgreSQL 10 or later (15+ for row filters).',
    );
  }
  if (source.versionNum < ROW_FILTER_VERSION_NUM) {
    return passed(
      `PostgreSQL ${release(source)}; features that need 15+ are unavailable: row filters (table_filters, time_filters)`,
    );
  }
  return passed(`PostgreSQL ${release(source)}`);
}

/** The target must be 10+ for subscriptions, and should not be older than the source. */
export function checkTargetVersion(
  target: PostgresServerFacts,
  source: PostgresServerFacts | undefined,
): CheckOutcome {
  const major = majorVersion(target.versionNum);
  if (target.versionNum < MIN_LOGICAL_VERSION_NUM) {
    return failed(
      `target ${target.where} runs PostgreSQL ${major}; subscriptions need 10 or later`,
      'Use a target running PostgreSQL 10 or later, ideally the same major version as the source or newer.',
    );
  }
  if (
    source !== undefined &&
    Math.floor(target.versionNum / 10000) < Math.floor(source.versionNum / 10000)
  ) {
    const sourceMajor = majorVersion(source.versionNum);
    return warned(
      `target runs PostgreSQL ${major}, older than the source's ${sourceMajor}; a schema dumped from the newer server may use syntax the older one rejects`,
      `Use a target running PostgreSQL ${sourceMajor} or later, or check the restored schema carefully.`,
    );
  }
  return passed(`PostgreSQL ${release(target)}`);
}
