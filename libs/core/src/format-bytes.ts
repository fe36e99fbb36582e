const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** A byte count for people, in powers of 1024 like pg_size_pretty: 1536 → `1.5 kB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${UNITS[unit] ?? 'B'}`;
}
