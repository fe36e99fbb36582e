/**
 * Clears what an interrupted run may have left: subscriptions in the benchmark's target databases
 * (detached from their slots, then dropped), those databases, and the replication slots of the
 * source `bench` database (a leaked slot pins the source's WAL). Only objects with the benchmark's names are
 * touched; the clusters are shared with other test suites.
 */
import { PG_BENCH_DATABASE } from './dataset/postgres.js';
import type { Endpoints } from './endpoints.js';
import { dropDatabase, dropSlotsOf, dropSubscriptionsIn, withPg } from './pg-db.js';
import { SOURCE_KINDS } from './source-kind.js';
import { TARGET_DATABASES, oursTargetDatabase } from './target-databases.js';

/** Returns one line per object removed. */
export async function clearStaleState(endpoints: Endpoints): Promise<string[]> {
  const removed: string[] = [];
  const { pgSource, pgTarget } = endpoints;
  const names = [...Object.values(TARGET_DATABASES), ...SOURCE_KINDS.map(oursTargetDatabase)];
  for (const db of names) {
    for (const sub of await dropSubscriptionsIn(pgTarget, db))
      removed.push(`subscription ${sub} in ${db}`);
  }
  const existing = await withPg(pgTarget, 'postgres', async (c) =>
    (
      await c.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE datname = ANY($1)',
        [names],
      )
    ).rows.map((r) => r.datname),
  );
  for (const db of existing) {
    await dropDatabase(pgTarget, db);
    removed.push(`target database ${db}`);
  }
  for (const slot of await dropSlotsOf(pgSource, PG_BENCH_DATABASE))
    removed.push(`source slot ${slot}`);
  return removed;
}
