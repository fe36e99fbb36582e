/**
 * Rows per second from successive readings of a growing count (a table's snapshot rows), and the
 * time left at that rate. Readings older than the window are dropped, so the rate follows the
 * recent pace rather than the whole run's average. Pure: the caller passes the clock.
 */

/** Default span of readings a rate is taken over, ms. */
export const DEFAULT_RATE_WINDOW_MS = 60_000;

type Reading = Readonly<{ count: number; atMs: number }>;

/** Readings per key (`job` + table), and the rate and ETA they give. */
export class RateTracker {
  readonly #windowMs: number;
  readonly #readings = new Map<string, Reading[]>();

  constructor(windowMs: number = DEFAULT_RATE_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /**
   * Records `count` for `key` at `atMs` and returns the rate over the window, per second; `null`
   * until two readings at different times exist. A count that went down (a restarted snapshot)
   * starts the readings again.
   */
  record(key: string, count: number, atMs: number): number | null {
    let readings = this.#readings.get(key) ?? [];
    const last = readings.at(-1);
    if (last !== undefined && count < last.count) readings = [];
    readings.push({ count, atMs });
    while (readings.length > 2 && (readings[1]?.atMs ?? atMs) <= atMs - this.#windowMs) {
      readings.shift();
    }
    this.#readings.set(key, readings);
    const first = readings[0];
    if (first === undefined || atMs <= first.atMs) return null;
    return ((count - first.count) * 1000) / (atMs - first.atMs);
  }
}

/** Seconds until `done` reaches `total` at `ratePerSecond`; `null` when unknown or stalled. */
export function etaSeconds(
  done: number,
  total: number,
  ratePerSecond: number | null,
): number | null {
  if (ratePerSecond === null || ratePerSecond <= 0) return null;
  return Math.max(0, Math.ceil((total - done) / ratePerSecond));
}
