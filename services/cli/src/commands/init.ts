/**
 * `init`: create the schema and copy the data; with `--enable-sync` continue into continuous
 * replication, natively or through the pipeline (replication-route.ts decides). For a PostgreSQL
 * source whose target may create subscriptions the native path does it
 * with pg_dump/pg_restore under a replication slot's snapshot and a subscription on that slot,
 * and returns once the subscription runs (PostgreSQL keeps the target in sync from then on).
 * The work lives in libs/postgres (runNativeInit); this maps flags and prints the summary.
 */
import { runNativeInit, type NativeRunReport } from '@database-replicator/postgres';
import { EXIT, type CommandHandler } from '../command-context.js';
import { chooseReplicationRoute } from '../replication-route.js';
import { runThroughPipeline } from './pipeline-run.js';
import { formatBytes, renderJson, renderTable } from '../output.js';

export const runInit: CommandHandler = async (ctx) => {
  const route = await chooseReplicationRoute(ctx, 'init');
  const enableSync = ctx.line.values['enable-sync'] === true;
  if (route.via === 'pipeline') return runThroughPipeline(ctx, route.bus, enableSync);
  const report = await runNativeInit({
    source: route.source,
    target: route.target,
    filters: ctx.config.filters,
    jobs: ctx.config.jobs,
    stateDir: ctx.config.stateDir,
    yes: ctx.config.yes,
    enableSync,
    dropExisting: ctx.line.values['drop-existing'] === true,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  ctx.io.stdout(ctx.config.json ? renderJson(report) : renderInitReport(report));
  return EXIT.ok;
};

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
