/**
 * A MySQL value as one field of PostgreSQL COPY text: by definition what the loader writes for
 * the value's wire form (`copyTextField(toPostgresText(encodeMysqlValue(value), kind))`), so the
 * copy and JSON snapshot paths load identical rows. The common types of bulk data (integers,
 * exact numbers, doubles, text, binary, json) take a direct path that gives the same text without
 * the wire step: bytea skips a base64 round trip, json already in `JSON.stringify` form passes
 * unparsed and other json skips the per-number check when no number can be inexact, other
 * scalars skip the COPY escaping pass. A test compares both paths over every type.
 */
import { copyTextField, toPostgresText, type ColumnKind } from '@database-replicator/postgres';
import type { JsonValue } from '@database-replicator/core';
import { isCanonicalJson } from './canonical-json.js';
import { encodeMysqlValue, type MysqlWireColumn } from './mysql-wire-value.js';

/** Turns one driver value of a column into its COPY field (`\N` for NULL). */
export type MysqlCopyEncoder = (value: unknown) => string;

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const INTEGER_TEXT = /^-?\d+$/;
/**
 * A JSON text whose numbers a double might not hold exactly: 16 or more digits in a row (dots
 * between them allowed), or an exponent. Anything else has numbers of at most 15 significant
 * digits, which a double always holds exactly, so `parseExactJson`'s check would pass. Digits
 * inside strings may match too: those texts just take the checking wire path.
 */
const MAYBE_INEXACT_NUMBER = /\d[\d.]{15}|\d[eE]/;

/**
 * The COPY field encoder of `column`.
 *
 * @throws ReplicatorError (when called) as `encodeMysqlValue`.
 */
export function mysqlCopyEncoder(column: MysqlWireColumn): MysqlCopyEncoder {
  const viaWire = (value: unknown): string =>
    copyTextField(toPostgresText(encodeMysqlValue(value, column), columnKindOf(column)));
  switch (column.wire) {
    case 'integer':
    case 'double':
      return (value) =>
        typeof value === 'number' && Number.isFinite(value) && isExact(value, column)
          ? String(value)
          : viaWire(value);
    case 'bigint':
      return (value) =>
        typeof value === 'string' && INTEGER_TEXT.test(value) ? value : viaWire(value);
    case 'decimal':
    case 'text':
      return (value) => (typeof value === 'string' ? copyEscape(value) : viaWire(value));
    case 'json':
      return (value) => {
        if (typeof value !== 'string') return viaWire(value);
        // Compact canonical JSON has nothing COPY escapes (no backslash or control character).
        if (isCanonicalJson(value)) return value === 'null' ? '\\N' : value;
        // `parseExactJson` drops `__proto__` keys: such documents take its path.
        return MAYBE_INEXACT_NUMBER.test(value) || value.includes('__proto__')
          ? viaWire(value)
          : jsonField(value, viaWire);
      };
    case 'bytea':
      // `\x…` as bytea input, its backslash doubled by COPY escaping.
      return (value) => (Buffer.isBuffer(value) ? `\\\\x${value.toString('hex')}` : viaWire(value));
    case 'set':
      return viaWire;
    default:
      // Every other wire value is a scalar string, number or boolean: its text as is.
      return (value) => {
        const wire = encodeMysqlValue(value, column);
        if (wire === null) return '\\N';
        return typeof wire === 'string' ? copyEscape(wire) : plainText(wire, viaWire, value);
      };
  }
}

/** `String(wire)` for numbers and booleans (as `toPostgresText`); the wire path otherwise. */
function plainText(wire: JsonValue, viaWire: MysqlCopyEncoder, value: unknown): string {
  return typeof wire === 'number' || typeof wire === 'boolean' ? String(wire) : viaWire(value);
}

/** The loader's column kind (libs/postgres `TargetColumn.kind`) of `column`'s target type. */
export function columnKindOf(column: MysqlWireColumn): ColumnKind {
  switch (column.wire) {
    case 'bytea':
      return 'bytea';
    case 'json':
      return 'json';
    case 'set':
      return 'array';
    default:
      return 'scalar';
  }
}

/** Integer columns accept only safe integers; anything else takes the checking wire path. */
function isExact(value: number, column: MysqlWireColumn): boolean {
  return column.wire !== 'integer' || Number.isSafeInteger(value);
}

/**
 * `JSON.stringify(parseExactJson(text))` for a text whose numbers are exact: the same JSON value
 * re-serialised, without the per-token check. Invalid JSON takes the wire path for its error.
 */
function jsonField(text: string, viaWire: MysqlCopyEncoder): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return viaWire(text);
  }
  // A JSON null document is SQL NULL on the wire path (`encodeMysqlValue` gives null).
  return parsed === null ? '\\N' : copyEscape(JSON.stringify(parsed));
}

/** `copyTextField` of non-NULL text, without a replace pass when nothing needs escaping. */
function copyEscape(text: string): string {
  return NEEDS_ESCAPE.test(text) ? copyTextField(text) : text;
}
