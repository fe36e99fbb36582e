/**
 * `status`: native PostgreSQL → PostgreSQL replication (per subscription its phase, lag in bytes
 * and seconds and the WAL its slot retains on the source, and per table its sync state, read
 * from the catalogs of both servers, so it works whoever set replication up) and the pipeline
 * job of the same source and target (pipeline-status.ts: per table phase, rows of the estimate,
 * rate, ETA, last error; lag and dead letters), or every job of `--coordinator URL`. With
 * `--source`/`--target` it also shows the last verify run recorded on the target for the source
 * (`verify` and the verifier record under the source database's name by default), or "never
 * verified" (last-verify-view.ts).
 *
 * Output: text tables; `--json` one document (`jobs` lists the pipeline jobs); `--watch` a new
 * frame every 2 s until interrupted (exit 0): on a terminal the screen is cleared between
 * frames, otherwise frames follow each other, and with `--json` each frame is one JSON document
 * on its own line; `lastVerify` is the last verify run, `null` when there is none.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  formatTableRef,
  isReplicatorError,
  replicatorError,
  type ReplicatorConfig,
  type ReplicatorError,
  type Secret,
} from '@database-replicator/core';
import {
  connectPostgres,
  hostOf,
  readReplicationStatus,
  subscriptionNotFoundError,
  type PostgresClient,
  type ReplicationStatus,
  type SubscriptionStatus,
} from '@database-replicator/postgres';
import {
  readLastVerifyRun,
  verifyJobName,
  type LastVerifyRun,
  type PipelineJobStatus,
} from '@database-replicator/runtime';
import { requireEndpoints, requirePostgresEndpoints } from '../endpoints.js';
import { EXIT, type CommandContext, type CommandHandler } from '../command-context.js';
import { formatBytes, renderJson, renderTable } from '../output.js';
import { renderLastVerify } from './last-verify-view.js';
import {
  coordinatorPipelineStatus,
  readWithRates,
  renderPipelineJobs,
  targetPipelineStatus,
  type PipelineStatusSource,
} from './pipeline-status.js';

const WATCH_INTERVAL_MS = 2_000;
/** ANSI: clear the screen and move the cursor home. */
const CLEAR_SCREEN = '\u001b[2J\u001b[H';

export const runStatus: CommandHandler = async (ctx) => {
  const coordinator = ctx.line.values.coordinator;
  if (coordinator !== undefined) {
    return showFrames(ctx, coordinatorPipelineStatus(coordinator), {
      native: async () => undefined,
      lastVerify: async () => undefined,
    });
  }
  const { source } = requireEndpoints(ctx.config, 'status');
  if (source.kind !== 'postgres') {
    const { target } = requireEndpoints(ctx.config, 'status');
    const client = await connectPostgres(target.url, {
      logger: ctx.logger,
      applicationName: 'database-replicator status',
    });
    try {
      return await showFrames(ctx, targetPipelineStatus(ctx, client, undefined), {
        native: async () => undefined,
        lastVerify: () => readLastVerifyRun(client, verifyJobName(source)),
      });
    } finally {
      await client.close();
    }
  }
  return withNativeReplication(ctx, 'status', async (sourceClient, targetClient, targetName) => {
    const pipeline = targetPipelineStatus(ctx, targetClient, sourceClient);
    const readers: FrameReaders = {
      native: () => readReplicationStatus(sourceClient, targetClient),
      lastVerify: () => readLastVerifyRun(targetClient, verifyJobName(source)),
    };
    return showFrames(ctx, pipeline, readers, targetName);
  });
};

/** One reading of everything `status` shows. */
type Frame = Readonly<{
  /** Native replication; `undefined` where there is none to read (coordinator, other sources). */
  native: ReplicationStatus | undefined;
  jobs: readonly PipelineJobStatus[];
  /** The last verify run; `null` if never verified, `undefined` where not read (coordinator). */
  lastVerify: LastVerifyRun | null | undefined;
  readAt: string;
}>;

