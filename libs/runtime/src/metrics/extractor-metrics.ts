/**
 * The extractor's metrics (docs/metrics.md), fed by the extractor's progress callback and its
 * bus acknowledgements: snapshot rows done and estimated per table, messages sent, stream events.
 */
import { formatTableRef } from '@database-replicator/core';
import type { ExtractorProgress } from '@database-replicator/pipeline';
import type { Counter } from './counter.js';
import type { Gauge } from './gauge.js';
import type { MetricsRegistry } from './metrics-registry.js';

/** The extractor's metrics in a registry, and how to feed them. */
export class ExtractorMetrics {
  readonly #snapshotRows: Gauge<'table'>;
  readonly #snapshotRowsEstimated: Gauge<'table'>;
  readonly #messagesSent: Counter;
  readonly #streamEvents: Counter;
  readonly #restarts: Counter<'code'>;
  /** Stream events of the current run as last reported; a new run starts again at 0. */
  #runEvents = 0;

  /**
   * Registers the extractor's metrics in `registry`.
   *
   * @throws ReplicatorError `REPL_METRIC_INVALID` if they are registered twice.
   */
  constructor(registry: MetricsRegistry) {
    this.#snapshotRows = registry.gauge(
      'dr_snapshot_rows',
      'Snapshot rows on the bus so far, by table.',
      ['table'],
    );
    this.#snapshotRowsEstimated = registry.gauge(
      'dr_snapshot_rows_estimated',
      "The source's row estimate of each table being snapshotted (at least the rows done).",
      ['table'],
    );
    this.#messagesSent = registry.counter(
      'dr_extractor_messages_sent_total',
      'Messages the bus acknowledged to the extractor (snapshot chunks, change events), resends included.',
    );
    this.#streamEvents = registry.counter(
      'dr_extractor_stream_events_total',
      'Change events streamed from the source and acknowledged by the bus.',
    );
    this.#restarts = registry.counter(
      'dr_extractor_restarts_total',
      'Extractor runs restarted after a transient failure, by error code.',
      ['code'],
    );
  }

  /** Feeds an `onProgress` report of the extractor. */
  readonly progress = (progress: ExtractorProgress): void => {
    if (progress.phase === 'snapshot') {
      const labels = { table: formatTableRef(progress.table) };
      this.#snapshotRows.set(labels, progress.rows);
      this.#snapshotRowsEstimated.set(labels, Math.max(progress.estimatedRows, progress.rows));
      return;
    }
    if (progress.events < this.#runEvents) this.#runEvents = 0;
    this.#streamEvents.inc({}, progress.events - this.#runEvents);
    this.#runEvents = progress.events;
  };

  /** The bus acknowledged `messages` more. */
  readonly sent = (messages: number): void => {
    this.#messagesSent.inc({}, messages);
  };

  /** A run failed with `code` and restarts. */
  restarted(code: string): void {
    this.#restarts.inc({ code });
    this.#runEvents = 0;
  }
}
