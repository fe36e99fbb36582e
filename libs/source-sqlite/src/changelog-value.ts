/**
 * How a capture trigger writes a row into the changelog, and how the stream reads it back into
 * the same values the snapshot reads (then both go through `encodeSqliteValue`). The row is a JSON
 * object, column → value, where every value keeps its exact storage class:
 *
 * | stored | in the changelog |
 * |---|---|
 * | NULL | `null` |
 * | TEXT | the JSON string |
 * | INTEGER | `{"i": "<decimal>"}` (JSON numbers lose 64-bit precision in JavaScript) |
 * | REAL | `{"r": "<m>p<e>"}`: the exact value m × 2^e (m an integer below 2^53), or `Inf`, `-Inf` |
 * | BLOB | `{"b": "<hex>"}` (JSON cannot hold blobs) |
 *
 * REALs cannot go through decimal text: SQLite's float-to-text conversions (`json_object`,
 * `printf('%.17g')`, `quote`) are not correctly rounded, and about one REAL in six across the
 * whole double range comes back different. Scaling by powers of two and casting to INTEGER is
 * exact, so the trigger normalises the value to m × 2^e with |m| in [2^52, 2^53) in 21 binary
 * steps (each a subquery; `LIMIT 1 OFFSET 0` keeps SQLite from flattening them, which would
 * multiply the expression) and writes m and e as decimal integers.
 *
 * The triggers run inside the writing process's SQLite, so the SQL uses only long-standing
 * functions (`typeof`, `abs`, `hex`, `json_object`) and at most 100 function arguments.
 */
import { replicatorError } from '@database-replicator/core';
import type { SqliteValue } from './sqlite-wire-value.js';

/** Column pairs per `json_object` call: SQLite before 3.48 allows 127 arguments per function. */
const PAIRS_PER_CALL = 50;
const INTEGER_TEXT = /^-?\d+$/;
const EXACT_REAL_TEXT = /^(-?\d+)p(-?\d+)$/;
/** Scale steps (powers of two) bringing |v| below 2^53, then up to at least 2^52. */
const SCALE_DOWN = [512, 256, 128, 64, 32, 16, 8, 4, 2, 1];
// 2^-1074 needs 2^1126: two 512 steps stand for the 1024 step, whose 2^1024 is not a double.
const SCALE_UP = [512, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1];
const LARGEST_INT_POWER = 62;
/** Beyond every exponent the triggers write (|e| ≤ 1587), so bad input cannot loop long. */
const MAX_EXPONENT_STEPS = 2200;
const HEX_TEXT = /^(?:[0-9A-Fa-f]{2})*$/;

/** A column of a changelog row: its name and the SQL that reads it (`NEW."col"`). */
export type ChangelogColumn = Readonly<{ name: string; ref: string }>;

/** An SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The changelog form of one value, as an SQL expression over `ref`. */
export function changelogValueSql(ref: string): string {
  return (
    `CASE typeof(${ref}) WHEN 'integer' THEN json_object('i', CAST(${ref} AS TEXT)) ` +
    `WHEN 'real' THEN json_object('r', ${exactRealSql(ref)}) ` +
    `WHEN 'blob' THEN json_object('b', hex(${ref})) ELSE ${ref} END`
  );
}

/** `Inf`, `-Inf`, or `<m>p<e>` with value m × 2^e exactly, for a REAL `ref`. */
function exactRealSql(ref: string): string {
  let steps = `SELECT ${ref} AS v, 0 AS e`;
  for (const s of SCALE_DOWN) {
    const big = `abs(v) >= ${pow2Sql(52 + s)}`;
    steps = `SELECT CASE WHEN ${big} THEN v / ${pow2Sql(s)} ELSE v END AS v, CASE WHEN ${big} THEN e + ${s} ELSE e END AS e FROM (${steps} LIMIT 1 OFFSET 0)`;
  }
  for (const s of SCALE_UP) {
    const small = `abs(v) < ${pow2Sql(53 - s)}`;
    steps = `SELECT CASE WHEN ${small} THEN v * ${pow2Sql(s)} ELSE v END AS v, CASE WHEN ${small} THEN e - ${s} ELSE e END AS e FROM (${steps} LIMIT 1 OFFSET 0)`;
  }
  const finite = `(SELECT CAST(CAST(v AS INTEGER) AS TEXT) || 'p' || e FROM (${steps} LIMIT 1 OFFSET 0))`;
  return `CASE WHEN ${ref} = 9e999 THEN 'Inf' WHEN ${ref} = -9e999 THEN '-Inf' ELSE ${finite} END`;
}

