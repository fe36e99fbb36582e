import { sampleLine } from './exposition.js';
import { MetricSeries, type MetricLabels } from './metric-series.js';

/** Bucket upper bounds in seconds, for database round trips from 1 ms to 30 s. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

type HistogramState = { counts: number[]; sum: number; count: number };

/**
 * Observations counted into buckets. Exposed as cumulative `_bucket{le="…"}` series (ending with
 * `le="+Inf"`, equal to `_count`), `_sum` and `_count`.
 */
export class Histogram<L extends string = never> {
  readonly name: string;
  readonly help: string;
  readonly #buckets: readonly number[];
  readonly #series: MetricSeries<L, HistogramState>;

  /** `buckets`: upper bounds, sorted ascending here; `+Inf` is implied. */
  constructor(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]) {
    this.name = name;
    this.help = help;
    this.#buckets = Object.freeze(
      [...new Set(buckets)].filter((b) => Number.isFinite(b)).sort((a, b) => a - b),
    );
    this.#series = new MetricSeries(labelNames);
  }

  observe(labels: MetricLabels<L>, value: number): void {
    const state = this.#series.get(labels, () => ({
      counts: this.#buckets.map(() => 0),
      sum: 0,
      count: 0,
    }));
    const index = this.#buckets.findIndex((bound) => value <= bound);
    if (index >= 0) state.counts[index] = (state.counts[index] ?? 0) + 1;
    state.sum += value;
    state.count += 1;
  }

  /** Sample lines (no `# HELP`/`# TYPE`). */
  samples(): string[] {
    const lines: string[] = [];
    for (const { pairs, state } of this.#series.entries()) {
      let cumulative = 0;
      this.#buckets.forEach((bound, i) => {
        cumulative += state.counts[i] ?? 0;
        lines.push(
          sampleLine(`${this.name}_bucket`, [...pairs, ['le', String(bound)]], cumulative),
        );
      });
      lines.push(sampleLine(`${this.name}_bucket`, [...pairs, ['le', '+Inf']], state.count));
      lines.push(sampleLine(`${this.name}_sum`, pairs, state.sum));
      lines.push(sampleLine(`${this.name}_count`, pairs, state.count));
    }
    return lines;
  }
}
