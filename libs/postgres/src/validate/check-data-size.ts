/**
 * An estimate of what the initial copy moves: the on-disk size of the tables whose rows are
 * copied, indexes and TOAST included (pg_total_relation_size), so an upper bound when row
 * filters apply, and a lower bound of the time it takes.
 */
import { formatBytes } from '@database-replicator/core';
import { passed, plural, warned, type CheckOutcome } from './validation-check.js';
import type { SourceTableFacts } from './validation-facts.js';

/** The size of the copy; a warning when the selection is empty. */
export function checkDataSize(tables: readonly SourceTableFacts[]): CheckOutcome {
  if (tables.length === 0) {
    return warned(
      'no tables selected: there is nothing to copy or replicate',
      'Check --include-tables / --exclude-tables (include_tables / exclude_tables in the config file) and that the source database has tables.',
    );
  }
  const copied = tables.filter((t) => !t.plan.schemaOnly);
  const bytes = copied.reduce((sum, t) => sum + t.totalBytes, 0);
  const filtered = copied.some(
    (t) => t.plan.rowFilters.length > 0 || t.plan.timeFilters.length > 0,
  );
  const schemaOnly = tables.length - copied.length;
  return passed(
    `about ${formatBytes(bytes)} in ${plural(copied.length, 'table')} (indexes included${filtered ? '; row filters copy less' : ''})${schemaOnly > 0 ? `, plus ${plural(schemaOnly, 'schema-only table')}` : ''}`,
  );
}
