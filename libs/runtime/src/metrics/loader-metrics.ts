/**
 * The loader's metrics (docs/metrics.md) and the wrappers that feed them: the applier is timed
 * and counted per table, dead letters are counted by error code, and lag is refreshed before each
 * scrape from the bus's end offsets and this process's commits.
 */
import { formatTableRef, isReplicatorError, type TableId } from '@database-replicator/core';
import type { Bus } from '@database-replicator/bus';
import type {
  ApplyBatch,
  ApplyCounts,
  ChangeApplier,
  DeadLetterSink,
  LoaderEvent,
} from '@database-replicator/pipeline';
import { partitionKey } from '@database-replicator/postgres';
import { eventTopicEnds } from '../event-topics.js';
import type { Counter } from './counter.js';
import type { Gauge } from './gauge.js';
import { LATENCY_BUCKETS_SECONDS, type Histogram } from './histogram.js';
import type { MetricsRegistry } from './metrics-registry.js';

/** The loader's metrics in a registry. */
export type LoaderMetrics = Readonly<{
  rowsApplied: Counter<'table'>;
  eventsConsumed: Counter<'table'>;
  batches: Counter<'table'>;
  errors: Counter<'component' | 'code'>;
  deadLetters: Counter<'code'>;
  batchApplySeconds: Histogram<'table'>;
  lagEvents: Gauge;
  lagSeconds: Gauge;
}>;

/**
 * Registers the loader's metrics in `registry`.
 *
 * @throws ReplicatorError `REPL_METRIC_INVALID` if they are registered twice.
 */
export function createLoaderMetrics(registry: MetricsRegistry): LoaderMetrics {
  return Object.freeze({
    rowsApplied: registry.counter(
      'dr_loader_rows_applied_total',
      'Rows (change events) applied to the target, by table; replays skipped are not counted.',
      ['table'],
    ),
    eventsConsumed: registry.counter(
      'dr_loader_events_consumed_total',
      'Change events read from the bus and handed to the target, by table, replays included.',
      ['table'],
    ),
    batches: registry.counter(
      'dr_loader_batches_total',
      'Apply transactions committed on the target, by table.',
      ['table'],
    ),
    errors: registry.counter(
      'dr_errors_total',
      'Failures by component and error code, each retry attempt counted.',
      ['component', 'code'],
    ),
    deadLetters: registry.counter(
      'dr_dead_letters_total',
      'Messages sent to the dead-letter topic, by the error code that rejected them.',
      ['code'],
    ),
    batchApplySeconds: registry.histogram(
      'dr_loader_batch_apply_seconds',
      'Time to apply one batch of one table on the target, including its offsets, seconds.',
      LATENCY_BUCKETS_SECONDS,
      ['table'],
    ),
    lagEvents: registry.gauge(
      'dr_lag_events',
      'Messages on the bus not yet applied, over the partitions this process has committed.',
    ),
    lagSeconds: registry.gauge(
      'dr_lag_seconds',
      'Seconds between the source commit of the last streamed change applied and its apply; 0 once no message waits.',
    ),
  });
}

/** The code of an error for the `code` label: its `REPL_*` code, else `unknown`. */
export function errorCodeLabel(error: unknown): string {
  return isReplicatorError(error) ? error.code : 'unknown';
}

/** `applier`, counting and timing every call in `metrics`. */
export function instrumentApplier(applier: ChangeApplier, metrics: LoaderMetrics): ChangeApplier {
  const instrumented: ChangeApplier = {
    apply: (batch) =>
      measured(
        metrics,
        batch.table,
        batch.events.length,
        () => applier.apply(batch),
        () => {
          const newest = newestStreamedCommitMs(batch.events);
          if (newest !== undefined) {
            metrics.lagSeconds.set({}, Math.max(0, Date.now() - newest) / 1000);
          }
        },
      ),
    applyCopyChunks: (batch) =>
      measured(
        metrics,
        batch.table,
        batch.chunks.reduce((rows, c) => rows + c.chunk.row_count, 0),
        () => applier.applyCopyChunks(batch),
      ),
  };
  const applyAll = applier.applyAll?.bind(applier);
  if (applyAll !== undefined) {
    instrumented.applyAll = (batches) => measuredGroup(metrics, batches, () => applyAll(batches));
  }
  // The probes that isolate poison events inside a chunk and refused rows inside a copy chunk
  // apply nothing, so they are not measured; dropping them would make the loader dead-letter
  // whole messages whenever metrics are on.
  const findPoison = applier.findPoison?.bind(applier);
  if (findPoison !== undefined) instrumented.findPoison = findPoison;
  const findRefusedCopyRows = applier.findRefusedCopyRows?.bind(applier);
  if (findRefusedCopyRows !== undefined) instrumented.findRefusedCopyRows = findRefusedCopyRows;
  const settleRefused = applier.settleRefused?.bind(applier);
  if (settleRefused !== undefined) instrumented.settleRefused = settleRefused;
  return Object.freeze(instrumented);
}

