/**
 * One run per job at a time: two runs would drop each other's slot and overwrite each other's
 * dump. The lock is a file created exclusively next to the checkpoint, holding the process id.
 * A lock whose process is gone (a run killed with SIGKILL) is taken over.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { replicatorError } from '@database-replicator/core';
import { NATIVE_STATE_SUBDIR } from './constants.js';

/** A held lock; `release()` removes it and never throws. */
export type JobLock = Readonly<{ release: () => Promise<void> }>;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Takes the lock of job `jobId`.
 *
 * @throws ReplicatorError `REPL_NATIVE_RUN_IN_PROGRESS` when a live process holds it.
 */
export async function acquireJobLock(stateDir: string, jobId: string): Promise<JobLock> {
  const path = join(stateDir, NATIVE_STATE_SUBDIR, `${jobId}.lock`);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (await tryCreate(path)) {
      return Object.freeze({ release: () => rm(path, { force: true }).catch(() => undefined) });
    }
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw replicatorError(
        'REPL_NATIVE_RUN_IN_PROGRESS',
        `Another run of job ${jobId} is in progress (process ${holder}, lock file ${path})`,
        { details: { jobId, pid: holder, path } },
      );
    }
    await rm(path, { force: true });
  }
  throw replicatorError(
    'REPL_NATIVE_RUN_IN_PROGRESS',
    `Cannot take the lock of job ${jobId} (${path}): another run keeps recreating it`,
    { details: { jobId, path } },
  );
}
