/**
 * `init` and `sync` through the event pipeline: extractor, loader and job state in this process
 * on the chosen bus (libs/runtime `runEmbeddedPipeline`). `init` returns once the snapshot is
 * applied, or with `--enable-sync` keeps streaming like `sync` until interrupted; an interrupted
 * run stops at a checkpoint and `sync` resumes from it.
 */
import {
  openBus,
  openChangeSource,
  pipelineJobNames,
  runEmbeddedPipeline,
  type BusSpec,
  type EmbeddedPipelineReport,
} from '@database-replicator/runtime';
import { startMetricsServer } from '../metrics-server.js';
import { EXIT, type CommandContext } from '../command-context.js';
import { requireEndpoints } from '../endpoints.js';
import { renderJson, renderTable } from '../output.js';
import { PipelineProgress } from '../pipeline-progress.js';

const CLIENT_ID = 'database-replicator-cli';
const KAFKA_PARTITIONS = 6;
// Apply batches of a few thousand rows amortise each transaction; what a partition holds is
// bounded in messages and bytes (memory: topics x partitions x maxBytes at most).
const MEMORY_BUS = Object.freeze({
  maxMessages: 5_000,
  maxBytes: 4 * 1024 * 1024,
  maxBatchMessages: 5_000,
});

/** Runs the pipeline for `command`; `stream` keeps it running after the snapshot. */
export async function runThroughPipeline(
  ctx: CommandContext,
  bus: BusSpec,
  stream: boolean,
): Promise<number> {
  const { source, target } = requireEndpoints(ctx.config, stream ? 'sync' : 'init');
  const names = pipelineJobNames(ctx.config);
  const progress = new PipelineProgress(ctx.io, ctx.logger);
  const metrics = await startMetricsServer(ctx);
  const openedBus = openBus(bus, { logger: ctx.logger, clientId: CLIENT_ID, memory: MEMORY_BUS });
  try {
    const changeSource = await openChangeSource(ctx.config, names, ctx.logger);
    ctx.logger.info({ jobId: names.jobId, bus: bus.kind, stream }, 'pipeline started');
    const report = await runEmbeddedPipeline({
      source: changeSource,
      sourceKind: source.kind,
      targetUrl: target.url,
      bus: openedBus,
      names,
      stream,
      durableBus: bus.kind !== 'memory',
      snapshotWorkers: ctx.config.jobs,
      // --jobs loaders apply in parallel, each on partitions of its own (like pg_restore -j).
      partitions: bus.kind === 'memory' ? ctx.config.jobs : KAFKA_PARTITIONS,
      loaders: ctx.config.jobs,
      signal: ctx.signal,
      logger: ctx.logger,
      onExtractorProgress: progress.extractor,
      onLoaderProgress: progress.loader,
      ...(metrics === undefined ? {} : { metrics: metrics.registry }),
    });
    progress.stop();
    ctx.io.stdout(
      ctx.config.json ? renderJson(report) : renderReport(report, stream || ctx.signal.aborted),
    );
    if (ctx.signal.aborted) return EXIT.interrupted;
    return report.loader.deadLettered > 0 ? EXIT.checkFailed : EXIT.ok;
  } finally {
    progress.stop();
    await openedBus.close();
    await metrics?.close();
  }
}

function renderReport(report: EmbeddedPipelineReport, stream: boolean): string {
  const { extractor, loader } = report;
  const table = renderTable(
    ['job', 'snapshot rows', 'streamed', 'applied', 'replays skipped', 'dead letters'],
    [
      [
        report.jobId,
        String(extractor.snapshotRows),
        String(extractor.streamEvents),
        String(loader.applied),
        String(loader.skipped),
        String(loader.deadLettered),
      ],
    ],
  );
  const applied =
    loader.deadLettered === 0 ? 'Snapshot applied.' : 'Snapshot applied, but for those.';
  const next = stream
    ? 'Stopped at a checkpoint; `database-replicator sync --via pipeline` resumes.\n'
    : `${applied} The stream start is kept (the source holds its changes): run \`database-replicator sync --via pipeline\` to apply them.\n`;
  const refused =
    loader.deadLettered === 0
      ? ''
      : `${loader.deadLettered} dead letter(s): the target refused those rows or changes and lacks them. The log's "message dead-lettered" lines give each reason; fix the cause, then run \`database-replicator verify --repair\`.\n`;
  return table + refused + next;
}
