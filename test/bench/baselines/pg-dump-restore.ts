/**
 * Baseline `pg-dump-restore`: `pg_dump -Fd -j N` of the source database into a directory, then
 * `pg_restore -j N` into a fresh target database, timed end to end (what a user does for an
 * offline copy). pg_dump's default compression for the directory format is kept: that is what a
 * user gets. Peak RSS is the larger of the two programs' process trees (workers included).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetOf, type BenchContext } from '../bench-context.js';
import { PG_BENCH_DATABASE } from '../dataset/postgres.js';
import { countTables, dropDatabase, recreateDatabase, withPg } from '../pg-db.js';
import { assertSucceeded, pgConnectionArgs, pgToolEnv } from '../pg-tools.js';
import { runMeasured } from '../process/child-process.js';
import type { Measurement } from '../result.js';
import { directorySize, formatMegabytes } from '../sizes.js';
import { TARGET_DATABASES } from '../target-databases.js';
import { assertSameCounts, sumCounts } from './copy-check.js';

const TARGET_DB = TARGET_DATABASES.pgDump;

export async function runPgDumpRestore(ctx: BenchContext): Promise<Measurement> {
  const { pgSource, pgTarget } = ctx.endpoints;
  const jobs = String(ctx.options.jobs);
  const dumpDir = join(ctx.workDir, 'pg_dump');
  const env = pgToolEnv(ctx.pgPassFile);
  await rm(dumpDir, { recursive: true, force: true });
  try {
    ctx.log(`pg_dump -Fd -j ${jobs}`);
    const dump = await runMeasured(
      'pg_dump',
      ['-Fd', '-j', jobs, '-f', dumpDir, ...pgConnectionArgs(pgSource, PG_BENCH_DATABASE)],
      { env },
    );
    assertSucceeded('pg_dump', dump);
    const dumpBytes = await directorySize(dumpDir);
    await recreateDatabase(pgTarget, TARGET_DB);
    ctx.log(`pg_restore -j ${jobs}`);
    const restore = await runMeasured(
      'pg_restore',
      ['-j', jobs, ...pgConnectionArgs(pgTarget, TARGET_DB), dumpDir],
      { env },
    );
    assertSucceeded('pg_restore', restore);
    const source = await withPg(pgSource, PG_BENCH_DATABASE, (c) =>
      countTables(c, Object.keys(datasetOf(ctx, 'postgres').counts)),
    );
    const target = await withPg(pgTarget, TARGET_DB, (c) => countTables(c, Object.keys(source)));
    assertSameCounts('pg_restore', source, target);
    const peaks = [dump.peakRssBytes, restore.peakRssBytes].filter((p): p is number => p !== null);
    return {
      wallSeconds: (dump.wallMs + restore.wallMs) / 1000,
      count: sumCounts(source),
      unit: 'rows',
      bytes: datasetOf(ctx, 'postgres').sizeBytes,
      peakRssBytes: peaks.length === 0 ? null : Math.max(...peaks),
      lag: null,
      notes: [
        `dump ${(dump.wallMs / 1000).toFixed(1)} s + restore ${(restore.wallMs / 1000).toFixed(1)} s`,
        `dump directory ${formatMegabytes(dumpBytes)} MB`,
      ],
    };
  } finally {
    await rm(dumpDir, { recursive: true, force: true });
    await dropDatabase(pgTarget, TARGET_DB);
  }
}
