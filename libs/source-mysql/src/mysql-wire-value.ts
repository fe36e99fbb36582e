/**
 * MySQL values, as mysql2 returns them for the snapshot and zongji decodes them from the binlog,
 * turned into lossless JSON values the target writer accepts (ARCHITECTURE §3, libs/postgres
 * `toPostgresText`): strings pass through as PostgreSQL text input, bytea as base64, json as the
 * JSON value, text[] as a JSON array. Both drivers are configured alike (`mysqlConnectionConfig`)
 * and their few remaining differences are absorbed here, so one value always encodes the same
 * way whichever path read it; a test compares the two for every type.
 */
import {
  isReplicatorError,
  parseExactJson,
  replicatorError,
  type ChangeRow,
  type JsonValue,
} from '@database-replicator/core';
import { geometryToWkt } from './geometry-wkt.js';
import type { GeometryKind, MysqlWireType } from './type-map.js';

/** A column of a row being encoded. */
export type MysqlWireColumn = Readonly<{
  name: string;
  wire: MysqlWireType;
  /** Width of a `bit(n)` column; 0 otherwise. */
  bits: number;
  /** Kind of a geometry column; `undefined` otherwise. */
  geometry: GeometryKind | undefined;
}>;

/** 24:00:00 in microseconds: the largest PostgreSQL `time`. */
const TIME_MAX_MICROS = 24n * 3600n * 1_000_000n;
const TEMPORAL = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?))?$/;
const TIME = /^(-?)(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/**
 * Encodes one value of `column` (`null`/`undefined` for SQL NULL, except in enum columns: zongji
 * decodes MySQL's invalid-enum value `''` as `undefined`).
 *
 * @throws ReplicatorError `REPL_VALUE_INVALID` for a value the drivers never produce for the type,
 *   `REPL_VALUE_UNSUPPORTED` for a JSON number that would be rounded,
 *   `REPL_MYSQL_VALUE_OUT_OF_RANGE` for a TIME outside 00:00:00–24:00:00 in a `time` column.
 */
export function encodeMysqlValue(value: unknown, column: MysqlWireColumn): JsonValue {
  if (value === undefined && column.wire === 'text') return '';
  if (value === null || value === undefined) return null;
  switch (column.wire) {
    case 'boolean':
      return toNumber(value) !== 0;
    case 'integer':
      return toSafeInteger(value);
    case 'bigint':
      return toIntegerText(value);
    case 'decimal':
      return toText(value);
    case 'real':
      return shortestFloat32(toNumber(value));
    case 'double':
      return toNumber(value);
    case 'year':
      return yearOf(toSafeInteger(value));
    default:
      return encodeComposite(value, column);
  }
}

function encodeComposite(value: unknown, column: MysqlWireColumn): JsonValue {
  switch (column.wire) {
    case 'text':
    case 'interval':
      return toText(value);
    case 'bytea':
      return toBuffer(value).toString('base64');
    case 'date':
    case 'timestamp':
      return temporalOf(toText(value));
    case 'timestamptz': {
      const text = temporalOf(toText(value));
      return text === null ? null : `${text}+00`;
    }
    case 'time':
      return timeOfDay(toText(value));
    case 'bit':
      return bitsOf(toBuffer(value), column.bits);
    case 'set': {
      const text = toText(value);
      return text === '' ? [] : text.split(',');
    }
    case 'json':
      return parseExactJson(toText(value));
    case 'geometry':
      return geometryToWkt(value, column.geometry ?? 'geometry');
    default:
      throw invalid(`a ${typeof value} value`, column.wire);
  }
}

/**
 * Encodes the columns of `row` listed in `columns` (generated and unknown columns are left out;
 * a column absent from `row` is left out too).
 *
 * @param where - `db.table`, named in errors.
 * @throws ReplicatorError as {@link encodeMysqlValue}, naming the table and column.
 */
export function encodeMysqlRow(
  row: Readonly<Record<string, unknown>>,
  columns: readonly MysqlWireColumn[],
  where: string,
): ChangeRow {
  const encoded: Record<string, JsonValue> = {};
  for (const column of columns) {
    if (!Object.hasOwn(row, column.name)) continue;
    try {
      encoded[column.name] = encodeMysqlValue(row[column.name], column);
    } catch (error) {
      throw wrapColumnError(error, column.name, where);
    }
  }
  return Object.freeze(encoded);
}

/** A value error of {@link encodeMysqlValue} restated with its table and column. */
export function wrapColumnError(error: unknown, column: string, where: string): Error {
  const reason = error instanceof Error ? error.message : String(error);
  const code = isReplicatorError(error) ? error.code : 'REPL_VALUE_INVALID';
  return replicatorError(code, `Column ${column} of ${where}: ${reason}`, {
    ...(isReplicatorError(error) ? { fix: error.fix } : {}),
    details: { table: where, column },
    cause: error,
  });
}

/**
 * The value of `column` as a MySQL query parameter, from its wire form (a snapshot resumes after
 * a key read back from the job store).
 */
export function mysqlKeyParameter(value: JsonValue, column: MysqlWireColumn): unknown {
  switch (column.wire) {
    case 'bytea':
      return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    case 'timestamptz':
      return typeof value === 'string' ? value.replace(/\+00$/, '') : value;
    case 'boolean':
      return value === true ? 1 : value === false ? 0 : value;
    case 'bit':
      return typeof value === 'string' && value !== '' ? BigInt(`0b${value}`).toString() : value;
    case 'set':
      return Array.isArray(value) ? value.join(',') : value;
    default:
      return value;
  }
}

/** Dates and datetimes with a zero part (`0000-00-00`, `2024-00-10`) have no PostgreSQL value. */
function temporalOf(text: string): string | null {
  const match = TEMPORAL.exec(text);
  if (match === null) throw invalid(`"${text}"`, 'date or datetime');
  const [, year, month, day] = match;
  if (year === '0000' || month === '00' || day === '00') return null;
  return text;
}

function timeOfDay(text: string): string {
  const match = TIME.exec(text);
  if (match === null) throw invalid(`"${text}"`, 'time');
  const [, sign, hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
  const micros =
    ((BigInt(hours) * 60n + BigInt(minutes)) * 60n + BigInt(seconds)) * 1_000_000n +
    BigInt(fraction.padEnd(6, '0') || '0');
  if ((sign === '-' && micros !== 0n) || micros > TIME_MAX_MICROS) {
    throw replicatorError(
      'REPL_MYSQL_VALUE_OUT_OF_RANGE',
      `the TIME value ${text} is outside a PostgreSQL time (00:00:00 to 24:00:00)`,
    );
  }
  return sign === '-' ? text.slice(1) : text;
}

/** zongji adds 1900 to the stored YEAR byte, so the zero year (byte 0) arrives as 1900. */
function yearOf(year: number): number {
  return year === 1900 ? 0 : year;
}

/** The low `bits` bits of a big-endian BIT value, most significant first. */
function bitsOf(bytes: Buffer, bits: number): string {
  const value = bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
  return value.toString(2).padStart(bits, '0').slice(-bits);
}

/**
 * The shortest decimal that reads back as the same 32-bit float: MySQL prints FLOAT with six
 * digits (lossy), the snapshot therefore reads it widened to DOUBLE, and zongji decodes the exact
 * float; both become the same short number here, which PostgreSQL's `real` reads back exactly.
 */
function shortestFloat32(value: number): number {
  const single = Math.fround(value);
  if (!Number.isFinite(single)) return single;
  for (let digits = 1; digits < 9; digits += 1) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return Number(single.toPrecision(9));
}

function toNumber(value: unknown): number {
  const number = typeof value === 'number' ? value : Number(toText(value));
  if (Number.isNaN(number)) throw invalid(JSON.stringify(value), 'number');
  return number;
}

function toSafeInteger(value: unknown): number {
  const number = toNumber(value);
  if (!Number.isSafeInteger(number)) throw invalid(String(value), 'integer');
  return number;
}

function toIntegerText(value: unknown): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw invalid(String(value), 'exact 64-bit integer');
  }
  const text = toText(value);
  if (!/^-?\d+$/.test(text)) throw invalid(`"${text}"`, '64-bit integer');
  return text;
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw invalid(`a ${typeof value}`, 'text');
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw invalid(`a ${typeof value}`, 'binary');
}

function invalid(what: string, expected: string): Error {
  return replicatorError('REPL_VALUE_INVALID', `${what} is not a valid ${expected} value`);
}
