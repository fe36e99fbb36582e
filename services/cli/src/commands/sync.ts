/**
 * `sync`: set up or repair continuous replication of a target `init` initialised. Through the
 * pipeline it streams from the job's checkpoint until interrupted (pipeline-run.ts). On the native
 * path: enable a disabled subscription, recreate a missing one on the slot, or say why it
 * cannot be repaired; returns once every subscription runs. The work lives in libs/postgres
 * (runNativeSync).
 */
import { runNativeSync, type NativeSyncReport } from '@database-replicator/postgres';
import { EXIT, type CommandHandler } from '../command-context.js';
import { renderJson, renderTable } from '../output.js';
import { chooseReplicationRoute } from '../replication-route.js';
import { runThroughPipeline } from './pipeline-run.js';

const ACTION_TEXT: Readonly<Record<NativeSyncReport['databases'][number]['action'], string>> = {
  running: 'was running',
  enabled: 'enabled',
  created: 'created on the slot',
};

export const runSync: CommandHandler = async (ctx) => {
  const route = await chooseReplicationRoute(ctx, 'sync');
  if (route.via === 'pipeline') return runThroughPipeline(ctx, route.bus, true);
  const report = await runNativeSync({
    source: route.source,
    target: route.target,
    filters: ctx.config.filters,
    stateDir: ctx.config.stateDir,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  ctx.io.stdout(ctx.config.json ? renderJson(report) : renderSyncReport(report));
  return EXIT.ok;
};

function renderSyncReport(report: NativeSyncReport): string {
  const rows = report.databases.map((d) => [
    `${d.sourceDatabase} → ${d.targetDatabase}`,
    d.subscription,
    ACTION_TEXT[d.action],
  ]);
  return `${renderTable(['database', 'subscription', 'action'], rows)}Subscriptions run; PostgreSQL keeps the target in sync.\n`;
}
