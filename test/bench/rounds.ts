/**
 * A scenario's result over several rounds (`--rounds`). Run-to-run spread on the 2-core machine
 * is about ±15 %, for the baselines as much as for us, so one round near an acceptance threshold
 * decides nothing; the median round does better. A round that failed is the result: a failure
 * is never outvoted.
 */
import { comparedFigure, secs } from './report.js';
import type { ScenarioResult } from './result.js';
import { formatMegabytes } from './sizes.js';
import { percentile } from './stats.js';

/**
 * The round with the median figure (`percentile` 50, nearest rank: the lower middle of an even
 * count), with the highest peak RSS of all rounds and every round's figure in its notes.
 *
 * @throws Error for no rounds.
 */
export function medianRound(rounds: readonly ScenarioResult[]): ScenarioResult {
  const first = rounds[0];
  if (first === undefined) throw new Error('medianRound needs at least one round');
  if (rounds.length === 1) return first;
  const failed = rounds.find((round) => round.measurement === null);
  if (failed !== undefined) return failed;
  const measured = rounds.flatMap((round) =>
    round.measurement === null ? [] : [{ round, measurement: round.measurement }],
  );
  const middle = percentile(
    measured.map(({ measurement }) => comparedFigure(measurement)),
    50,
  );
  const median = measured.find(({ measurement }) => comparedFigure(measurement) === middle);
  if (median === undefined) return first;
  const peaks = measured.flatMap(({ measurement }) =>
    measurement.peakRssBytes === null ? [] : [measurement.peakRssBytes],
  );
  const each = measured
    .map(({ measurement: m }) => {
      const figure =
        m.lag === null ? `${secs(m.wallSeconds)} s` : `p99 ${Math.round(m.lag.p99Ms)} ms`;
      return m.peakRssBytes === null ? figure : `${figure} (${formatMegabytes(m.peakRssBytes)} MB)`;
    })
    .join(', ');
  return Object.freeze({
    ...median.round,
    measurement: Object.freeze({
      ...median.measurement,
      peakRssBytes: peaks.length === 0 ? null : Math.max(...peaks),
      notes: [...median.measurement.notes, `rounds: ${each}`],
    }),
  });
}
