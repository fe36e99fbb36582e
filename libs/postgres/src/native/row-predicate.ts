/**
 * The one predicate a filtered table's rows must satisfy, used both to copy the rows and as the
 * publication's row filter, so the copy and the replication select exactly the same rows.
 */
import { quoteIdent, type TablePlan } from '@database-replicator/core';

/**
 * Row filters AND-ed with `column >= '<cutoff>'` per time filter; `undefined` when the table is
 * not filtered. `cutoffs` holds one timestamp per time filter of the table, in plan order,
 * computed once at the first run (a publication row filter must be immutable, so "now() - 90
 * days" cannot be written into it). The cutoff literal is left untyped so it takes the column's
 * type; a `::timestamptz` cast would make the comparison with a `timestamp` column depend on
 * TimeZone, which a row filter does not allow.
 */
export function composeRowPredicate(
  table: TablePlan,
  cutoffs: readonly string[],
): string | undefined {
  if (table.timeFilters.length !== cutoffs.length) {
    throw new Error(
      `expected ${table.timeFilters.length} time filter cutoffs for ${table.id.table}, got ${cutoffs.length}`,
    );
  }
  const parts = [
    ...table.rowFilters.map((where) => `(${where})`),
    ...table.timeFilters.map(
      (filter, index) =>
        `(${quoteIdent(filter.column)} >= '${(cutoffs[index] ?? '').replaceAll("'", "''")}')`,
    ),
  ];
  return parts.length === 0 ? undefined : parts.join(' AND ');
}
