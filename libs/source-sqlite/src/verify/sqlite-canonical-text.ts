/**
 * The SQLite half of cross-engine verify: each cell rendered as the canonical text the
 * PostgreSQL side computes from the stored target value (libs/postgres canonical-sql.ts,
 * docs/verify.md). A cell first goes through the replication's own encoder
 * (`encodeSqliteValue`), then its wire value is turned into what PostgreSQL prints for the
 * mapped type after parsing that text (docs/type-mapping.md, "SQLite"): integers and text as
 * they are, booleans `true`/`false`, timestamps in UTC with trailing fraction zeros dropped and
 * `+00`, numeric with PostgreSQL's scale rules, floats by their shortest round-trip digits, blobs
 * as lower-case hex. Pure.
 */
import type { JsonValue } from '@database-replicator/core';
import type { SqliteColumn } from '../introspect.js';
import { encodeSqliteValue, type SqliteValue } from '../sqlite-wire-value.js';
import type { SqliteValueKind } from '../type-map.js';

/** How the target column is rendered (libs/postgres CanonicalKind). */
export type SqliteCanonicalKind = 'text' | 'float' | 'bytea';

/** The target-side rendering of a column of `kind`. */
export function canonicalKindOf(kind: SqliteValueKind): SqliteCanonicalKind {
  if (kind === 'double') return 'float';
  return kind === 'bytea' ? 'bytea' : 'text';
}

/**
 * The canonical text of one stored value of `column`, or null for SQL NULL.
 *
 * @throws ReplicatorError `REPL_SQLITE_VALUE_INVALID` as `encodeSqliteValue` does: a value the
 *   replication refuses cannot be compared either.
 */
