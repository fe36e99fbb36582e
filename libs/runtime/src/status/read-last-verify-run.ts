/**
 * The last verify run of a job, read back from `_replicator.verify_runs` on the target
 * (record-verify-run.ts writes it), for `status`: operators see when source and target were last
 * shown equal without running a verify. A target where no run was ever recorded (no table, or
 * no row for the job) reads as `null`: "never verified".
 */
import type { PostgresClient } from '@database-replicator/postgres';

/** One recorded verify run, as `status` shows it. */
export type LastVerifyRun = Readonly<{
  job: string;
  /** Where the run came from: the CLI's `verify` or the verifier service. */
  trigger: string;
  /** ISO 8601, UTC. */
  startedAt: string;
  finishedAt: string;
  /** `ok`, `different` or `failed`. */
  status: string;
  tables: number;
  tablesDiffering: number;
  rowsCompared: number;
  missing: number;
  extra: number;
  different: number;
  repaired: boolean;
  /** The failure of a failed run, else null. */
  error: string | null;
}>;

type Row = Readonly<{
  trigger: string;
  started_at: string;
  finished_at: string;
  status: string;
  tables: number;
  tables_differing: number;
  rows_compared: string;
  missing: string;
  extra: string;
  different: string;
  repaired: boolean;
  error: string | null;
}>;

const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * The most recent run recorded for `job` on `target` (by start time), or null when none is.
 *
 * @throws The driver's error when a query fails.
 */
export async function readLastVerifyRun(
  target: PostgresClient,
  job: string,
): Promise<LastVerifyRun | null> {
  const present = await target.query<{ present: boolean }>(
    `SELECT to_regclass('_replicator.verify_runs') IS NOT NULL AS present`,
  );
  if (present.rows[0]?.present !== true) return null;
  const { rows } = await target.query<Row>(
    `SELECT trigger, to_char(started_at AT TIME ZONE 'UTC', ${ISO_UTC}) AS started_at,
            to_char(finished_at AT TIME ZONE 'UTC', ${ISO_UTC}) AS finished_at, status, tables,
            tables_differing, rows_compared::text, missing::text, extra::text, different::text,
            repaired, error
       FROM _replicator.verify_runs WHERE job = $1 ORDER BY started_at DESC, id DESC LIMIT 1`,
    [job],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return Object.freeze({
    job,
    trigger: row.trigger,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    tables: row.tables,
    tablesDiffering: row.tables_differing,
    rowsCompared: Number(row.rows_compared),
    missing: Number(row.missing),
    extra: Number(row.extra),
    different: Number(row.different),
    repaired: row.repaired,
    error: row.error,
  });
}
