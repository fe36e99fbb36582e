/**
 * PostgreSQL text output → lossless JSON value (ARCHITECTURE §3), shared by the snapshot and the
 * stream: both read every value as the server's text (never through a driver's type parser), so
 * the same value gives the same JSON either way. The target writer (`toPostgresText`) turns the
 * JSON back into PostgreSQL text input by the target column's type.
 */
import {
  isReplicatorError,
  parseExactJson,
  replicatorError,
  type ChangeRow,
  type JsonValue,
} from '@database-replicator/core';
import type { WireType } from './type-map.js';

/** A column of a row being encoded. */
export type WireColumn = Readonly<{ name: string; wire: WireType }>;

/** A row encoded for an event. */
export type EncodedTuple = Readonly<{
  row: ChangeRow;
  /** Columns whose value the source did not send (pgoutput's unchanged TOAST), left out of `row`. */
  unchanged: readonly string[];
}>;

/**
 * Encodes one value given as PostgreSQL text output (`null` for SQL NULL).
 *
 * @throws ReplicatorError `REPL_VALUE_INVALID` for text that is not the type's output form
 *   (a bool other than t/f, bytea not in hex); `REPL_VALUE_UNSUPPORTED` for a json value with a
 *   number that a JSON number cannot hold exactly (more than 17 significant digits or out of the
 *   double range).
 */
export function encodePgWireValue(text: string | null, wire: WireType): JsonValue {
  if (text === null) return null;
  switch (wire) {
    case 'boolean':
      return booleanOf(text);
    case 'integer':
      return Number(text);
    case 'float':
      return floatOf(text);
    case 'json':
      return parseExactJson(text);
    case 'bytea':
      return byteaOf(text);
    case 'text':
      return text;
  }
}

/**
 * Encodes a tuple whose values are PostgreSQL text, `null`, or `undefined` for a value the source
 * did not send. Columns absent from `values` are left out of the row (a key-only tuple).
 *
 * @param where - `schema.table`, named in errors.
 * @throws ReplicatorError as {@link encodePgWireValue}, naming the table and column, or
 *   `REPL_VALUE_INVALID` for a value that is not text (binary tuple data).
 */
export function encodeTuple(
  values: Readonly<Record<string, unknown>>,
  columns: readonly WireColumn[],
  where: string,
): EncodedTuple {
  const row: Record<string, JsonValue> = {};
  const unchanged: string[] = [];
  for (const column of columns) {
    if (!Object.hasOwn(values, column.name)) continue;
    const value = values[column.name];
    if (value === undefined) {
      unchanged.push(column.name);
      continue;
    }
    if (value !== null && typeof value !== 'string') {
      throw replicatorError(
        'REPL_VALUE_INVALID',
        `Column ${column.name} of ${where} arrived as ${typeof value}, not as PostgreSQL text`,
        { details: { table: where, column: column.name } },
      );
    }
    row[column.name] = encodeInColumn(value, column, where);
  }
  return Object.freeze({ row: Object.freeze(row), unchanged: Object.freeze(unchanged) });
}

function encodeInColumn(text: string | null, column: WireColumn, where: string): JsonValue {
  try {
    return encodePgWireValue(text, column.wire);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = isReplicatorError(error, 'REPL_VALUE_UNSUPPORTED')
      ? 'REPL_VALUE_UNSUPPORTED'
      : 'REPL_VALUE_INVALID';
    throw replicatorError(code, `Column ${column.name} of ${where}: ${reason}`, {
      details: { table: where, column: column.name },
      cause: error,
    });
  }
}

function booleanOf(text: string): boolean {
  if (text === 't') return true;
  if (text === 'f') return false;
  throw replicatorError('REPL_VALUE_INVALID', `"${text}" is not a PostgreSQL boolean output`);
}

// Finite floats travel as numbers: PostgreSQL (12+) prints the shortest text that reads back to
// the same value, and so does JavaScript. -0 would print as 0, so it stays text like NaN.
function floatOf(text: string): number | string {
  const value = Number(text);
  return Number.isFinite(value) && !Object.is(value, -0) ? value : text;
}

function byteaOf(text: string): string {
  if (!/^\\x(?:[0-9a-fA-F]{2})*$/.test(text)) {
    throw replicatorError(
      'REPL_VALUE_INVALID',
      `a bytea value of ${text.length} characters is not in hex output form (bytea_output = hex)`,
    );
  }
  return Buffer.from(text.slice(2), 'hex').toString('base64');
}
