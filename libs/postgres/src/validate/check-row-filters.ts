/**
 * table_filters and time_filters become publication row filters (`WHERE` on a publication
 * table), which exist from PostgreSQL 15. A publication that publishes UPDATE and DELETE
 * requires the filter's columns to be part of the replica identity, or those statements fail on
 * the source; REPLICA IDENTITY FULL covers every column (init -y sets it).
 */
import { quoteTable } from '@database-replicator/core';
import {
  failed,
  listNames,
  passed,
  plural,
  tableName,
  warned,
  type CheckOutcome,
} from './validation-check.js';
import { majorVersion, ROW_FILTER_VERSION_NUM } from './check-version.js';
import type { PostgresServerFacts, SourceTableFacts } from './validation-facts.js';

function isFiltered(table: SourceTableFacts): boolean {
  return (
    !table.plan.schemaOnly &&
    (table.plan.rowFilters.length > 0 || table.plan.timeFilters.length > 0)
  );
}

// Only a time filter names its column; an SQL predicate may use any column, so it is covered
// only by FULL. A unique-index identity's columns are not known here, so it counts as uncovered.
function identityCoversFilters(table: SourceTableFacts): boolean {
  if (table.replicaIdentity === 'full') return true;
  if (table.replicaIdentity !== 'default' || table.plan.rowFilters.length > 0) return false;
  return table.plan.timeFilters.every((f) => table.primaryKey.includes(f.column));
}

/** Row filters need a 15+ source, and filtered tables should have REPLICA IDENTITY FULL. */
export function checkRowFilters(
  source: PostgresServerFacts,
  tables: readonly SourceTableFacts[],
): CheckOutcome {
  const filtered = tables.filter(isFiltered);
  if (filtered.length === 0) return passed('no row filters configured');
  const names = listNames(filtered.map((t) => tableName(t.plan.id)));
  if (source.versionNum < ROW_FILTER_VERSION_NUM) {
    return failed(
      `row filters on ${names} need a PostgreSQL 15+ source; ${source.where} runs ${majorVersion(source.versionNum)}`,
      'Upgrade the source to PostgreSQL 15 or later, or remove the table_filters / time_filters (--table-filter, --time-filter) for these tables.',
    );
  }
  const uncovered = filtered.filter((t) => !identityCoversFilters(t));
  if (uncovered.length === 0)
    return passed(`row filters on ${plural(filtered.length, 'table')}: ${names}`);
  return warned(
    `row filters on ${listNames(uncovered.map((t) => tableName(t.plan.id)))} may use columns outside the replica identity; UPDATE and DELETE on the source then fail`,
    `Run ALTER TABLE … REPLICA IDENTITY FULL on them (${uncovered.map((t) => quoteTable(t.plan.id)).join(', ')}), or let init -y do it.`,
  );
}
