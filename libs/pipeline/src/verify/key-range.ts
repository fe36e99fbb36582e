/**
 * Key ranges over a table's primary key. A key travels as the text forms of its columns in key
 * order, so every engine can hand it back to its own SQL (cast from text) and keys compare for
 * equality across sides without knowing their types.
 */

/** A primary-key value: the text form of each key column, in key order. */
export type RowKey = readonly string[];

/**
 * The rows whose key is greater than `after` and at most `upTo` in the source's key order.
 * `after: null` is open at the bottom, `upTo: null` open at the top, so the first and last
 * ranges of a table also catch rows the target has beyond the source's smallest or largest key.
 */
export type KeyRange = Readonly<{ after: RowKey | null; upTo: RowKey | null }>;

/** The whole table. */
export const FULL_RANGE: KeyRange = Object.freeze({ after: null, upTo: null });

/** Splits `range` at `key` (which lies inside it): `(after, key]` and `(key, upTo]`. */
export function splitRange(range: KeyRange, key: RowKey): readonly [KeyRange, KeyRange] {
  return [
    Object.freeze({ after: range.after, upTo: key }),
    Object.freeze({ after: key, upTo: range.upTo }),
  ];
}

/** A string that is equal for equal keys, for maps and sets. */
export function keyString(key: RowKey): string {
  return JSON.stringify(key);
}

/** A key as a JSON object by column name, the form Debezium keys and our reports use. */
export function keyObject(
  columns: readonly string[],
  key: RowKey,
): Readonly<Record<string, string>> {
  const result: Record<string, string> = {};
  columns.forEach((column, index) => {
    result[column] = key[index] ?? '';
  });
  return Object.freeze(result);
}
