/**
 * The one encoder from SQLite values to wire values, shared by the snapshot and the change stream
 * so both send the same value for the same cell. Wire values are what libs/postgres passes to
 * PostgreSQL as text input for the target column (pg-text.ts): strings pass through, so each kind
 * produces text the target type parses exactly; bytea travels as base64; 64-bit integers as
 * decimal strings. A value the target column cannot hold is refused here with the table, column
 * and storage class, never the value itself (row data stays out of messages).
 */
import { encodeValue, replicatorError, type JsonValue } from '@database-replicator/core';
import type { SqliteValueKind } from './type-map.js';

/** A value as SQLite stores it, read with `safeIntegers`: INTEGER is always a bigint. */
export type SqliteValue = null | bigint | number | string | Buffer;

/** What the encoder needs to know about a column. */
export type WireColumn = Readonly<{
  /** The SQLite table, for error messages. */
  table: string;
  name: string;
  /** The declared SQLite type, as written (`''` when none). */
  declaredType: string;
  kind: SqliteValueKind;
  /** A key column: NULL is refused (the target's primary key cannot hold it). */
  key: boolean;
}>;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOAT_TEXT = /^[+-]?(?:infinity|inf|nan)$/i;
const BOOLEAN_TEXT: ReadonlyMap<string, boolean> = new Map([
  ...['t', 'true', 'y', 'yes', 'on', '1'].map((text): [string, boolean] => [text, true]),
  ...['f', 'false', 'n', 'no', 'off', '0'].map((text): [string, boolean] => [text, false]),
]);
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;
/** The time-value forms of SQLite's date functions, with an optional zone (`Z`, `±HH:MM`). */
const TIMESTAMP_TEXT =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the years ISO text without a sign covers. */
const MIN_TIME_MS = -62_135_596_800_000;
const MAX_TIME_MS = 253_402_300_799_999;
const MIN_UNIX_SECONDS = -62_135_596_800n;
const MAX_UNIX_SECONDS = 253_402_300_799n;
const UNIX_EPOCH_JULIAN_DAY = 2_440_587.5;
const MS_PER_DAY = 86_400_000;

/** True if `value` is a {@link SqliteValue}; better-sqlite3 returns nothing else. */
export function isSqliteValue(value: unknown): value is SqliteValue {
  return (
    value === null ||
    typeof value === 'bigint' ||
    typeof value === 'number' ||
    typeof value === 'string' ||
    Buffer.isBuffer(value)
  );
}

/**
 * Encodes one stored value for `column` (docs/type-mapping.md, "SQLite", lists each kind's rules).
 *
 * @throws ReplicatorError `REPL_SQLITE_VALUE_INVALID` when the value cannot be written to the
 *   column's PostgreSQL type losslessly (text in an INTEGER column, a blob in a text column, a
 *   NUL character, a date that is not ISO-8601, NULL in a key column).
 */
export function encodeSqliteValue(value: SqliteValue, column: WireColumn): JsonValue {
  if (value === null) {
    if (column.key) throw invalid(column, 'a NULL', 'a primary-key column cannot be NULL');
    return null;
  }
  const encoded = ENCODERS[column.kind](value);
  if (encoded === undefined) throw invalid(column, storageClass(value), REASONS[column.kind]);
  return encoded;
}

type KindEncoder = (value: Exclude<SqliteValue, null>) => JsonValue | undefined;

