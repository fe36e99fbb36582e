import { sampleLine } from './exposition.js';
import { MetricSeries, type MetricLabels } from './metric-series.js';

/** A value that only goes up (resets only when the process restarts). Name it `*_total`. */
export class Counter<L extends string = never> {
  readonly name: string;
  readonly help: string;
  readonly #series: MetricSeries<L, { value: number }>;

  constructor(name: string, help: string, labelNames: readonly L[]) {
    this.name = name;
    this.help = help;
    this.#series = new MetricSeries(labelNames);
  }

  /** Adds `amount` (default 1; negative amounts are ignored: a counter never goes down). */
  inc(labels: MetricLabels<L>, amount = 1): void {
    if (!(amount > 0)) return;
    this.#series.get(labels, () => ({ value: 0 })).value += amount;
  }

  /** The current value of a series; 0 if it never moved. */
  value(labels: MetricLabels<L>): number {
    return this.#series.get(labels, () => ({ value: 0 })).value;
  }

  /** Sample lines (no `# HELP`/`# TYPE`). */
  samples(): string[] {
    return [...this.#series.entries()].map(({ pairs, state }) =>
      sampleLine(this.name, pairs, state.value),
    );
  }
}
