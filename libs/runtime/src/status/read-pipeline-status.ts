import type { JobStatusReader } from '@database-replicator/pipeline';
import {
  UNKNOWN_LAG,
  buildPipelineJobStatus,
  type PipelineJobStatus,
  type PipelineLag,
} from './pipeline-status.js';
import type { RateTracker } from './rate-tracker.js';

/** Lag and dead letters of one job. */
export type JobLagReading = Readonly<{ lag: PipelineLag; deadLetters: number | null }>;

/** Options of {@link readPipelineStatus}. */
export type ReadPipelineStatusOptions = Readonly<{
  reader: JobStatusReader;
  /** Only these jobs (unknown ones are left out); default every job. */
  jobIds?: readonly string[];
  /** Reads a job's lag; default: unknown. */
  lagOf?: (jobId: string) => Promise<JobLagReading>;
  /** Keeps readings between calls, for rates and ETAs. */
  rates: RateTracker;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}>;

/**
 * The status of the jobs in the job store, ordered by id.
 *
 * @throws What the reader or `lagOf` throws (e.g. `REPL_COORDINATOR_UNAVAILABLE`).
 */
export async function readPipelineStatus(
  options: ReadPipelineStatusOptions,
): Promise<readonly PipelineJobStatus[]> {
  const wanted = options.jobIds === undefined ? undefined : new Set(options.jobIds);
  const jobs = (await options.reader.listJobs()).filter((j) => wanted?.has(j.jobId) ?? true);
  const statuses: PipelineJobStatus[] = [];
  for (const job of jobs) {
    const tables = (await options.reader.listJobTables(job.jobId)) ?? [];
    const reading = (await options.lagOf?.(job.jobId)) ?? {
      lag: UNKNOWN_LAG,
      deadLetters: null,
    };
    statuses.push(
      buildPipelineJobStatus({
        job,
        tables,
        lag: reading.lag,
        deadLetters: reading.deadLetters,
        rates: options.rates,
        nowMs: (options.now ?? Date.now)(),
      }),
    );
  }
  return Object.freeze(statuses);
}
