/**
 * Sessions left behind by a run that was killed. pg_dump and pg_restore are separate processes:
 * when `init` dies with SIGKILL they keep running, still dumping from the old snapshot or still
 * loading the target, and would race the next run. Their sessions carry the job's
 * application_name, so the next run ends them on the server side before it starts; the
 * programs then exit on the lost connection.
 */
import type { Logger } from '@database-replicator/core';
import type pg from 'pg';

const TERMINATE_SQL = `
SELECT count(*)::int AS ended
  FROM (SELECT pg_terminate_backend(pid)
          FROM pg_stat_activity
         WHERE datname = $1 AND application_name = $2 AND pid <> pg_backend_pid()) AS t`;

const REMAINING_SQL = `
SELECT count(*)::int AS remaining FROM pg_stat_activity
 WHERE datname = $1 AND application_name = $2 AND pid <> pg_backend_pid()`;

/**
 * Ends the sessions of `applicationName` in `database`, repeating until none is left (a program
 * may open another connection while its first ones end), for at most 10 s.
 *
 * @returns How many sessions were ended.
 */
export async function endOrphanSessions(
  client: pg.ClientBase,
  database: string,
  applicationName: string,
  logger: Logger,
): Promise<number> {
  let total = 0;
  for (let waited = 0; waited < 10_000; waited += 100) {
    const { rows } = await client.query<{ ended: number }>(TERMINATE_SQL, [
      database,
      applicationName,
    ]);
    total += rows[0]?.ended ?? 0;
    await new Promise((resolve) => setTimeout(resolve, total === 0 ? 0 : 100));
    const left = await client.query<{ remaining: number }>(REMAINING_SQL, [
      database,
      applicationName,
    ]);
    if ((left.rows[0]?.remaining ?? 0) === 0) break;
  }
  if (total > 0)
    logger.warn({ database, sessions: total }, 'ended sessions left by an interrupted run');
  return total;
}
