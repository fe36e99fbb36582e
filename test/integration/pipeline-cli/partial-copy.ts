/**
 * Interrupting a snapshot and checking what the job kept: waiting for the snapshot to be under
 * way (the job recorded progress for the table, not only rows on the target: on an in-process
 * bus progress is recorded once the loader applied what it covers, so rows reach the target
 * first), the progress recorded at the interruption, and the target holding every key once after
 * the resumed run.
 */
import type { TableId } from '@database-replicator/core';
import { expect } from 'vitest';
import { z } from 'zod';
import { queryOnce } from '../../support/postgres-databases.js';
import type { CliChild } from './cli-child.js';

const State = z.object({ rows: z.number(), recorded: z.number() });
const Progress = z.object({ rows: z.coerce.number(), after: z.unknown() });
const Counts = z.object({ rows: z.coerce.number(), keys: z.coerce.number() });

/** Snapshot progress of one table as `_replicator.job_tables` records it. */
export type RecordedProgress = z.infer<typeof Progress>;

/** Rows of `tableSql` on the target, and the most snapshot progress recorded for `tableName`. */
async function copyState(targetUrl: string, tableSql: string, tableName: string) {
  const exists = await queryOnce(
    targetUrl,
    `SELECT to_regclass($1) IS NOT NULL AS t, to_regclass('_replicator.job_tables') IS NOT NULL AS j`,
    [tableSql],
  );
  if (exists.rows[0]?.t !== true || exists.rows[0]?.j !== true) return { rows: 0, recorded: 0 };
  const { rows } = await queryOnce(
    targetUrl,
    `SELECT (SELECT count(*) FROM ${tableSql})::int AS rows,
            coalesce((SELECT max(rows_copied) FROM _replicator.job_tables WHERE table_name = $1), 0)::int AS recorded`,
    [tableName],
  );
  return State.parse(rows[0]);
}

/** Stops the source's snapshot reads until the returned release is called. */
export type PauseSource = () => Promise<() => Promise<void>>;

/**
 * Polls until the job recorded at least `minRows` rows of `tableName` copied (so the target
 * holds them too); fails if the CLI ends first or after 60 s. With `pause`, each check runs
 * while the source's reads are paused and the last pause stays in force: the returned release
 * ends it. That keeps the snapshot from running to its end between the check and the
 * interruption, however far the reader ran ahead of the loader.
 */
export async function waitForPartialCopy(
  cli: CliChild,
  target: Readonly<{ url: string; tableSql: string; tableName: string }>,
  minRows: number,
  pause?: PauseSource,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const release = pause === undefined ? async () => {} : await pause();
    const state = await copyState(target.url, target.tableSql, target.tableName);
    if (state.rows >= minRows && state.recorded >= minRows) return release;
    await release();
    const ended = await Promise.race([
      cli.done.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50)),
    ]);
    if (ended) throw new Error(`init ended before the interruption:\n${cli.stderr().slice(-3000)}`);
    if (Date.now() > deadline) {
      throw new Error(
        `the snapshot of ${target.tableSql} never got under way: ${JSON.stringify(state)}`,
      );
    }
  }
}

/**
 * The progress the job recorded for `table` at an interruption, asserted to cover part of its
 * `totalRows` (some rows, not all) with a key to resume after.
 */
export async function expectPartialProgress(
  targetUrl: string,
  jobId: string,
  table: TableId,
  totalRows: number,
): Promise<RecordedProgress> {
  const { rows } = await queryOnce(
    targetUrl,
    `SELECT rows_copied AS rows, snapshot_after_key AS after FROM _replicator.job_tables
      WHERE job_id = $1 AND schema_name = $2 AND table_name = $3`,
    [jobId, table.schema, table.table],
  );
  const recorded = Progress.parse(rows[0]);
  expect(recorded.rows).toBeGreaterThan(0);
  expect(recorded.rows).toBeLessThan(totalRows);
  expect(recorded.after).not.toBeNull();
  return recorded;
}

/** Asserts that the target table `tableSql` holds `totalRows` rows, each `id` once. */
export async function expectEveryKeyOnce(
  targetUrl: string,
  tableSql: string,
  totalRows: number,
  message?: string,
): Promise<void> {
  const { rows } = await queryOnce(
    targetUrl,
    `SELECT count(*) AS rows, count(DISTINCT id) AS keys FROM ${tableSql}`,
  );
  expect(Counts.parse(rows[0]), message).toEqual({ rows: totalRows, keys: totalRows });
}
