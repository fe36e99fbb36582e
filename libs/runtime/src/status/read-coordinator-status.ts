/**
 * The status of every job from a coordinator's HTTP API (`GET /jobs`, then
 * `GET /jobs/<id>/status` for each), validated: what `status --coordinator URL` shows.
 */
import { SOURCE_KINDS, replicatorError } from '@database-replicator/core';
import { TABLE_PHASES } from '@database-replicator/pipeline';
import { z } from 'zod';
import type { PipelineJobStatus } from './pipeline-status.js';

const count = z.number().int().nonnegative();
const nullableNumber = z.number().nullable();

const tableSchema = z.object({
  schema: z.string(),
  table: z.string(),
  phase: z.enum(TABLE_PHASES),
  rowsCopied: count,
  estimatedRows: count,
  ratePerSecond: nullableNumber,
  etaSeconds: nullableNumber,
  lastError: z.string().nullable(),
  updatedAt: z.string(),
});

const jobStatusSchema = z.object({
  jobId: z.string(),
  sourceKind: z.enum(SOURCE_KINDS).nullable(),
  sourceName: z.string().nullable(),
  updatedAt: z.string(),
  lag: z.object({ bytes: nullableNumber, events: nullableNumber, seconds: nullableNumber }),
  deadLetters: nullableNumber,
  tables: z.array(tableSchema),
});

const jobsSchema = z.object({ jobs: z.array(z.object({ jobId: z.string() })) });

/** Request timeout, ms. */
const TIMEOUT_MS = 10_000;

/**
 * Every job of the coordinator at `baseUrl` (`http://host:port`), ordered as it lists them.
 *
 * @throws ReplicatorError `REPL_COORDINATOR_UNAVAILABLE` when it cannot be reached, answers
 *   with an error status, or sends something that is not its status API.
 */
export async function readCoordinatorStatus(
  baseUrl: string,
): Promise<readonly PipelineJobStatus[]> {
  const listed = jobsSchema.safeParse(await getJson(baseUrl, '/jobs'));
  if (!listed.success)
    throw unavailable(baseUrl, 'answered GET /jobs with an unexpected body', listed.error);
  const statuses: PipelineJobStatus[] = [];
  for (const { jobId } of listed.data.jobs) {
    const body = await getJson(baseUrl, `/jobs/${encodeURIComponent(jobId)}/status`);
    const parsed = jobStatusSchema.safeParse(body);
    if (!parsed.success)
      throw unavailable(baseUrl, 'answered with an unexpected job status', parsed.error);
    statuses.push(Object.freeze(parsed.data));
  }
  return Object.freeze(statuses);
}

async function getJson(baseUrl: string, path: string): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(path, baseUrl);
  } catch (error) {
    throw replicatorError('REPL_CLI_USAGE', `--coordinator is not a URL`, {
      fix: 'Pass the coordinator as http://host:port (its DR_HTTP_HOST and DR_HTTP_PORT).',
      details: { configKey: '--coordinator' },
      cause: error,
    });
  }
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw unavailable(baseUrl, 'cannot be reached', error);
  }
  if (!response.ok) throw unavailable(baseUrl, `answered ${response.status} to GET ${path}`);
  try {
    return await response.json();
  } catch (error) {
    throw unavailable(baseUrl, `sent a body that is not JSON for GET ${path}`, error);
  }
}

function unavailable(baseUrl: string, problem: string, cause?: unknown) {
  const where = URL.canParse(baseUrl) ? new URL(baseUrl).host : 'the given address';
  return replicatorError('REPL_COORDINATOR_UNAVAILABLE', `The coordinator at ${where} ${problem}`, {
    fix: 'Check that the coordinator runs and that --coordinator names its HTTP address (DR_HTTP_HOST:DR_HTTP_PORT).',
    details: { host: where },
    ...(cause === undefined ? {} : { cause }),
  });
}
