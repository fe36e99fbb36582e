/**
 * SQL fragments for one table side: the key-range condition, the row filter, and the
 * row-hash expression. Key values travel as text and are cast by PostgreSQL to the side's own
 * column type (`CAST($1::text AS integer)`), so any orderable key type works; composite keys
 * use a row comparison, which a multi-column primary-key index serves.
 */
import { quoteIdent } from '@database-replicator/core';

/** A key range as the generic verifier passes it: text key values, open ends as null. */
export type TextKeyRange = Readonly<{
  after: readonly string[] | null;
  upTo: readonly string[] | null;
}>;

/** One primary-key column on one side. */
export type KeyColumn = Readonly<{
  name: string;
  /** This side's `format_type()` of the column. */
  type: string;
  /**
   * Compare with `COLLATE "C"`: set on both sides when their collations differ, so that both
   * order text keys alike (at the price of not using the key index for ordering).
   */
  byteOrder: boolean;
}>;

/** Rows the comparison is restricted to on both sides (table_filters, time_filters). */
export type RowFilter = Readonly<{
  /** SQL predicates, AND-ed. */
  predicates: readonly string[];
  /** `column >= cutoff`, the cutoff computed once on the source for both sides. */
  cutoffs: readonly Readonly<{ column: string; cutoff: string }>[];
}>;

/** Collects statement parameters and hands out their `$n` placeholders. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `"col"` or `"col" COLLATE "C"`. */
export function keyExpression(key: KeyColumn): string {
  return key.byteOrder ? `${quoteIdent(key.name)} COLLATE "C"` : quoteIdent(key.name);
}

/**
 * The alias verify's queries give the table. `ORDER BY` names key columns through it: a bare
 * name there would first match an output column of that name (`key`, `hash`, `a`, …).
 */
export const TABLE_ALIAS = 'verify_row';

/** `ORDER BY` list of the key, qualified by {@link TABLE_ALIAS}. */
export function keyOrder(keys: readonly KeyColumn[]): string {
  return keys.map((key) => `${TABLE_ALIAS}.${keyExpression(key)}`).join(', ');
}

/** `ARRAY[k1::text, …]`: a key in the form the verifier passes around. */
export function keyText(keys: readonly KeyColumn[]): string {
  return `ARRAY[${keys.map((k) => `${quoteIdent(k.name)}::text`).join(', ')}]::text[]`;
}

function compareKey(
  keys: readonly KeyColumn[],
  op: '>' | '<=',
  values: readonly string[],
  params: SqlParams,
): string {
  const casts = keys.map((key, i) => `CAST(${params.add(values[i])}::text AS ${key.type})`);
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) return `${keyExpression(only)} ${op} ${casts[0]}`;
  return `(${keys.map(keyExpression).join(', ')}) ${op} (${casts.join(', ')})`;
}

/** The `WHERE` clause (or '') selecting the filtered rows of `range`. */
export function whereClause(
  keys: readonly KeyColumn[],
  range: TextKeyRange,
  filter: RowFilter,
  params: SqlParams,
): string {
  const parts: string[] = [];
  if (range.after !== null) parts.push(compareKey(keys, '>', range.after, params));
  if (range.upTo !== null) parts.push(compareKey(keys, '<=', range.upTo, params));
  parts.push(...filter.predicates.map((predicate) => `(${predicate})`));
  for (const { column, cutoff } of filter.cutoffs) {
    parts.push(`${quoteIdent(column)} >= ${params.add(cutoff)}`);
  }
  return parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`;
}

/**
 * `hashtextextended(ROW(c1, c2, …)::text, 0)`: a 64-bit hash of the row's text form, columns
 * in the source's order. The row text keeps NULL (empty) apart from '' (`""`), json as written,
 * jsonb normalised, numeric with its scale, arrays and bytea in canonical form; the session
 * settings of connectPostgres fix time zone, date style, float digits and bytea output.
 */
export function rowHash(columns: readonly string[]): string {
  return `hashtextextended(ROW(${columns.map(quoteIdent).join(', ')})::text, 0)`;
}
