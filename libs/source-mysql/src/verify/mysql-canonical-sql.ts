/**
 * The MySQL/MariaDB half of cross-engine verify: each replicated column rendered in SQL as the
 * canonical text the PostgreSQL side computes for the mapped target column (libs/postgres
 * canonical-sql.ts, docs/verify.md), following the type mapping (docs/type-mapping.md) and the
 * wire encoder: zero dates are NULL, tinyint(1) is `true`/`false`, timestamps are UTC with their
 * fraction's trailing zeros dropped, floats are compared by their shortest round-trip digits,
 * binary as lower-case hex, SET as its member list, geometry as `ST_AsText`. JSON is the one
 * type rendered in Node (jsonb-text.ts): MariaDB cannot order keys as jsonb does. Pure.
 */
import { quoteMysqlIdent } from '@database-replicator/core';
import type { MysqlWireColumn } from '../mysql-wire-value.js';
import type { MysqlWireType } from '../type-map.js';

/** How the target column is rendered (libs/postgres CanonicalKind). */
export type MysqlCanonicalKind = 'text' | 'json' | 'float' | 'bytea' | 'array';

/** The target-side rendering of a column of wire type `wire`. */
export function canonicalKindOf(wire: MysqlWireType): MysqlCanonicalKind {
  switch (wire) {
    case 'real':
    case 'double':
      return 'float';
    case 'bytea':
      return 'bytea';
    case 'set':
      return 'array';
    case 'json':
      return 'json';
    default:
      return 'text';
  }
}

/** `[-]digits e exponent` of a shortest-round-trip float text `t`, in MySQL functions. */
export function mysqlFloatCanonical(t: string): string {
  const abs = `TRIM(LEADING '-' FROM ${t})`;
  const sign = `IF(LEFT(${t}, 1) = '-', '-', '')`;
  const mantissa = `SUBSTRING_INDEX(${abs}, 'e', 1)`;
  const exponent = `IF(LOCATE('e', ${abs}) > 0, CAST(SUBSTRING_INDEX(${abs}, 'e', -1) AS SIGNED), 0)`;
  const integral = `SUBSTRING_INDEX(${mantissa}, '.', 1)`;
  const fraction = `IF(LOCATE('.', ${mantissa}) > 0, SUBSTRING_INDEX(${mantissa}, '.', -1), '')`;
  const digits = `CONCAT(${integral}, ${fraction})`;
  const leadingZeros = `(CHAR_LENGTH(${digits}) - CHAR_LENGTH(TRIM(LEADING '0' FROM ${digits})))`;
  const significant = `TRIM(TRAILING '0' FROM TRIM(LEADING '0' FROM ${digits}))`;
  return `IF(${significant} = '', '0', CONCAT(${sign}, ${significant}, 'e', CHAR_LENGTH(${integral}) - ${leadingZeros} + ${exponent}))`;
}

/** `.ffffff` without trailing zeros, or '' for a whole second. */
function fraction(name: string): string {
  return `IF(MICROSECOND(${name}) = 0, '', CONCAT('.', TRIM(TRAILING '0' FROM LPAD(MICROSECOND(${name}), 6, '0'))))`;
}

function zeroDate(name: string): string {
  return `(YEAR(${name}) = 0 OR MONTH(${name}) = 0 OR DAYOFMONTH(${name}) = 0)`;
}

/**
 * `YYYY-MM-DD hh:mm:ss[.f]` of a DATETIME/TIMESTAMP: its CAST text (the fraction has the column's
 * digits) cut to the second without microseconds, else with the fraction's trailing zeros
 * trimmed (they stop at its last non-zero digit). Cheaper than DATE_FORMAT and MICROSECOND
 * formatting, the costliest pieces of a row text.
 */
function dateTimeText(name: string): string {
  const text = `CAST(${name} AS CHAR)`;
  return `IF(MICROSECOND(${name}) = 0, LEFT(${text}, 19), TRIM(TRAILING '0' FROM ${text}))`;
}

