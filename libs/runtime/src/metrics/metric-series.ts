/**
 * The series of one metric: one state per combination of its label values, kept in first-seen
 * order. Shared by counters, gauges and histograms, which differ only in what a series holds.
 */

/** Label values by label name, e.g. `{ table: 'public.orders' }`. */
export type MetricLabels<L extends string> = Readonly<Record<L, string>>;

/** Label pairs in the metric's declared order. */
export type LabelPairs = readonly (readonly [string, string])[];

/** A map from label values to series state `S`. */
export class MetricSeries<L extends string, S> {
  readonly #labelNames: readonly L[];
  readonly #series = new Map<string, { pairs: LabelPairs; state: S }>();

  constructor(labelNames: readonly L[]) {
    this.#labelNames = labelNames;
  }

  /** The state of the series of `labels`, created by `create` on first use. */
  get(labels: MetricLabels<L>, create: () => S): S {
    const values = this.#labelNames.map((name) => labels[name]);
    const key = values.join('\u0000');
    let entry = this.#series.get(key);
    if (entry === undefined) {
      const pairs = this.#labelNames.map((name, i) =>
        Object.freeze([name, values[i] ?? ''] as const),
      );
      entry = { pairs: Object.freeze(pairs), state: create() };
      this.#series.set(key, entry);
    }
    return entry.state;
  }

  /** Forgets every series (a gauge refilled on each scrape). */
  clear(): void {
    this.#series.clear();
  }

  /** Every series with its label pairs. */
  entries(): IterableIterator<{ pairs: LabelPairs; state: S }> {
    return this.#series.values();
  }
}