/** What a frame reads besides the pipeline jobs. */
type FrameReaders = Readonly<{
  native: () => Promise<ReplicationStatus | undefined>;
  lastVerify: () => Promise<LastVerifyRun | null | undefined>;
}>;

/**
 * Reads and prints frames: one, or with `--watch` one every 2 s until interrupted. With neither a
 * native subscription nor a pipeline job the first frame is refused as before (exit 1).
 */
async function showFrames(
  ctx: CommandContext,
  pipeline: PipelineStatusSource,
  readers: FrameReaders,
  targetName?: string,
): Promise<number> {
  try {
    const read = async (withRates: boolean): Promise<Frame> => {
      const native = await readers.native();
      const jobs = withRates ? await readWithRates(pipeline, ctx.signal) : await pipeline.read();
      const lastVerify = await readers.lastVerify();
      return { native, jobs, lastVerify, readAt: new Date().toISOString() };
    };
    const watching = ctx.line.values.watch === true;
    const first = await read(!watching);
    if (first.jobs.length === 0 && (first.native?.subscriptions.length ?? 0) === 0) {
      return reportNothingToShow(ctx, first, targetName);
    }
    if (!watching) {
      ctx.io.stdout(ctx.config.json ? renderJson(frameDocument(first)) : renderFrame(first));
      return EXIT.ok;
    }
    return await watch(ctx, first, () => read(false));
  } finally {
    await pipeline.close();
  }
}

function reportNothingToShow(ctx: CommandContext, frame: Frame, targetName: string | undefined) {
  if (frame.native !== undefined && targetName !== undefined) {
    return reportNoSubscription(ctx, subscriptionNotFoundError(targetName), frame.native);
  }
  const error = replicatorError('REPL_JOB_NOT_FOUND', 'No pipeline job to show status for', {
    fix:
      ctx.line.values.coordinator === undefined
        ? 'Run `database-replicator init --via pipeline` with the same --source and --target first.'
        : 'Start an extractor of a job against this coordinator first.',
  });
  if (ctx.config.json)
    ctx.io.stdout(renderJson({ ...frameDocument(frame), error: error.toJSON() }));
  ctx.io.stderr(`error ${error.code}: ${error.message}\n  fix: ${error.fix}\n`);
  return EXIT.checkFailed;
}

async function watch(
  ctx: CommandContext,
  first: Frame,
  read: () => Promise<Frame>,
): Promise<number> {
  const clear = ctx.io.isTty === true && !ctx.config.json;
  let frame = first;
  for (;;) {
    if (ctx.config.json) {
      ctx.io.stdout(`${JSON.stringify(frameDocument(frame))}\n`);
    } else {
      ctx.io.stdout(clear ? CLEAR_SCREEN + renderFrame(frame) : `${renderFrame(frame)}\n`);
    }
    const aborted = await sleep(WATCH_INTERVAL_MS, false, { signal: ctx.signal }).catch(() => true);
    if (aborted || ctx.signal.aborted) return EXIT.ok;
    frame = await read();
  }
}

/** The `--json` document: native replication as before, plus `jobs` (pipeline jobs). */
function frameDocument(frame: Frame) {
  const lastVerify = frame.lastVerify === undefined ? {} : { lastVerify: frame.lastVerify };
  return frame.native === undefined
    ? { readAt: frame.readAt, jobs: frame.jobs, ...lastVerify }
    : { ...statusDocument(frame.native), jobs: frame.jobs, ...lastVerify };
}

function renderFrame(frame: Frame): string {
  const parts: string[] = [];
  if (
    frame.native !== undefined &&
    (frame.native.subscriptions.length > 0 || frame.jobs.length === 0)
  ) {
    parts.push(renderStatus(frame.native));
  }
  if (frame.jobs.length > 0) parts.push(renderPipelineJobs(frame.jobs));
  if (frame.lastVerify !== undefined) parts.push(renderLastVerify(frame.lastVerify));
  return parts.join('\n');
}

