/**
 * The fingerprint of what a native run replicates: the database pair and the table plan with
 * its filters. A checkpoint whose fingerprint differs from the current run's was made for other
 * filters, so its slot, publication and dump cannot be reused (ARCHITECTURE §4: no silent mix of
 * two selections). The number of jobs and other speed settings are left out on purpose.
 */
import { createHash } from 'node:crypto';
import { quoteTable, type TablePlan } from '@database-replicator/core';

/** sha256 (hex) of the normalised plan of one database. */
export function nativeFingerprint(
  sourceDatabase: string,
  targetDatabase: string,
  plan: readonly TablePlan[],
): string {
  const tables = plan
    .map((table) => ({
      table: quoteTable(table.id),
      schemaOnly: table.schemaOnly,
      rowFilters: [...table.rowFilters],
      timeFilters: table.timeFilters.map((f) => [f.column, f.last.amount, f.last.unit]),
    }))
    .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
  const normalised = JSON.stringify({ sourceDatabase, targetDatabase, tables });
  return createHash('sha256').update(normalised).digest('hex');
}
