/**
 * Both paths read the source through a publication (pgoutput streams only published tables),
 * and CREATE PUBLICATION … FOR TABLE needs CREATE on the database and ownership of every table
 * it names. A superuser needs neither.
 */
import { quoteIdent } from '@database-replicator/core';
import { failed, listNames, passed, tableName, type CheckOutcome } from './validation-check.js';
import type { PostgresServerFacts, SourceTableFacts } from './validation-facts.js';

/** Whether the source user may create the publication of the selected tables. */
export function checkPublicationOwner(
  source: PostgresServerFacts,
  tables: readonly SourceTableFacts[],
): CheckOutcome {
  if (source.superuser) return passed(`${source.user} is a superuser`);
  const notOwned = tables.filter((t) => !t.owned);
  if (source.createInDatabase && notOwned.length === 0) {
    return passed(`${source.user} owns every selected table and may create publications`);
  }
  const user = quoteIdent(source.user);
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!source.createInDatabase) {
    problems.push(`no CREATE on database ${source.database}`);
    fixes.push(
      `As the database owner or a superuser run GRANT CREATE ON DATABASE ${quoteIdent(source.database)} TO ${user};`,
    );
  }
  if (notOwned.length > 0) {
    const owners = [...new Set(notOwned.map((t) => t.owner))];
    problems.push(
      `does not own ${listNames(notOwned.map((t) => `${tableName(t.plan.id)} (owner ${t.owner})`))}`,
    );
    // Membership in the owner role is what the ownership test accepts; granting a superuser
    // role that way would hand out far more than replication needs, hence the caveat.
    fixes.push(
      `Connect to the source as the tables' owner (${listNames(owners)}) or a superuser, or, for an owner role that is not a superuser, run GRANT ${owners.map(quoteIdent).join(', ')} TO ${user};`,
    );
  }
  return failed(
    `${source.user} on ${source.where} cannot create the publication: ${problems.join(' and ')}`,
    fixes.join(' '),
  );
}
