/**
 * `String(value)` for a finite number, about twice as fast for the values money columns hold
 * (at most two decimals): the SQLite snapshot formats millions of them, and `String` was ~6 % of
 * its CPU time.
 *
 * Why the fast path gives the same text: `String` writes the shortest decimal that reads back as
 * `value`, in plain notation between 1e-6 and 1e21. When `cents / 100` reads back as `value` and
 * `cents` has at most 15 digits, that decimal is `cents / 100` with trailing zeros removed: two
 * different decimals of at most 15 significant digits never read back as the same double, so no
 * other decimal that short reads back as `value`.
 */
const MAX_CENTS = 999_999_999_999_999;

/** Exactly `String(value)`. */
export function numberText(value: number): string {
  const cents = Math.round(value * 100);
  // 0 keeps `String`'s "0" for -0; NaN and ±Infinity fail the comparison.
  if (cents === 0 || cents / 100 !== value || cents > MAX_CENTS || cents < -MAX_CENTS) {
    return String(value);
  }
  const sign = cents < 0 ? '-' : '';
  const digits = cents < 0 ? -cents : cents;
  const whole = Math.floor(digits / 100);
  const fraction = digits - whole * 100;
  if (fraction === 0) return `${sign}${whole}`;
  if (fraction % 10 === 0) return `${sign}${whole}.${fraction / 10}`;
  return `${sign}${whole}.${fraction < 10 ? '0' : ''}${fraction}`;
}