function temporal(name: string, wire: MysqlWireType): string {
  switch (wire) {
    case 'date':
      return `IF(${zeroDate(name)}, NULL, DATE_FORMAT(${name}, '%Y-%m-%d'))`;
    case 'timestamp':
      return `IF(${zeroDate(name)}, NULL, ${dateTimeText(name)})`;
    case 'timestamptz':
      return `IF(${zeroDate(name)}, NULL, CONCAT(${dateTimeText(name)}, '+00'))`;
    default:
      return `CONCAT(TIME_FORMAT(${name}, '%H:%i:%s'), ${fraction(name)})`;
  }
}

/**
 * The canonical text of `column` as an SQL expression (NULL for SQL NULL and zero dates), or
 * null for a JSON column, which is rendered in Node from `CAST(col AS CHAR)` (mysql-row-text.ts).
 */
export function mysqlCanonicalText(column: MysqlWireColumn): string | null {
  const name = quoteMysqlIdent(column.name);
  switch (column.wire) {
    case 'json':
      return null;
    case 'boolean':
      // IF() takes a NULL condition for false: NULL is tested first.
      return `CASE WHEN ${name} IS NULL THEN NULL WHEN ${name} <> 0 THEN 'true' ELSE 'false' END`;
    case 'year':
      return `CAST(${name} + 0 AS CHAR)`;
    case 'real':
      return mysqlFloatCanonical(`CAST(${name} + 0e0 AS CHAR)`);
    case 'double':
      return mysqlFloatCanonical(`CAST(${name} AS CHAR)`);
    case 'bytea':
      return `LOWER(HEX(${name}))`;
    case 'bit':
      return `LPAD(BIN(${name} + 0), ${column.bits}, '0')`;
    case 'geometry':
      return `ST_AsText(${name})`;
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'interval':
      return temporal(name, column.wire);
    default:
      return `CAST(${name} AS CHAR)`;
  }
}

// Wire types whose canonical text of a non-NULL value is never NULL (zero dates are; ST_AsText
// of a broken geometry may be).
const NEVER_NULL_TEXT: ReadonlySet<MysqlWireType> = new Set([
  'boolean',
  'integer',
  'bigint',
  'decimal',
  'real',
  'double',
  'text',
  'bytea',
  'year',
  'bit',
]);

// Wire types CONCAT prints as CAST(… AS CHAR) does: the CAST is a function call per cell saved.
const PLAIN_NUMBER: ReadonlySet<MysqlWireType> = new Set(['integer', 'bigint', 'decimal']);

/**
 * One column's part of the row text as an SQL expression (never NULL): `IFNULL(CONCAT('v', text),
 * 'N')`, or `CONCAT('v', text)` for a NOT NULL column whose text cannot be NULL (an IFNULL per
 * cell saved), or null for a JSON column. `notNull`: the column is declared NOT NULL.
 */
export function mysqlCanonicalPiece(column: MysqlWireColumn, notNull: boolean): string | null {
  const text = PLAIN_NUMBER.has(column.wire)
    ? quoteMysqlIdent(column.name)
    : mysqlCanonicalText(column);
  if (text === null) return null;
  if (notNull && NEVER_NULL_TEXT.has(column.wire)) return `CONCAT('v', ${text})`;
  return `IFNULL(CONCAT('v', ${text}), 'N')`;
}

/**
 * A key column as the text PostgreSQL's `::text` prints for the target column, so that keys
 * compare equal across the sides (and the target can cast them back).
 */
export function mysqlKeyText(column: MysqlWireColumn): string {
  const name = quoteMysqlIdent(column.name);
  if (column.wire === 'bytea') return `CONCAT('\\\\x', LOWER(HEX(${name})))`;
  return mysqlCanonicalText(column) ?? `CAST(${name} AS CHAR)`;
}

/** Whether a key column orders as text: both sides then compare it bytewise. */
export function isTextKey(column: MysqlWireColumn): boolean {
  return column.wire === 'text';
}

/** A key value in PostgreSQL text form as a MySQL parameter. */
export function mysqlKeyValue(text: string, column: MysqlWireColumn): unknown {
  switch (column.wire) {
    case 'bytea':
      return Buffer.from(text.replace(/^\\x/, ''), 'hex');
    case 'boolean':
      return text === 'true' ? 1 : 0;
    case 'timestamptz':
      return text.replace(/\+00$/, '');
    default:
      return text;
  }
}
