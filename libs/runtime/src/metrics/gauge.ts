import { sampleLine } from './exposition.js';
import { MetricSeries, type MetricLabels } from './metric-series.js';

/** A value that goes up and down: lag, rows done, rows estimated. */
export class Gauge<L extends string = never> {
  readonly name: string;
  readonly help: string;
  readonly #series: MetricSeries<L, { value: number }>;

  constructor(name: string, help: string, labelNames: readonly L[]) {
    this.name = name;
    this.help = help;
    this.#series = new MetricSeries(labelNames);
  }

  set(labels: MetricLabels<L>, value: number): void {
    this.#series.get(labels, () => ({ value: 0 })).value = value;
  }

  /** Removes every series, for a gauge refilled from a fresh reading before each scrape. */
  reset(): void {
    this.#series.clear();
  }

  /** Sample lines (no `# HELP`/`# TYPE`). */
  samples(): string[] {
    return [...this.#series.entries()].map(({ pairs, state }) =>
      sampleLine(this.name, pairs, state.value),
    );
  }
}
