/**
 * Writes a verify run into `_replicator.verify_runs` on the target (libs/postgres
 * sql/000004.sql), migrating `_replicator` first so a target never loaded by us can record too.
 * Counts add up the keys the report lists; `differing_keys` keeps the first
 * {@link MAX_RECORDED_KEYS} of them.
 */
import type { Secret } from '@database-replicator/core';
import type { KeyObject, VerifyReport } from '@database-replicator/pipeline';
import { connectPostgres, migrateReplicatorSchema } from '@database-replicator/postgres';

/** Differing keys stored per run at most; the rest only counted. */
export const MAX_RECORDED_KEYS = 100;

/** One run as recorded. */
export type VerifyRunRecord = Readonly<{
  /** The job id of a service run, else the source's name. */
  job: string;
  trigger: 'cli' | 'service';
  startedAt: Date;
  finishedAt: Date;
  /** The final report (after a repair, the re-check's); null when the run failed. */
  report: VerifyReport | null;
  repaired: boolean;
  /** The failure of a failed run; must not contain secrets (ReplicatorError messages don't). */
  error?: string;
}>;

type RecordedKey = Readonly<{
  table: string;
  kind: 'missing' | 'extra' | 'different';
  key: KeyObject;
}>;

function summarise(report: VerifyReport | null) {
  const tables = report?.tables ?? [];
  const keys: RecordedKey[] = tables.flatMap((t) => [
    ...t.missing.map((key) => ({ table: t.table, kind: 'missing' as const, key })),
    ...t.extra.map((key) => ({ table: t.table, kind: 'extra' as const, key })),
    ...t.different.map((key) => ({ table: t.table, kind: 'different' as const, key })),
  ]);
  const sum = (f: (t: (typeof tables)[number]) => number) => tables.reduce((n, t) => n + f(t), 0);
  return {
    tables: tables.length,
    differing: tables.filter((t) => t.status !== 'ok' && t.status !== 'skipped').length,
    ranges: sum((t) => t.ranges),
    rows: sum((t) => t.sourceRows ?? 0),
    missing: sum((t) => t.missing.length),
    extra: sum((t) => t.extra.length),
    different: sum((t) => t.different.length),
    keys: keys.slice(0, MAX_RECORDED_KEYS),
    truncated: keys.length > MAX_RECORDED_KEYS || tables.some((t) => t.truncated),
  };
}

/**
 * Records `run` on `target` and returns its id.
 *
 * @throws ReplicatorError what `connectPostgres` and `migrateReplicatorSchema` throw; the
 *   driver's error when the insert fails.
 */
export async function recordVerifyRun(target: Secret, run: VerifyRunRecord): Promise<number> {
  const client = await connectPostgres(target, { applicationName: 'database-replicator verify' });
  try {
    await migrateReplicatorSchema(client);
    const s = summarise(run.report);
    const status = run.report === null ? 'failed' : run.report.ok ? 'ok' : 'different';
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO _replicator.verify_runs (job, trigger, started_at, finished_at, status, tables,
         tables_differing, ranges, rows_compared, missing, extra, different, repaired,
         differing_keys, keys_truncated, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16)
       RETURNING id::text AS id`,
      [
        run.job,
        run.trigger,
        run.startedAt,
        run.finishedAt,
        status,
        s.tables,
        s.differing,
        s.ranges,
        s.rows,
        s.missing,
        s.extra,
        s.different,
        run.repaired,
        JSON.stringify(s.keys),
        s.truncated,
        run.error ?? null,
      ],
    );
    return Number(rows[0]?.id ?? 0);
  } finally {
    await client.close();
  }
}
