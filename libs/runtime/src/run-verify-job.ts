/**
 * One verify run as the CLI's `verify` and services/verifier do it: open the source's session
 * (open-verify-run.ts), compare, optionally repair and re-check, read sample values of differing
 * rows, and record the run in `_replicator.verify_runs`, also when it failed. A run that cannot
 * be recorded (e.g. a read-only target) is logged and still reported.
 */
import {
  isReplicatorError,
  type Logger,
  type ReplicatorConfig,
  type TableSelector,
} from '@database-replicator/core';
import {
  repairTable,
  verifyTables,
  type MaskColumns,
  type RepairOutcome,
  type VerifyReport,
} from '@database-replicator/pipeline';
import { applyRepairEvents } from '@database-replicator/postgres';
import { openVerifyRun, type VerifyRun } from './open-verify-run.js';
import { readVerifySamples, type SampledVerifyReport } from './read-verify-samples.js';
import { recordVerifyRun } from './record-verify-run.js';

/** Differing keys sampled per table by default. */
export const DEFAULT_SAMPLES_PER_TABLE = 10;

/** Options of {@link runVerifyJob}. */
export type VerifyJobOptions = Readonly<{
  source: NonNullable<ReplicatorConfig['source']>;
  target: NonNullable<ReplicatorConfig['target']>;
  filters: ReplicatorConfig['filters'];
  /** Only these tables (`--tables`). Default: every selected table. */
  tables?: readonly TableSelector[];
  /** Connections per side and range tasks in flight. */
  connections: number;
  /** Re-copy differing keys and verify those tables again. */
  repair: boolean;
  /** Columns whose sample values are masked. */
  mask: MaskColumns;
  /** Differing keys sampled per table. Default {@link DEFAULT_SAMPLES_PER_TABLE}. */
  samplesPerTable?: number;
  /** What the run is recorded under: the job id, else the source's name. */
  job: string;
  trigger: 'cli' | 'service';
  signal?: AbortSignal;
  logger: Logger;
}>;

/** What {@link runVerifyJob} found. */
export type VerifyJobOutcome = Readonly<{
  /** The final report (after a repair, with the repaired tables re-checked), with samples. */
  report: SampledVerifyReport;
  /** What a repair wrote; null without `repair` or when nothing differed. */
  repairs: readonly RepairOutcome[] | null;
  startedAt: Date;
  finishedAt: Date;
  /** Id of the `_replicator.verify_runs` row; null when recording failed. */
  runId: number | null;
}>;

/**
 * Verifies, repairs if asked, samples and records.
 *
 * @throws ReplicatorError what opening the sessions and comparing throw (after recording the
 *   run as failed).
 */
export async function runVerifyJob(options: VerifyJobOptions): Promise<VerifyJobOutcome> {
  const startedAt = new Date();
  const record = async (report: VerifyReport | null, repaired: boolean, error?: unknown) => {
    try {
      return await recordVerifyRun(options.target.url, {
        job: options.job,
        trigger: options.trigger,
        startedAt,
        finishedAt: new Date(),
        report,
        repaired,
        ...(error === undefined ? {} : { error: failureText(error) }),
      });
    } catch (failure) {
      options.logger.warn({ err: failure }, 'could not record the verify run in _replicator');
      return null;
    }
  };
  let result: Readonly<{ report: SampledVerifyReport; repairs: RepairOutcome[] | null }>;
  try {
    result = await verifyAndSample(options);
  } catch (error) {
    await record(null, false, error);
    throw error;
  }
  const runId = await record(result.report, result.repairs !== null);
  return Object.freeze({ ...result, startedAt, finishedAt: new Date(), runId });
}

function failureText(error: unknown): string {
  if (isReplicatorError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

async function verifyAndSample(options: VerifyJobOptions) {
  const run = await openVerifyRun({
    source: options.source,
    target: options.target,
    filters: options.filters,
    tables: options.tables,
    connections: options.connections,
    logger: options.logger,
  });
  try {
    const verify = (inputs: VerifyRun['inputs']) =>
      verifyTables(inputs, {
        concurrency: options.connections,
        progress: run.progress,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        logger: options.logger,
      });
    const first = await verify(run.inputs);
    const repaired =
      options.repair && !first.ok
        ? await repairAndRecheck(run, first, options.target.url, verify)
        : { report: first, repairs: null };
    const report = await readVerifySamples(run, repaired.report, options.target.url, {
      perTable: options.samplesPerTable ?? DEFAULT_SAMPLES_PER_TABLE,
      mask: options.mask,
    });
    return { report, repairs: repaired.repairs };
  } finally {
    await run.close();
  }
}

/**
 * Re-copies the differing keys of every differing table, then verifies those tables again; the
 * report is the first one with those tables' results replaced by the second verify's.
 */
async function repairAndRecheck(
  run: VerifyRun,
  first: VerifyReport,
  target: Parameters<typeof applyRepairEvents>[0],
  verify: (inputs: VerifyRun['inputs']) => Promise<VerifyReport>,
): Promise<Readonly<{ report: VerifyReport; repairs: RepairOutcome[] }>> {
  const source = await run.repairSource();
  const repairs: RepairOutcome[] = [];
  const repaired = new Set<string>();
  for (const result of first.tables) {
    const id = run.ids.get(result.table);
    if (result.status !== 'different' || id === undefined) continue;
    repairs.push(
      await repairTable(id, result, source, (table, keyColumns, events) =>
        applyRepairEvents(target, table, keyColumns, events),
      ),
    );
    repaired.add(result.table);
  }
  const again = await verify(run.inputs.filter((input) => repaired.has(input.table)));
  const byTable = new Map(again.tables.map((t) => [t.table, t]));
  const tables = first.tables.map((t) => byTable.get(t.table) ?? t);
  const ok = tables.every((t) => t.status === 'ok' || t.status === 'skipped');
  return { report: Object.freeze({ ok, tables: Object.freeze(tables) }), repairs };
}
