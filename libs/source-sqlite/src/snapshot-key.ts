/**
 * Turning a stored snapshot key (wire values) back into SQLite values to resume a keyset scan
 * after. SQLite orders storage classes NULL < numbers < TEXT < BLOB, and one wire value can stand
 * for several stored values (`"5"` for the INTEGER 5 or the TEXT '5' in a column without
 * affinity). Where it is ambiguous, the LOWEST candidate is bound: the scan then re-reads a few
 * rows (harmless, the loader upserts) but never skips one. Kinds whose wire form does not say
 * where the row sorts (boolean, timestamp) cannot resume: the table is read again from the start.
 */
import type { ChangeKey, JsonValue } from '@database-replicator/core';
import type { SqliteColumn } from './introspect.js';
import type { SqliteValue } from './sqlite-wire-value.js';

const INTEGER_TEXT = /^-?(?:0|[1-9]\d*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The bind values of `key` for `columns` (the table's key columns, in order); `undefined` when
 * the scan cannot be positioned and must start over.
 */
export function keyBindValues(
  key: ChangeKey,
  columns: readonly SqliteColumn[],
): SqliteValue[] | undefined {
  const values: SqliteValue[] = [];
  for (const column of columns) {
    const wire = key[column.name];
    const value = wire === undefined || wire === null ? undefined : keyBindValue(wire, column);
    if (value === undefined) return undefined;
    values.push(value);
  }
  return values;
}

function keyBindValue(wire: JsonValue, column: SqliteColumn): SqliteValue | undefined {
  switch (column.kind) {
    case 'bigint':
      return typeof wire === 'string' ? int64(wire) : undefined;
    case 'double':
      return typeof wire === 'number' ? wire : typeof wire === 'string' ? float(wire) : undefined;
    case 'numeric':
      return typeof wire === 'string' ? (int64(wire) ?? float(wire)) : undefined;
    case 'date':
      return typeof wire === 'string' ? wire : undefined;
    case 'text':
      if (typeof wire !== 'string') return undefined;
      // TEXT affinity stores numbers as text, so the text is exact; other affinities may not.
      return column.affinity === 'TEXT' ? wire : lowestForText(wire);
    case 'bytea':
      return typeof wire === 'string' ? lowestForBytes(Buffer.from(wire, 'base64')) : undefined;
    case 'boolean':
    case 'timestamptz':
      return undefined;
  }
}

function int64(text: string): bigint | undefined {
  if (!INTEGER_TEXT.test(text)) return undefined;
  const value = BigInt(text);
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}

function float(text: string): number | undefined {
  if (text === 'Infinity') return Number.POSITIVE_INFINITY;
  if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}

/** A number when the text is exactly how the encoder writes one, else the text itself. */
function lowestForText(text: string): SqliteValue {
  const integer = int64(text);
  if (integer !== undefined) return integer;
  const number = Number(text);
  return Number.isFinite(number) && String(number) === text ? number : text;
}

/** Text (sorts below every blob) when the bytes are UTF-8 text, else the blob. */
function lowestForBytes(bytes: Buffer): SqliteValue {
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : bytes;
}
