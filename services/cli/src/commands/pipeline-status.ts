/**
 * `status` of pipeline jobs: read from the target's `_replicator` schema (with `--source` and
 * `--target`: the job of that pair) or from a coordinator (`--coordinator URL`: every job), with
 * lag from the source's slot (PostgreSQL) and from the bus (`--bus kafka://…`) where available.
 * Rates and ETAs come from successive readings: a one-shot status while a table is copied reads
 * twice, a second apart; `--watch` uses its frames.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { replicatorError, formatBytes, formatTableRef } from '@database-replicator/core';
import { createPostgresJobStore, type PostgresClient } from '@database-replicator/postgres';
import {
  RateTracker,
  UNKNOWN_LAG,
  parseBusSpec,
  openBus,
  pipelineJobNames,
  readBusLag,
  readCoordinatorStatus,
  readPipelineStatus,
  readSlotLag,
  type JobLagReading,
  type PipelineJobStatus,
} from '@database-replicator/runtime';
import type { CommandContext } from '../command-context.js';
import { renderTable } from '../output.js';

/** Reads the pipeline jobs `status` shows; `close` releases the bus it may hold. */
export type PipelineStatusSource = Readonly<{
  read(): Promise<readonly PipelineJobStatus[]>;
  close(): Promise<void>;
}>;

/** Wait between the two readings of a one-shot status while a table is copied, ms. */
const RATE_SAMPLE_MS = 1_000;

/**
 * The pipeline job of `--source`/`--target` in the target's job store (none if the target has
 * no `_replicator` schema or no such job).
 */
export function targetPipelineStatus(
  ctx: CommandContext,
  target: PostgresClient,
  source: PostgresClient | undefined,
): PipelineStatusSource {
  const names = pipelineJobNames(ctx.config);
  const store = createPostgresJobStore(target, { logger: ctx.logger });
  const rates = new RateTracker();
  const bus = openStatusBus(ctx);
  const lagOf = async (): Promise<JobLagReading> => {
    const slot =
      source === undefined ? undefined : await readSlotLag(source, names.replicationName);
    const onBus = bus === undefined ? undefined : await readBusLag(bus, target, names);
    return {
      lag: {
        bytes: slot?.bytes ?? UNKNOWN_LAG.bytes,
        seconds: slot?.seconds ?? UNKNOWN_LAG.seconds,
        events: onBus?.events ?? UNKNOWN_LAG.events,
      },
      deadLetters: onBus?.deadLetters ?? null,
    };
  };
  return Object.freeze({
    read: async () => {
      if (!(await hasJobStore(target))) return [];
      return readPipelineStatus({ reader: store, jobIds: [names.jobId], lagOf, rates });
    },
    close: async () => {
      await bus?.close();
    },
  });
}

/** Every job of the coordinator at `url` (its `GET /jobs` and `GET /jobs/:id/status`). */
export function coordinatorPipelineStatus(url: string): PipelineStatusSource {
  return Object.freeze({
    read: () => readCoordinatorStatus(url),
    close: () => Promise.resolve(),
  });
}

/**
 * Reads once, and when a table is being copied reads again a second later so rates and ETAs
 * are filled in. Returns early (with the first reading) if `signal` aborts.
 */
export async function readWithRates(
  source: PipelineStatusSource,
  signal: AbortSignal,
): Promise<readonly PipelineJobStatus[]> {
  const first = await source.read();
  const copying = first.some((job) => job.tables.some((t) => t.phase === 'snapshot'));
  if (!copying) return first;
  const aborted = await sleep(RATE_SAMPLE_MS, false, { signal }).catch(() => true);
  return aborted ? first : source.read();
}

/** The text view of pipeline jobs. */
export function renderPipelineJobs(jobs: readonly PipelineJobStatus[]): string {
  return jobs.map(renderJob).join('\n');
}

function renderJob(job: PipelineJobStatus): string {
  const source =
    job.sourceKind === null ? '' : ` (${job.sourceKind} source ${job.sourceName ?? ''})`;
  const lag = [
    job.lag.bytes === null ? null : formatBytes(job.lag.bytes),
    job.lag.events === null ? null : `${job.lag.events} events`,
    job.lag.seconds === null ? null : `${job.lag.seconds.toFixed(1)} s`,
  ].filter((part) => part !== null);
  const header =
    `pipeline job ${job.jobId}${source}, updated ${job.updatedAt}\n` +
    `lag: ${lag.length === 0 ? 'unknown' : lag.join(' / ')}; dead letters: ${job.deadLetters ?? 'unknown'}\n\n`;
  const rows = job.tables.map((t) => [
    formatTableRef({ schema: t.schema, table: t.table }),
    t.phase,
    `${t.rowsCopied.toLocaleString('en')}/${t.estimatedRows.toLocaleString('en')}`,
    t.ratePerSecond === null ? '-' : `${t.ratePerSecond.toLocaleString('en')}/s`,
    t.etaSeconds === null ? '-' : formatDuration(t.etaSeconds),
    t.lastError ?? '',
  ]);
  const problems = job.tables.some((t) => t.lastError !== null);
  const headers = [
    'table',
    'phase',
    'rows copied',
    'rate',
    'ETA',
    ...(problems ? ['last error'] : []),
  ];
  return header + renderTable(headers, problems ? rows : rows.map((r) => r.slice(0, 5)));
}

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

/** A Kafka bus named by `--bus`, for lag in events and dead letters; none otherwise. */
function openStatusBus(ctx: CommandContext): ReturnType<typeof openBus> | undefined {
  const flag = ctx.line.values.bus;
  if (flag === undefined) return undefined;
  const spec = parseBusSpec(flag, '--bus');
  if (spec.kind === 'memory') {
    throw replicatorError(
      'REPL_CLI_USAGE',
      "status --bus memory cannot see another process's in-process bus",
      {
        fix: 'Pass --bus kafka://host:port for a Kafka pipeline, or leave --bus out.',
        details: { configKey: '--bus' },
      },
    );
  }
  return openBus(spec, { logger: ctx.logger, clientId: 'database-replicator-status' });
}

/** True if the target has the job tables (a pipeline ran against it). */
async function hasJobStore(target: PostgresClient): Promise<boolean> {
  const { rows } = await target.query<{ present: boolean }>(
    `SELECT to_regclass('_replicator.job_tables') IS NOT NULL AS present`,
  );
  return rows[0]?.present === true;
}