/**
 * Runs one apply of several batches in one transaction: each table in it counts one batch
 * observed at the transaction's duration. Applied rows are split by table in batch order; only
 * a partly replayed group (some events skipped) makes that split approximate.
 */
async function measuredGroup(
  metrics: LoaderMetrics,
  batches: readonly ApplyBatch[],
  apply: () => Promise<ApplyCounts>,
): Promise<ApplyCounts> {
  const started = performance.now();
  try {
    const counts = await apply();
    const seconds = (performance.now() - started) / 1000;
    const tables = new Map<string, number>();
    for (const batch of batches) {
      const label = formatTableRef(batch.table);
      tables.set(label, (tables.get(label) ?? 0) + batch.events.length);
    }
    let applied = counts.applied;
    for (const [table, events] of tables) {
      metrics.batchApplySeconds.observe({ table }, seconds);
      metrics.batches.inc({ table });
      metrics.eventsConsumed.inc({ table }, events);
      metrics.rowsApplied.inc({ table }, Math.min(events, applied));
      applied -= Math.min(events, applied);
    }
    const newest = Math.max(...batches.map((b) => newestStreamedCommitMs(b.events) ?? -1));
    if (newest >= 0) metrics.lagSeconds.set({}, Math.max(0, Date.now() - newest) / 1000);
    return counts;
  } catch (error) {
    metrics.errors.inc({ component: 'loader', code: errorCodeLabel(error) });
    throw error;
  }
}

/** Runs one apply of `table` carrying `events` rows, timing and counting it. */
async function measured(
  metrics: LoaderMetrics,
  table: TableId,
  events: number,
  apply: () => Promise<ApplyCounts>,
  afterApply?: () => void,
): Promise<ApplyCounts> {
  const labels = { table: formatTableRef(table) };
  const started = performance.now();
  try {
    const counts = await apply();
    metrics.batchApplySeconds.observe(labels, (performance.now() - started) / 1000);
    metrics.batches.inc(labels);
    metrics.eventsConsumed.inc(labels, events);
    metrics.rowsApplied.inc(labels, counts.applied);
    afterApply?.();
    return counts;
  } catch (error) {
    metrics.errors.inc({ component: 'loader', code: errorCodeLabel(error) });
    throw error;
  }
}

/** Source commit time of the newest streamed (not snapshot) event, epoch ms. */
function newestStreamedCommitMs(events: readonly LoaderEvent[]): number | undefined {
  let newest: number | undefined;
  for (const { event } of events) {
    if (event.source.snapshot !== 'false') continue;
    if (newest === undefined || event.source.ts_ms > newest) newest = event.source.ts_ms;
  }
  return newest;
}

/** `sink`, counting every letter stored in `metrics`. */
export function instrumentDeadLetters(
  sink: DeadLetterSink,
  metrics: LoaderMetrics,
): DeadLetterSink {
  const counted: DeadLetterSink = {
    send: async (letter) => {
      await sink.send(letter);
      metrics.deadLetters.inc({ code: letter.code });
    },
  };
  return Object.freeze(counted);
}

/**
 * Keeps `dr_lag_events` current: records this process's commits and, before each scrape, sums
 * `end offset − committed offset` over the partitions committed so far. Partitions another loader
 * of the group owns are not this process's lag, so only committed ones count.
 */
export class LoaderLagGauge {
  readonly #committed = new Map<string, bigint>();

  constructor(metrics: LoaderMetrics, registry: MetricsRegistry, bus: Bus, topicPrefix: string) {
    registry.onCollect(async () => {
      const ends = await eventTopicEnds(bus, topicPrefix);
      let behind = 0n;
      for (const [key, next] of this.#committed) {
        const end = ends.get(key);
        if (end !== undefined && end > next) behind += end - next;
      }
      metrics.lagEvents.set({}, Number(behind));
      if (behind === 0n) metrics.lagSeconds.set({}, 0);
    });
  }

  /** Records a commit (`nextOffset` = last applied + 1). */
  committed(topic: string, partition: number, nextOffset: string): void {
    this.#committed.set(partitionKey(topic, partition), BigInt(nextOffset));
  }
}