const ENCODERS: Readonly<Record<SqliteValueKind, KindEncoder>> = Object.freeze({
  bigint: (value) => {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number') {
      return Number.isInteger(value) ? int64Text(BigInt(value)) : undefined;
    }
    return typeof value === 'string' && INTEGER_TEXT.test(value)
      ? int64Text(BigInt(value))
      : undefined;
  },
  double: (value) => {
    if (typeof value === 'number') return encodeValue(value);
    if (typeof value === 'bigint') return value.toString();
    return typeof value === 'string' && isFloatText(value) ? value : undefined;
  },
  numeric: (value) => {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number') return encodeValue(value);
    return typeof value === 'string' && isFloatText(value) ? value : undefined;
  },
  boolean: (value) => {
    if (typeof value === 'bigint') return value !== 0n;
    if (typeof value === 'number') return value !== 0;
    return typeof value === 'string' ? BOOLEAN_TEXT.get(value.trim().toLowerCase()) : undefined;
  },
  date: (value) => (typeof value === 'string' && DATE_TEXT.test(value) ? value : undefined),
  timestamptz: (value) => {
    if (typeof value === 'string') return timestampText(value);
    if (typeof value === 'bigint') {
      return value >= MIN_UNIX_SECONDS && value <= MAX_UNIX_SECONDS
        ? isoText(Number(value) * 1000)
        : undefined;
    }
    return typeof value === 'number'
      ? isoText(Math.round((value - UNIX_EPOCH_JULIAN_DAY) * MS_PER_DAY))
      : undefined;
  },
  text: (value) => {
    if (typeof value === 'string') return value.includes('\u0000') ? undefined : value;
    if (typeof value === 'bigint' || typeof value === 'number') return String(value);
    return undefined;
  },
  bytea: (value) => {
    if (Buffer.isBuffer(value)) return value.toString('base64');
    return typeof value === 'string' ? Buffer.from(value, 'utf8').toString('base64') : undefined;
  },
});

const REASONS: Readonly<Record<SqliteValueKind, string>> = Object.freeze({
  bigint: 'expected a 64-bit integer',
  double: 'expected a number',
  numeric: 'expected a number',
  boolean: 'expected 0/1 or a boolean word (true, false, yes, no, on, off, t, f)',
  date: 'expected ISO-8601 text YYYY-MM-DD',
  timestamptz:
    'expected ISO-8601 text (YYYY-MM-DD[ HH:MM[:SS[.fff]]][zone]), Unix seconds or a Julian day number within years 1-9999',
  text: 'expected text without NUL characters or a number (store binary data in a BLOB column)',
  bytea: 'expected a blob or text',
});

function int64Text(value: bigint): string | undefined {
  return value >= INT64_MIN && value <= INT64_MAX ? value.toString() : undefined;
}

function isFloatText(text: string): boolean {
  return DECIMAL_TEXT.test(text) || SPECIAL_FLOAT_TEXT.test(text);
}

/** SQLite time text as ISO-8601 with a zone: UTC when it names none, as SQLite's functions do. */
function timestampText(text: string): string | undefined {
  const match = TIMESTAMP_TEXT.exec(text.trim());
  if (match === null) return undefined;
  const [, date, minutes, seconds, fraction, zone] = match;
  const time = `${minutes ?? '00:00'}:${seconds ?? '00'}${fraction === undefined ? '' : `.${fraction}`}`;
  const offset = zone === undefined || zone.toUpperCase() === 'Z' ? '+00:00' : zone;
  return `${date ?? ''}T${time}${offset}`;
}

function isoText(ms: number): string | undefined {
  return Number.isFinite(ms) && ms >= MIN_TIME_MS && ms <= MAX_TIME_MS
    ? new Date(ms).toISOString()
    : undefined;
}

function storageClass(value: Exclude<SqliteValue, null>): string {
  if (typeof value === 'bigint') return 'an INTEGER';
  if (typeof value === 'number') return 'a REAL';
  return typeof value === 'string' ? 'a TEXT' : 'a BLOB';
}

function invalid(column: WireColumn, what: string, reason: string): Error {
  const declared = column.declaredType === '' ? 'no declared type' : column.declaredType;
  return replicatorError(
    'REPL_SQLITE_VALUE_INVALID',
    `Column "${column.name}" of SQLite table "${column.table}" (${declared}) holds ${what} value that cannot be replicated: ${reason}`,
    { details: { table: column.table, column: column.name, declaredType: declared } },
  );
}
