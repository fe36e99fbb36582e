/**
 * Runs a step of a native job holding its lock and its checkpoint: one run of a job at a time,
 * and the checkpoint keyed by both servers' identities and the first database pair.
 */
import { CheckpointStore } from './checkpoint-store.js';
import { acquireJobLock } from './job-lock.js';
import type { NativeJob } from './native-job.js';

/** Calls `body` with the job's checkpoint store while holding the job lock. */
export async function withJobCheckpoint<T>(
  stateDir: string,
  job: NativeJob,
  body: (store: CheckpointStore) => Promise<T>,
): Promise<T> {
  const lock = await acquireJobLock(stateDir, job.jobId);
  try {
    const store = await CheckpointStore.open(
      stateDir,
      job.jobId,
      {
        systemIdentifier: job.sourceIdentity.systemIdentifier,
        database: job.pairs[0]?.source ?? '',
      },
      {
        systemIdentifier: job.targetIdentity.systemIdentifier,
        database: job.pairs[0]?.target ?? '',
      },
    );
    return await body(store);
  } finally {
    await lock.release();
  }
}