export function canonicalCell(value: SqliteValue, column: SqliteColumn): string | null {
  const wire = encodeSqliteValue(value, column);
  if (wire === null) return null;
  switch (column.kind) {
    case 'boolean':
      return wire === true ? 'true' : 'false';
    case 'bytea':
      return (Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8')).toString('hex');
    case 'double':
      return floatCanonical(doubleOf(wire));
    case 'numeric':
      return numericText(wireText(wire), scaleOf(column.type));
    case 'timestamptz':
      return timestamptzText(wireText(wire));
    default:
      return wireText(wire);
  }
}

/** The text PostgreSQL receives for a wire value (libs/postgres pg-text.ts, `scalarText`). */
function wireText(wire: JsonValue): string {
  return typeof wire === 'string' ? wire : String(wire);
}

/** The double PostgreSQL's float8 input makes of a wire value. */
function doubleOf(wire: JsonValue): number {
  if (typeof wire === 'number') return wire;
  const text = wireText(wire).trim();
  if (/^[+-]?inf(?:inity)?$/i.test(text)) {
    return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return /^[+-]?nan$/i.test(text) ? Number.NaN : Number(text);
}

/**
 * `[-]digits e exponent` (value = 0.digits × 10^exponent) of a double's shortest round-trip
 * digits, as libs/postgres `postgresFloatCanonical` makes of PostgreSQL's text of the same
 * double; `0` for zeros; `Infinity` → `Infinitye8`, `-Infinity` → `-Infinitye8`, `NaN` →
 * `NaNe3`, as that SQL treats those words.
 */
export function floatCanonical(value: number): string {
  if (value === 0) return '0';
  if (Number.isNaN(value)) return 'NaNe3';
  if (!Number.isFinite(value)) return value < 0 ? '-Infinitye8' : 'Infinitye8';
  // toExponential() without digits gives the shortest round-trip digits: d.ddd e±x.
  const text = value.toExponential();
  const mark = text.indexOf('e');
  const digits = text.slice(value < 0 ? 1 : 0, mark).replace('.', '');
  return `${value < 0 ? '-' : ''}${digits}e${Number(text.slice(mark + 1)) + 1}`;
}

/** The scale of `numeric(p,s)` (0 for `numeric(p)`), or undefined for unconstrained `numeric`. */
function scaleOf(type: string): number | undefined {
  const match = /^numeric\((\d+)(?:,(\d+))?\)$/.exec(type);
  if (match === null) return undefined;
  return match[2] === undefined ? 0 : Number(match[2]);
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * What PostgreSQL's `numeric` prints for input `text`: the digits with `max(0, fraction digits −
 * exponent)` decimals when unconstrained, rounded half away from zero to `scale` decimals
 * otherwise; no sign on zero; `NaN`, `Infinity`, `-Infinity` as such.
 */
export function numericText(text: string, scale: number | undefined): string {
  const trimmed = text.trim();
  if (/^[+-]?nan$/i.test(trimmed)) return 'NaN';
  if (/^[+-]?inf(?:inity)?$/i.test(trimmed)) {
    return trimmed.startsWith('-') ? '-Infinity' : 'Infinity';
  }
  const match = DECIMAL.exec(trimmed);
  if (match === null) return trimmed;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  const exponent = Number.parseInt(exponentText, 10);
  // value = unscaled × 10^-valueScale
  const unscaled = BigInt(`${whole}${fraction}` === '' ? '0' : `${whole}${fraction}`);
  const valueScale = fraction.length - exponent;
  const outScale = scale ?? Math.max(0, valueScale);
  const scaled = rescale(unscaled, valueScale, outScale);
  const digits = scaled.toString().padStart(outScale + 1, '0');
  const point = digits.length - outScale;
  const body = outScale === 0 ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign === '-' && scaled !== 0n ? `-${body}` : body;
}

/** `unscaled × 10^-from` expressed with `to` decimals, rounding half away from zero. */
function rescale(unscaled: bigint, from: number, to: number): bigint {
  if (to >= from) return unscaled * 10n ** BigInt(to - from);
  const divisor = 10n ** BigInt(from - to);
  const quotient = unscaled / divisor;
  return (unscaled % divisor) * 2n >= divisor ? quotient + 1n : quotient;
}

const WIRE_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2})(?::?(\d{2}))?)$/;
const MICROS_PER_SECOND = 1_000_000n;

/**
 * What a `timestamptz` prints in a UTC session for a wire timestamp (ISO-8601 with `Z` or an
 * offset): `YYYY-MM-DD HH:MM:SS[.ffffff]+00`, the fraction rounded to microseconds as
 * PostgreSQL rounds it (`rint` of the fraction as a double × 10^6) and its trailing zeros dropped.
 */
export function timestamptzText(wire: string): string {
  const match = WIRE_TIMESTAMP.exec(wire);
  if (match === null) return wire;
  const [, year, month, day, hour, minute, second, fraction, zone, sign, zoneHours, zoneMinutes] =
    match;
  const utc = zone === 'Z' || (Number(zoneHours) === 0 && Number(zoneMinutes ?? 0) === 0);
  if (utc && (fraction?.length ?? 0) <= 7 && Number(hour) < 24 && Number(second) < 60) {
    // Already UTC, whole microseconds (rint is exact there): only the notation changes.
    const decimals = fraction?.replace(/\.?0+$/, '') ?? '';
    return `${year ?? ''}-${month ?? ''}-${day ?? ''} ${hour ?? ''}:${minute ?? ''}:${second ?? ''}${decimals}+00`;
  }
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  const seconds =
    BigInt(date.getTime() / 1000) +
    BigInt(Number(hour) * 3600 + Number(minute) * 60 + Number(second));
  const offsetSeconds =
    zone === 'Z'
      ? 0
      : (sign === '-' ? -1 : 1) * (Number(zoneHours) * 3600 + Number(zoneMinutes ?? 0) * 60);
  const fractionMicros = fraction === undefined ? 0 : roundHalfEven(Number(fraction) * 1e6);
  const micros = (seconds - BigInt(offsetSeconds)) * MICROS_PER_SECOND + BigInt(fractionMicros);
  return formatUtc(micros);
}

/** C's `rint` in the default rounding mode. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const rest = value - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function formatUtc(micros: bigint): string {
  let wholeSeconds = micros / MICROS_PER_SECOND;
  let fraction = micros % MICROS_PER_SECOND;
  if (fraction < 0n) {
    fraction += MICROS_PER_SECOND;
    wholeSeconds -= 1n;
  }
  const date = new Date(Number(wholeSeconds) * 1000);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const year = date.getUTCFullYear();
  const era = year <= 0 ? ' BC' : '';
  const day = `${pad(year <= 0 ? 1 - year : year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const decimals =
    fraction === 0n ? '' : `.${fraction.toString().padStart(6, '0').replace(/0+$/, '')}`;
  return `${day} ${time}${decimals}+00${era}`;
}