/**
 * Connects to the source and target of a native replication command and closes both after
 * `body`. Both URLs must be PostgreSQL ones. Shared with `cutover`.
 *
 * @throws ReplicatorError `REPL_CLI_USAGE` without --source or --target,
 *   `REPL_NOT_IMPLEMENTED` for a source that is not PostgreSQL.
 */
export async function withNativeReplication(
  ctx: CommandContext,
  command: string,
  body: (source: PostgresClient, target: PostgresClient, targetName: string) => Promise<number>,
): Promise<number> {
  const { sourceUrl, targetUrl } = nativeEndpoints(ctx.config, command);
  const source = await connectPostgres(sourceUrl, {
    logger: ctx.logger,
    applicationName: `database-replicator ${command}`,
  });
  try {
    const target = await connectPostgres(targetUrl, {
      logger: ctx.logger,
      applicationName: `database-replicator ${command}`,
    });
    try {
      return await body(source, target, hostOf(targetUrl));
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

function nativeEndpoints(
  config: ReplicatorConfig,
  command: string,
): { sourceUrl: Secret; targetUrl: Secret } {
  const { source, target } = requirePostgresEndpoints(config, command);
  return { sourceUrl: source.url, targetUrl: target.url };
}

/**
 * Prints that the target has no subscription (stderr, and the empty status under --json) and
 * returns exit code 1. Shared with `cutover`.
 */
export function reportNoSubscription(
  ctx: CommandContext,
  error: ReplicatorError,
  status?: ReplicationStatus,
): number {
  if (ctx.config.json) {
    const document = status === undefined ? {} : statusDocument(status);
    ctx.io.stdout(renderJson({ ...document, error: error.toJSON() }));
  }
  ctx.io.stderr(`error ${error.code}: ${error.message}\n  fix: ${error.fix}\n`);
  return EXIT.checkFailed;
}

/** True for the error a target without subscriptions raises. */
export function isNoSubscription(error: unknown): error is ReplicatorError {
  return isReplicatorError(error, 'REPL_SUBSCRIPTION_NOT_FOUND');
}

/** The `--json` document: the status with tables flattened to `{ schema, table, state, lsn }`. */
function statusDocument(status: ReplicationStatus) {
  return {
    sourceLsn: status.sourceLsn,
    readAt: status.readAt,
    subscriptions: status.subscriptions.map((s) => ({
      ...s,
      tables: s.tables.map((t) => ({
        schema: t.table.schema,
        table: t.table.table,
        state: t.state,
        lsn: t.lsn,
      })),
    })),
  };
}

function renderStatus(status: ReplicationStatus): string {
  const header = `source at LSN ${status.sourceLsn}, read ${status.readAt}\n\n`;
  if (status.subscriptions.length === 0) return `${header}no subscription\n`;
  const subscriptions = renderTable(
    ['subscription', 'phase', 'lag', 'lag s', 'WAL retained', 'tables ready', 'slot'],
    status.subscriptions.map(subscriptionRow),
  );
  const problems = status.subscriptions
    .filter((s) => s.problem !== null)
    .map((s) => `  ${s.name}: ${s.problem ?? ''}\n    fix: ${s.fix ?? ''}\n`)
    .join('');
  const tables = renderTable(
    ['subscription', 'table', 'state'],
    status.subscriptions.flatMap((s) =>
      s.tables.map((t) => [s.name, formatTableRef(t.table), t.state]),
    ),
  );
  return `${header}${subscriptions}${problems === '' ? '' : `\nproblems:\n${problems}`}\n${tables}`;
}

function subscriptionRow(s: SubscriptionStatus): string[] {
  const ready = s.tables.filter((t) => t.state === 'ready').length;
  return [
    s.name,
    s.phase,
    s.lag.lagBytes === null ? '?' : formatBytes(s.lag.lagBytes),
    s.lag.lagSeconds === null ? '?' : s.lag.lagSeconds.toFixed(1),
    s.lag.walRetainedBytes === null ? '-' : formatBytes(s.lag.walRetainedBytes),
    `${ready}/${s.tables.length}`,
    s.slotName ?? '-',
  ];
}
