/**
 * Cutoffs of time filters: "the last 90 days" becomes one fixed timestamp, computed once by the
 * source's clock when a database is first planned and kept in the checkpoint. The copy and the
 * publication's row filter use the same value, and a resumed run reuses it, so a row cannot be
 * inside the window for the copy and outside it for replication.
 */
import type { TablePlan } from '@database-replicator/core';
import type pg from 'pg';
import { tableRefKey } from './database-run.js';

/**
 * `now() - window` on the source for every time filter of `plan`, as timestamptz text in UTC
 * (the session's TimeZone), by `"schema"."table"` in plan order.
 */
export async function computeTimeCutoffs(
  client: pg.ClientBase,
  plan: readonly TablePlan[],
): Promise<Record<string, string[]>> {
  const cutoffs: Record<string, string[]> = {};
  const { rows } = await client.query<{ now: string }>('SELECT now()::text AS now');
  const now = rows[0]?.now;
  for (const entry of plan) {
    if (entry.schemaOnly || entry.timeFilters.length === 0) continue;
    const values: string[] = [];
    for (const filter of entry.timeFilters) {
      // One now() for every filter, so all windows of one run end at the same instant.
      const result = await client.query<{ cutoff: string }>(
        'SELECT ($1::timestamptz - $2::interval)::text AS cutoff',
        [now, `${filter.last.amount} ${filter.last.unit}`],
      );
      values.push(result.rows[0]?.cutoff ?? '');
    }
    cutoffs[tableRefKey({ schema: entry.id.schema, table: entry.id.table })] = values;
  }
  return cutoffs;
}
