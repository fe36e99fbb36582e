/**
 * The coordinator's metrics (docs/metrics.md): the job state in `_replicator`, read before each
 * scrape, so they are right whichever extractor moved it and survive restarts.
 */
import { formatTableRef } from '@database-replicator/core';
import type { JobStatusReader } from '@database-replicator/pipeline';
import { TABLE_PHASES } from '@database-replicator/pipeline';
import type { MetricsRegistry } from './metrics-registry.js';

/**
 * Registers `dr_job_tables`, `dr_job_snapshot_rows` and `dr_job_snapshot_rows_estimated` in
 * `registry`, refreshed from `reader` before each render.
 *
 * @throws ReplicatorError `REPL_METRIC_INVALID` if they are registered twice.
 */
export function registerJobMetrics(registry: MetricsRegistry, reader: JobStatusReader): void {
  const tables = registry.gauge('dr_job_tables', 'Tables of a job in each phase.', [
    'job',
    'phase',
  ]);
  const rows = registry.gauge(
    'dr_job_snapshot_rows',
    'Snapshot rows sent so far, by job and table (from the job store).',
    ['job', 'table'],
  );
  const estimated = registry.gauge(
    'dr_job_snapshot_rows_estimated',
    "The source's row estimate, by job and table (from the job store).",
    ['job', 'table'],
  );
  registry.onCollect(async () => {
    const jobs = await reader.listJobs();
    const perTable = await Promise.all(jobs.map((job) => reader.listJobTables(job.jobId)));
    tables.reset();
    rows.reset();
    estimated.reset();
    jobs.forEach((job, i) => {
      for (const phase of TABLE_PHASES) tables.set({ job: job.jobId, phase }, job.tables[phase]);
      for (const t of perTable[i] ?? []) {
        const labels = {
          job: job.jobId,
          table: formatTableRef({ schema: t.schema, table: t.table }),
        };
        rows.set(labels, t.rowsCopied);
        estimated.set(labels, Math.max(t.estimatedRows, t.rowsCopied));
      }
    });
  });
}
