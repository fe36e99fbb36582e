/**
 * The metrics of one process, rendered in the Prometheus text format 0.0.4 for `/metrics`. Every
 * service makes its own registry (no global default), registers its metrics once at start, and
 * may add collectors that refresh gauges from a reading (lag, job state) before each render.
 */
import { replicatorError } from '@database-replicator/core';
import { Counter } from './counter.js';
import { escapeHelp, isLabelName, isMetricName } from './exposition.js';
import { Gauge } from './gauge.js';
import { Histogram } from './histogram.js';

type Metric = Counter<string> | Gauge<string> | Histogram<string>;

/** Refreshes gauges before a render; may be async. */
export type MetricsCollector = () => void | Promise<void>;

/** Options of {@link MetricsRegistry}. */
export type MetricsRegistryOptions = Readonly<{
  /** Called when a collector throws; that collector's gauges keep their last values. */
  onCollectError?: (error: unknown) => void;
}>;

/** A set of metrics with unique names. */
export class MetricsRegistry {
  readonly #metrics = new Map<string, { type: string; metric: Metric }>();
  readonly #collectors: MetricsCollector[] = [];
  readonly #onCollectError: ((error: unknown) => void) | undefined;

  constructor(options: MetricsRegistryOptions = {}) {
    this.#onCollectError = options.onCollectError;
  }

  /**
   * A new counter.
   *
   * @throws ReplicatorError `REPL_METRIC_INVALID` for an invalid or taken name or label name.
   */
  counter<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): Counter<L> {
    return this.#add('counter', new Counter(name, help, labelNames), labelNames);
  }

  /**
   * A new gauge.
   *
   * @throws ReplicatorError `REPL_METRIC_INVALID` as {@link MetricsRegistry.counter}.
   */
  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): Gauge<L> {
    return this.#add('gauge', new Gauge(name, help, labelNames), labelNames);
  }

  /**
   * A new histogram; `buckets` are upper bounds (`+Inf` implied).
   *
   * @throws ReplicatorError `REPL_METRIC_INVALID` as {@link MetricsRegistry.counter}, and for a
   *   label named `le` (the format's bucket label).
   */
  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    if (labelNames.some((label) => label === 'le')) throw invalid(name, 'the label le is reserved');
    return this.#add('histogram', new Histogram(name, help, labelNames, buckets), labelNames);
  }

  /** Runs `collector` before every {@link MetricsRegistry.render}. */
  onCollect(collector: MetricsCollector): void {
    this.#collectors.push(collector);
  }

  /** Every metric as exposition text, after running the collectors. */
  async render(): Promise<string> {
    for (const collector of this.#collectors) {
      try {
        await collector();
      } catch (error) {
        this.#onCollectError?.(error);
      }
    }
    const lines: string[] = [];
    for (const { type, metric } of this.#metrics.values()) {
      lines.push(`# HELP ${metric.name} ${escapeHelp(metric.help)}`);
      lines.push(`# TYPE ${metric.name} ${type}`);
      lines.push(...metric.samples());
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  #add<M extends Metric>(type: string, metric: M, labelNames: readonly string[]): M {
    if (!isMetricName(metric.name)) throw invalid(metric.name, 'not a valid metric name');
    if (this.#metrics.has(metric.name)) throw invalid(metric.name, 'already registered');
    const bad = labelNames.find((label) => !isLabelName(label));
    if (bad !== undefined) throw invalid(metric.name, `invalid label name ${JSON.stringify(bad)}`);
    this.#metrics.set(metric.name, { type, metric });
    return metric;
  }
}

function invalid(name: string, problem: string) {
  return replicatorError('REPL_METRIC_INVALID', `Metric ${JSON.stringify(name)}: ${problem}`, {
    details: { metric: name },
  });
}
