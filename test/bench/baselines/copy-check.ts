/** After a copy: the target must hold exactly the source's rows per table, else the run is broken. */
export function assertSameCounts(
  what: string,
  source: Readonly<Record<string, number>>,
  target: Readonly<Record<string, number>>,
): void {
  const wrong = tablesDiffering(source, target);
  if (wrong.length > 0) {
    const detail = wrong
      .map((t) => `${t}: source ${String(source[t])}, target ${String(target[t] ?? 'missing')}`)
      .join('; ');
    throw new Error(`${what}: row counts differ (${detail})`);
  }
}

/** The tables of `source` whose count on `target` differs (or is missing). */
export function tablesDiffering(
  source: Readonly<Record<string, number>>,
  target: Readonly<Record<string, number>>,
): string[] {
  return Object.keys(source).filter((t) => source[t] !== target[t]);
}

/** Sum of a count record. */
export function sumCounts(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