/** 2^k as an exact REAL: integer powers up to 2^62 multiplied (exact), reciprocals for k < 0. */
function pow2Sql(k: number): string {
  if (k < 0) return `(1.0 / ${pow2Sql(-k)})`;
  const factors: bigint[] = [];
  let rest = k;
  while (rest > LARGEST_INT_POWER) {
    factors.push(2n ** BigInt(LARGEST_INT_POWER));
    rest -= LARGEST_INT_POWER;
  }
  factors.push(2n ** BigInt(rest));
  const [first, ...others] = factors;
  return `(CAST(${String(first)} AS REAL)${others.map((factor) => ` * ${factor}`).join('')})`;
}

/**
 * An SQL expression producing the changelog JSON text of `columns`. Wide tables are built from
 * several `json_object` calls whose bodies are joined, which keeps every call under the argument
 * limit of older SQLite versions.
 */
export function changelogObjectSql(columns: readonly ChangelogColumn[]): string {
  const calls: string[] = [];
  for (let start = 0; start < columns.length; start += PAIRS_PER_CALL) {
    const pairs = columns
      .slice(start, start + PAIRS_PER_CALL)
      .map((column) => `${sqlString(column.name)}, ${changelogValueSql(column.ref)}`);
    calls.push(`json_object(${pairs.join(', ')})`);
  }
  if (calls.length <= 1) return calls[0] ?? 'json_object()';
  const bodies = calls.map((call) => `substr(${call}, 2, length(${call}) - 2)`);
  return `'{' || ${bodies.join(` || ',' || `)} || '}'`;
}

/**
 * Reads a changelog row image back into stored values, by column name.
 *
 * @throws ReplicatorError `REPL_SQLITE_CHANGELOG_INVALID` when the text is not a changelog row
 *   (written by something other than the capture triggers).
 */
export function parseChangelogRow(text: string, where: string): ReadonlyMap<string, SqliteValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(where, 'it is not JSON', error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw corrupt(where, 'it is not a JSON object');
  }
  const values = new Map<string, SqliteValue>();
  for (const [name, item] of Object.entries(parsed)) {
    const value = changelogValue(item);
    if (value === undefined) throw corrupt(where, `column "${name}" has an unknown value form`);
    values.set(name, value);
  }
  return values;
}

function changelogValue(item: unknown): SqliteValue | undefined {
  if (item === null || typeof item === 'string') return item;
  if (typeof item !== 'object' || Array.isArray(item)) return undefined;
  const entries = Object.entries(item);
  const [tag, text] = entries[0] ?? [];
  if (entries.length !== 1 || typeof text !== 'string') return undefined;
  switch (tag) {
    case 'i':
      return INTEGER_TEXT.test(text) ? BigInt(text) : undefined;
    case 'r':
      return realValue(text);
    case 'b':
      return HEX_TEXT.test(text) ? Buffer.from(text, 'hex') : undefined;
    default:
      return undefined;
  }
}

/** m × 2^e from `<m>p<e>`; SQLite never stores NaN (it becomes NULL). */
function realValue(text: string): number | undefined {
  if (text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const match = EXACT_REAL_TEXT.exec(text);
  if (match === null) return undefined;
  let value = Number(BigInt(match[1] ?? ''));
  let exponent = Number(match[2]);
  if (Math.abs(exponent) > MAX_EXPONENT_STEPS) return undefined;
  // Steps of at most 2^1000 keep every factor a double; only the last step can round, and the
  // true result is a double, so it is exact.
  while (exponent > 0) {
    const step = Math.min(exponent, 1000);
    value *= 2 ** step;
    exponent -= step;
  }
  while (exponent < 0) {
    const step = Math.min(-exponent, 1000);
    value /= 2 ** step;
    exponent += step;
  }
  return value;
}

function corrupt(where: string, reason: string, cause?: unknown): Error {
  return replicatorError(
    'REPL_SQLITE_CHANGELOG_INVALID',
    `Changelog row ${where} cannot be read: ${reason}`,
    { details: { changelogRow: where }, ...(cause === undefined ? {} : { cause }) },
  );
}
