/**
 * `cutover` for a SQLite source replicated through the pipeline: wait until the job's stored
 * extractor checkpoint has reached the newest changelog row (everything captured is on the bus),
 * then remove the capture triggers and the changelog (source-sqlite `removeCapture`), so the
 * source file's schema is as it was before `init`.
 *
 * The wait covers the extractor only: what the loader has applied is not compared with the bus.
 * On the in-process bus a stopped `sync` has drained its loader; on Kafka, check `status` first.
 */
import Database from 'better-sqlite3';
import { parseSourcePosition, replicatorError, type Secret } from '@database-replicator/core';
import { connectPostgres, type PostgresClient } from '@database-replicator/postgres';
import { pipelineJobNames } from '@database-replicator/runtime';
import { CHANGELOG_TABLE, removeCapture, sqlitePathOf } from '@database-replicator/source-sqlite';
import { EXIT, type CommandContext } from '../command-context.js';
import { requireEndpoints } from '../endpoints.js';
import { renderJson } from '../output.js';

const POLL_INTERVAL_MS = 500;

/** What the SQLite cutover did. */
type SqliteCutoverSummary = Readonly<{
  jobId: string;
  sequence: string | null;
  waitedMs: number;
  triggersRemoved: number;
  tables: number;
}>;

/** Runs the SQLite cutover; `waitTimeoutMs` bounds the wait for the checkpoint. */
export async function runSqliteCutover(
  ctx: CommandContext,
  waitTimeoutMs: number,
): Promise<number> {
  const { source, target } = requireEndpoints(ctx.config, 'cutover');
  const file = sqlitePathOf(source.url.reveal());
  const { jobId } = pipelineJobNames(ctx.config);
  const started = Date.now();
  const sequence = await waitForCheckpoint(ctx, target.url, jobId, file, waitTimeoutMs);
  if (ctx.signal.aborted) return EXIT.interrupted;
  const removed = removeCapture(file, { logger: ctx.logger });
  const summary: SqliteCutoverSummary = {
    jobId,
    sequence: sequence?.toString() ?? null,
    waitedMs: Date.now() - started,
    triggersRemoved: removed.triggers,
    tables: removed.tables,
  };
  ctx.io.stdout(
    ctx.config.json
      ? renderJson(summary)
      : `cutover done: change capture removed from ${file} (${removed.triggers} triggers on ${removed.tables} tables, changelog dropped)\n`,
  );
  return EXIT.ok;
}

/**
 * Polls until the checkpoint of job `jobId` covers the newest changelog row. @returns That
 * sequence, or null when capture is not installed (nothing to wait for).
 */
async function waitForCheckpoint(
  ctx: CommandContext,
  targetUrl: Secret,
  jobId: string,
  file: string,
  waitTimeoutMs: number,
): Promise<bigint | null> {
  const client = await connectPostgres(targetUrl, { logger: ctx.logger });
  try {
    const deadline = Date.now() + waitTimeoutMs;
    for (;;) {
      const newest = newestChangelogSequence(file);
      if (newest === null) return null;
      const reached = await checkpointSequence(client, jobId);
      if (reached !== null && reached >= newest) return newest;
      if (ctx.signal.aborted) return newest;
      if (Date.now() > deadline) {
        throw replicatorError(
          'REPL_CUTOVER_TIMEOUT',
          `The pipeline job ${jobId} has not read the SQLite changelog of ${file} up to its newest row ${newest} (checkpoint: ${reached ?? 'none'})`,
          { details: { jobId, newest: String(newest), reached: String(reached) } },
        );
      }
      ctx.logger.info(
        { jobId, newest: String(newest), reached: String(reached) },
        'waiting for the changelog to be read',
      );
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  } finally {
    await client.close();
  }
}

/** max(seq) of the changelog, or null when there is no changelog. */
function newestChangelogSequence(file: string): bigint | null {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.defaultSafeIntegers(true);
    const exists = db
      .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?")
      .get(CHANGELOG_TABLE);
    if (exists === undefined) return null;
    const value: unknown = db.prepare(`SELECT max(seq) FROM "${CHANGELOG_TABLE}"`).pluck().get();
    return typeof value === 'bigint' ? value : 0n;
  } finally {
    db.close();
  }
}

/** The stream sequence of the job's stored extractor checkpoint(s), the lowest if several. */
async function checkpointSequence(client: PostgresClient, jobId: string): Promise<bigint | null> {
  const exists = await client.query(
    "SELECT to_regclass('_replicator.extractor_checkpoints') IS NOT NULL AS e",
  );
  if (exists.rows[0]?.['e'] !== true) return null;
  const { rows } = await client.query(
    'SELECT checkpoint FROM _replicator.extractor_checkpoints WHERE job_id = $1',
    [jobId],
  );
  let lowest: bigint | null = null;
  for (const row of rows) {
    const checkpoint: unknown = row['checkpoint'];
    if (typeof checkpoint !== 'object' || checkpoint === null || !('stream' in checkpoint))
      continue;
    const position = parseSourcePosition(checkpoint.stream);
    if (position.kind !== 'sqlite') continue;
    const sequence = BigInt(position.sequence);
    if (lowest === null || sequence < lowest) lowest = sequence;
  }
  return lowest;
}
