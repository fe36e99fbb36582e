import { quoteIdent } from '@database-replicator/core';
import { failed, passed, type CheckOutcome } from './validation-check.js';
import type { PostgresServerFacts } from './validation-facts.js';

/**
 * Creating a slot and streaming from it needs the REPLICATION attribute or superuser; Amazon RDS
 * hands it out as membership in rds_replication instead.
 */
export function checkReplicationRole(source: PostgresServerFacts): CheckOutcome {
  const user = source.user;
  if (source.superuser) return passed(`${user} is a superuser`);
  if (source.replication) return passed(`${user} has the REPLICATION attribute`);
  if (source.rdsReplication) return passed(`${user} is a member of rds_replication`);
  return failed(
    `${user} on ${source.where} has no REPLICATION privilege (neither the REPLICATION attribute nor superuser)`,
    `As a superuser run ALTER ROLE ${quoteIdent(user)} WITH REPLICATION; (Amazon RDS: GRANT rds_replication TO ${quoteIdent(user)};).`,
  );
}
