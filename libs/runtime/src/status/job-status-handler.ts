/**
 * The coordinator's `GET /jobs/<id>/status`: the job as `status` shows it (phases, rows of the
 * estimate, rates and ETAs from the readings of earlier requests, lag where known), or `404`
 * with `REPL_JOB_NOT_FOUND`. Other paths are passed on.
 */
import { replicatorError } from '@database-replicator/core';
import type { JobStatusReader } from '@database-replicator/pipeline';
import { sendJson, type ServiceHttpHandler } from '../service-http.js';
import { RateTracker } from './rate-tracker.js';
import { readPipelineStatus } from './read-pipeline-status.js';

const STATUS_PATH = /^\/jobs\/([^/]+)\/status\/?$/;

/** Serves `GET /jobs/<id>/status` from `reader`. */
export function jobStatusHandler(reader: JobStatusReader): ServiceHttpHandler {
  const rates = new RateTracker();
  return async (req, res) => {
    const match = STATUS_PATH.exec(new URL(req.url ?? '/', 'http://service').pathname);
    if (match === null) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendJson(res, 405, {
        error: { message: `${req.method ?? 'this method'} is not served; use GET` },
      });
      return true;
    }
    const jobId = decodeSegment(match[1] ?? '');
    const [job] =
      jobId === undefined ? [] : await readPipelineStatus({ reader, jobIds: [jobId], rates });
    if (job === undefined) {
      const error = replicatorError(
        'REPL_JOB_NOT_FOUND',
        `job ${JSON.stringify(jobId ?? match[1])} does not exist`,
        {
          details: { jobId: jobId ?? match[1] ?? '' },
        },
      );
      sendJson(res, 404, { error: error.toJSON() });
      return true;
    }
    sendJson(res, 200, job);
    return true;
  };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // malformed percent-encoding names no job
  }
}
