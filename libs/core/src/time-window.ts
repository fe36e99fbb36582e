/** Units a time filter window may use; plural and capitalised spellings are accepted on input. */
export const TIME_UNITS = Object.freeze([
  'second',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
] as const);

/** One of {@link TIME_UNITS}. */
export type TimeUnit = (typeof TIME_UNITS)[number];

/**
 * A time filter window, "the last `amount` `unit`s": `"6 months"` → `{ amount: 6, unit: 'month' }`.
 * Both PostgreSQL (`INTERVAL '6 month'`) and MySQL (`INTERVAL 6 MONTH`) take this form.
 */
export type TimeWindow = Readonly<{ amount: number; unit: TimeUnit }>;

const WINDOW = /^\s*([0-9]+)\s*([A-Za-z]+)\s*$/;

/** How a window is written, for messages. */
export const TIME_WINDOW_EXAMPLE = '"<N> <unit>" such as "90 days", "6 months" or "1 hour"';

/**
 * Parses `"<N> <unit>"` (N a whole number ≥ 1; unit one of {@link TIME_UNITS}, singular or
 * plural, any case). Returns `undefined` when the text is not such a window.
 */
export function parseTimeWindow(text: string): TimeWindow | undefined {
  const match = WINDOW.exec(text);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const word = (match[2] ?? '').toLowerCase();
  const unit = TIME_UNITS.find((candidate) => word === candidate || word === `${candidate}s`);
  if (unit === undefined || !Number.isSafeInteger(amount) || amount < 1) return undefined;
  return Object.freeze({ amount, unit });
}
