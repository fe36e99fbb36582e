/**
 * The snapshot (pg_dump or COPY) reads every selected table as the connecting user: that needs
 * USAGE on the table's schema and SELECT on the table. A superuser has both implicitly.
 */
import { quoteIdent, quoteTable } from '@database-replicator/core';
import {
  failed,
  listNames,
  passed,
  plural,
  tableName,
  type CheckOutcome,
} from './validation-check.js';
import type { PostgresServerFacts, SourceTableFacts } from './validation-facts.js';

/** SELECT on every selected table (and USAGE on its schema). */
export function checkTablePrivileges(
  source: PostgresServerFacts,
  tables: readonly SourceTableFacts[],
): CheckOutcome {
  const noUsage = [...new Set(tables.filter((t) => !t.schemaUsage).map((t) => t.plan.id.schema))];
  const noSelect = tables.filter((t) => !t.canSelect);
  if (noUsage.length === 0 && noSelect.length === 0) {
    return passed(`${source.user} may read all ${plural(tables.length, 'selected table')}`);
  }
  const user = quoteIdent(source.user);
  const problems: string[] = [];
  const grants: string[] = [];
  if (noSelect.length > 0) {
    problems.push(`no SELECT on ${listNames(noSelect.map((t) => tableName(t.plan.id)))}`);
    grants.push(
      `GRANT SELECT ON ${noSelect.map((t) => quoteTable(t.plan.id)).join(', ')} TO ${user};`,
    );
  }
  if (noUsage.length > 0) {
    problems.push(`no USAGE on schema ${listNames(noUsage)}`);
    grants.push(`GRANT USAGE ON SCHEMA ${noUsage.map(quoteIdent).join(', ')} TO ${user};`);
  }
  return failed(
    `${source.user} on ${source.where} has ${problems.join(' and ')}`,
    `As the owner or a superuser run ${grants.join(' ')} Or exclude the tables (--exclude-tables).`,
  );
}
