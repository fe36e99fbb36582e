/**
 * Text encodings shared by the engines: timestamps and money are kept as integers in the
 * generator and rendered once here, so PostgreSQL, MariaDB and SQLite receive identical text.
 */
import type { EpochMicros } from './spec.js';

/** `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, the input format of timestamp(6) / DATETIME(6). */
export function formatTimestamp(us: EpochMicros): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString(); // 2024-01-01T00:00:37.123Z
  const micros = String(us % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros}`;
}

/** Parses what {@link formatTimestamp} writes, also with fewer fraction digits (PostgreSQL's ::text). */
export function parseTimestamp(text: string): EpochMicros {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?/.exec(text);
  if (match === null) throw new Error(`not a timestamp: ${JSON.stringify(text)}`);
  const seconds = Date.parse(`${match[1]}T${match[2]}Z`) / 1000;
  return seconds * 1_000_000 + Number((match[3] ?? '').padEnd(6, '0'));
}

/** Cents as a numeric(12,2) literal: 12345 -> "123.45". */
export function formatCents(cents: number): string {
  const whole = Math.floor(cents / 100);
  return `${whole}.${String(cents % 100).padStart(2, '0')}`;
}

/** Parses a decimal with at most two fraction digits (string or float) back to cents. */
export function parseCents(value: string | number): number {
  const text = typeof value === 'number' ? value.toFixed(2) : value;
  const match = /^(-?\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (match === null) throw new Error(`not a 2-decimal number: ${JSON.stringify(value)}`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** JSON with sorted keys, to compare documents whatever order an engine keeps keys in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
