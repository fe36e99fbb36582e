/**
 * `init`: create the schema and copy the data; with `--enable-sync` continue into continuous
 * replication. For a PostgreSQL source the native path (`--via native`, the default) does it
 * with pg_dump/pg_restore under a replication slot's snapshot and a subscription on that slot,
 * and returns once the subscription runs (PostgreSQL keeps the target in sync from then on).
 * The work lives in libs/postgres (runNativeInit); this maps flags and prints the summary.
 */
import { replicatorError, type Secret } from '@database-replicator/core';
import { runNativeInit, type NativeRunReport } from '@database-replicator/postgres';
import { requireEndpoints } from '../endpoints.js';
import { EXIT, type CommandContext, type CommandHandler } from '../command-context.js';
import { formatBytes, renderJson, renderTable } from '../output.js';

export const runInit: CommandHandler = async (ctx) => {
  const { source, target } = nativeEndpoints(ctx, 'init');
  const report = await runNativeInit({
    source,
    target,
    filters: ctx.config.filters,
    jobs: ctx.config.jobs,
    stateDir: ctx.config.stateDir,
    yes: ctx.config.yes,
    enableSync: ctx.line.values['enable-sync'] === true,
    dropExisting: ctx.line.values['drop-existing'] === true,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  ctx.io.stdout(ctx.config.json ? renderJson(report) : renderInitReport(report));
  return EXIT.ok;
};

/**
 * The source and target URLs of a native command, after checking that the run is a native
 * PostgreSQL → PostgreSQL one.
 *
 * @throws ReplicatorError `REPL_CLI_USAGE` (missing URL, bad --via, --bus with native),
 *   `REPL_NOT_IMPLEMENTED` (other sources, --via pipeline).
 */
export function nativeEndpoints(
  ctx: CommandContext,
  command: string,
): Readonly<{ source: Secret; target: Secret }> {
  const { source, target } = requireEndpoints(ctx.config, command);
  const via = ctx.line.values.via ?? 'native';
  if (via !== 'native' && via !== 'pipeline') {
    throw replicatorError('REPL_CLI_USAGE', `--via "${via}" is not native or pipeline`, {
      fix: 'Use --via native (PostgreSQL logical replication) or --via pipeline.',
    });
  }
  if (source.kind !== 'postgres' || via === 'pipeline') {
    throw replicatorError(
      'REPL_NOT_IMPLEMENTED',
      `${command} --via pipeline (and from ${source.kind} sources) is not implemented yet`,
      { fix: 'Use a PostgreSQL source with --via native, or follow the project issues.' },
    );
  }
  if (ctx.line.values.bus !== undefined) {
    throw replicatorError('REPL_CLI_USAGE', '--bus applies to --via pipeline only', {
      fix: 'Leave out --bus: native replication needs no bus.',
    });
  }
  return { source: source.url, target: target.url };
}

function renderInitReport(report: NativeRunReport): string {
  const rows = report.databases.map((d) => [
    `${d.sourceDatabase} → ${d.targetDatabase}`,
    d.outcome + (d.resumed ? ' (resumed)' : ''),
    String(d.tables),
    d.filteredTables === 0 ? '-' : `${d.filteredTables} (${d.filteredRows} rows)`,
    formatBytes(d.dumpBytes),
    `${(d.durationMs / 1000).toFixed(1)} s`,
    d.subscription ?? '-',
  ]);
  const notes: string[] = [];
  for (const d of report.databases) {
    if (d.replicaIdentityFull.length > 0)
      notes.push(
        `REPLICA IDENTITY FULL set on the source for: ${d.replicaIdentityFull.join(', ')}`,
      );
    if (d.outcome === 'copied')
      notes.push(
        `${d.sourceDatabase}: copied without --enable-sync; slot and publication were dropped, so continuous replication needs a new init --enable-sync`,
      );
  }
  if (report.databases.some((d) => d.outcome === 'replicating'))
    notes.push(
      'PostgreSQL now keeps the target in sync; follow it with `database-replicator status`.',
    );
  return (
    renderTable(
      ['database', 'outcome', 'tables', 'filtered', 'dump', 'time', 'subscription'],
      rows,
    ) + notes.map((n) => `${n}\n`).join('')
  );
}
