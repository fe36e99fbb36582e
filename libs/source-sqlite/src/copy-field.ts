/**
 * One stored value as a COPY text field: exactly `copyTextField(toPostgresText(wire))` of
 * libs/postgres applied to the wire value `encodeSqliteValue` gives, computed without building
 * the wire value. {@link copySqliteField} is that definition; {@link copyFieldEncoder} adds fast
 * paths for each kind's usual storage class, each producing the same text by construction
 * (argued at each path), and hands every other value to the definition, which also validates it.
 *
 * The fields are built here, not by SQLite in the page query: on the benchmark's `orders` table
 * (200,000 rows) building every field in SQL (replace() escaping, CASE on typeof(), hex() for
 * blobs) cost as much CPU as reading the raw values and encoding them in JavaScript did before
 * these fast paths (1.8–2.0 s against 1.7–2.1 s; the fast paths then cut the JavaScript side by
 * about a fifth), and SQLite has no shortest round-trip text for a REAL, so `String(number)`
 * could not be matched byte for byte.
 */
import { numberText } from '@database-replicator/core';
import type { SqliteColumn } from './introspect.js';
import { encodeSqliteValue, isSqliteValue, type SqliteValue } from './sqlite-wire-value.js';

/** Encodes one value read from a column (better-sqlite3 gives only SQLite values) as a field. */
export type CopyFieldEncoder = (value: unknown) => string;

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const COPY_ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
});
/** Text that is its own COPY field: nothing to escape and no NUL, which the text kind refuses. */
const PLAIN_TEXT = /[\\\n\r\t\0]/;
/**
 * Time text `timestampText` turns into `date` T `time` `+00:00` without other change: no zone, no
 * surrounding space, seconds present, a fraction with at least one digit if any.
 */
const PLAIN_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?$/;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;

/**
 * One cell as a COPY text field: `copyTextField(toPostgresText(encodeSqliteValue(value)))`,
 * computed directly (bytea as `\x` hex, booleans as `true`/`false`).
 *
 * @throws ReplicatorError `REPL_SQLITE_VALUE_INVALID` as `encodeSqliteValue` does.
 */
function copySqliteField(value: SqliteValue, column: SqliteColumn): string {
  const encoded = encodeSqliteValue(value, column);
  if (encoded === null) return '\\N';
  if (column.kind === 'bytea') return `\\\\x${bytesOf(value).toString('hex')}`;
  const text = typeof encoded === 'string' ? encoded : String(encoded);
  return NEEDS_ESCAPE.test(text)
    ? text.replace(/[\\\n\r\t]/g, (char) => COPY_ESCAPES[char] ?? char)
    : text;
}

/**
 * The encoder of `column`'s cells: a fast path for the storage class the column's kind usually
 * holds, {@link copySqliteField} for everything else (and for every error).
 */
export function copyFieldEncoder(column: SqliteColumn, table: string): CopyFieldEncoder {
  const fast = FAST_PATHS[column.kind];
  // NULL: `encodeSqliteValue` gives null (→ `\N`) except in a key column, where it throws.
  const nullField = column.key ? undefined : '\\N';
  return (value) => {
    if (value === null && nullField !== undefined) return nullField;
    const field = fast(value);
    if (field !== undefined) return field;
    if (!isSqliteValue(value))
      throw new TypeError(`a value read from "${table}" is not a SQLite value`);
    return copySqliteField(value, column);
  };
}

/** A kind's fast path: the field, or `undefined` to use the definition. */
type FastPath = (value: unknown) => string | undefined;

const FAST_PATHS: Readonly<Record<SqliteColumn['kind'], FastPath>> = Object.freeze({
  // Every bigint is in int64 range (SQLite integers are): the encoder gives its decimal text.
  bigint: (value) => (typeof value === 'bigint' ? value.toString() : undefined),
  // A finite number passes `encodeValue` as itself and becomes `String(number)` (which
  // `numberText` is): digits, `.`, `e`, signs, nothing to escape. A bigint becomes its decimal text.
  double: numberField,
  numeric: numberField,
  // 0/non-zero become the booleans, which PostgreSQL's text of them is `true`/`false`.
  boolean: (value) => {
    if (typeof value === 'bigint') return value !== 0n ? 'true' : 'false';
    return typeof value === 'number' ? (value !== 0 ? 'true' : 'false') : undefined;
  },
  // Matching text passes as is and holds only digits and `-`.
  date: (value) => (typeof value === 'string' && DATE_TEXT.test(value) ? value : undefined),
  // `timestampText` of such text: the date, `T`, the time as written, the UTC offset.
  timestamptz: (value) =>
    typeof value === 'string' && PLAIN_TIMESTAMP.test(value)
      ? `${value.slice(0, 10)}T${value.slice(11)}+00:00`
      : undefined,
  text: (value) => (typeof value === 'string' && !PLAIN_TEXT.test(value) ? value : undefined),
  bytea: (value) => (Buffer.isBuffer(value) ? `\\\\x${value.toString('hex')}` : undefined),
});

function numberField(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? numberText(value) : undefined;
  return typeof value === 'bigint' ? value.toString() : undefined;
}

/** The bytes `encodeSqliteValue` sends as base64 for a bytea cell (blob, or text as UTF-8). */
function bytesOf(value: SqliteValue): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
}
