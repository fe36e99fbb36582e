/**
 * `status` for native PostgreSQL → PostgreSQL replication: per subscription its phase, lag in
 * bytes and seconds and the WAL its slot retains on the source, and per table its sync state.
 * Everything is read from the catalogs of both servers, so it works whoever set replication up.
 *
 * Output: a text table; `--json` one document; `--watch` a new frame every 2 s until
 * interrupted (exit 0): on a terminal the screen is cleared between frames, otherwise frames
 * follow each other, and with `--json` each frame is one JSON document on its own line.
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
import { requirePostgresEndpoints } from '../endpoints.js';
import { EXIT, type CommandContext, type CommandHandler } from '../command-context.js';
import { formatBytes, renderJson, renderTable } from '../output.js';

const WATCH_INTERVAL_MS = 2_000;
/** ANSI: clear the screen and move the cursor home. */
const CLEAR_SCREEN = '\u001b[2J\u001b[H';

export const runStatus: CommandHandler = async (ctx) => {
  if (ctx.line.values.coordinator !== undefined) {
    throw replicatorError('REPL_NOT_IMPLEMENTED', 'status --coordinator is not implemented yet', {
      fix: 'Use status --source URL --target URL for native PostgreSQL replication.',
    });
  }
  return withNativeReplication(ctx, 'status', async (source, target, targetName) => {
    const first = await readReplicationStatus(source, target);
    if (first.subscriptions.length === 0) {
      return reportNoSubscription(ctx, subscriptionNotFoundError(targetName), first);
    }
    if (ctx.line.values.watch !== true) {
      ctx.io.stdout(ctx.config.json ? renderJson(statusDocument(first)) : renderStatus(first));
      return EXIT.ok;
    }
    return watch(ctx, first, () => readReplicationStatus(source, target));
  });
};

async function watch(
  ctx: CommandContext,
  first: ReplicationStatus,
  read: () => Promise<ReplicationStatus>,
): Promise<number> {
  const clear = ctx.io.isTty === true && !ctx.config.json;
  let status = first;
  for (;;) {
    if (ctx.config.json) {
      ctx.io.stdout(`${JSON.stringify(statusDocument(status))}\n`);
    } else {
      ctx.io.stdout(clear ? CLEAR_SCREEN + renderStatus(status) : `${renderStatus(status)}\n`);
    }
    const aborted = await sleep(WATCH_INTERVAL_MS, false, { signal: ctx.signal }).catch(() => true);
    if (aborted || ctx.signal.aborted) return EXIT.ok;
    status = await read();
  }
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
