/**
 * The PostgreSQL half of cross-engine verify (docs/verify.md): each column rendered as the
 * canonical text both engines compute for equal values, the row as those texts joined. A source
 * engine builds the same text in its own SQL (or in Node) from the type mapping; both sides must
 * agree byte for byte.
 *
 * Canonical text per kind (the source side mirrors it):
 * - `text`: the column's `::text` in a verify session (UTC, ISO dates): integers, numeric with
 *   its scale, booleans `true`/`false`, timestamps with trailing fraction zeros dropped,
 *   timestamptz with `+00`, bit strings;
 * - `json`: jsonb's `::text` (keys by length then bytes, `": "`, `", "`);
 * - `float`: the shortest round-trip digits as `[-]D…e<exp>` (value = 0.D… × 10^exp), so that
 *   engines printing the same double in different notations agree;
 * - `bytea`: lower-case hex; `array`: the elements joined by `,` (MySQL SET members).
 * NULL is `N`, any value `v` followed by its text. The row text is the pieces of the non-JSON
 * columns in column order (the "SQL part"), then those of the JSON columns (the "JSON part"),
 * joined by U+001F: JSON is what a source engine may have to render outside SQL.
 *
 * A range is hashed as the MD5 of its rows' texts in key order, joined by U+001E: one digest per
 * range, since MD5 per call is what costs most in both engines. With JSON columns it is the MD5
 * of the SQL parts followed by the MD5 of the JSON parts, so that a source engine can hash the
 * first in SQL and send only the JSON. A single row (bisection's leaves) is hashed by the first
 * 60 bits of the MD5 of its text.
 */
import { quoteIdent } from '@database-replicator/core';

/** How a target column is rendered into the canonical row text. */
export type CanonicalKind = 'text' | 'json' | 'float' | 'bytea' | 'array';

/** One compared column of a target table. */
export type CanonicalColumn = Readonly<{ name: string; kind: CanonicalKind }>;

/**
 * `[-]digits e exponent` of a shortest-round-trip float text `t` (an SQL text expression),
 * written with PostgreSQL functions; `0` for zero.
 */
export function postgresFloatCanonical(t: string): string {
  const abs = `ltrim(${t}, '-')`;
  const sign = `CASE WHEN left(${t}, 1) = '-' THEN '-' ELSE '' END`;
  const mantissa = `split_part(${abs}, 'e', 1)`;
  const exponent = `COALESCE(NULLIF(split_part(${abs}, 'e', 2), '')::int, 0)`;
  const integral = `split_part(${mantissa}, '.', 1)`;
  const digits = `(${integral} || split_part(${mantissa}, '.', 2))`;
  const leadingZeros = `(length(${digits}) - length(ltrim(${digits}, '0')))`;
  const significant = `rtrim(ltrim(${digits}, '0'), '0')`;
  return `CASE WHEN ${significant} = '' THEN '0' ELSE ${sign} || ${significant} || 'e' || (length(${integral}) - ${leadingZeros} + ${exponent})::text END`;
}

function columnText(column: CanonicalColumn): string {
  const name = quoteIdent(column.name);
  switch (column.kind) {
    case 'float':
      return postgresFloatCanonical(`(${name})::float8::text`);
    case 'bytea':
      return `encode(${name}, 'hex')`;
    case 'array':
      return `array_to_string(${name}, ',')`;
    default:
      return `(${name})::text`;
  }
}

function joinedPieces(columns: readonly CanonicalColumn[]): string {
  if (columns.length === 0) return "''";
  return columns
    .map((column) => `COALESCE('v' || ${columnText(column)}, 'N')`)
    .join(' || chr(31) || ');
}

/** The SQL part and the JSON part (null without JSON columns) of the row text. */
function rowParts(columns: readonly CanonicalColumn[]): { sql: string; json: string | null } {
  const json = columns.filter((c) => c.kind === 'json');
  return {
    sql: joinedPieces(columns.filter((c) => c.kind !== 'json')),
    json: json.length === 0 ? null : joinedPieces(json),
  };
}

/** The canonical row text of `columns` (in source order): the SQL part, then the JSON part. */
export function canonicalRowText(columns: readonly CanonicalColumn[]): string {
  const { sql, json } = rowParts(columns);
  return json === null ? sql : `${sql} || chr(31) || ${json}`;
}

/** The 60-bit row hash (a bigint) over {@link canonicalRowText}. */
export function canonicalRowHash(columns: readonly CanonicalColumn[]): string {
  return `('x' || substr(md5(${canonicalRowText(columns)}), 1, 15))::bit(60)::bigint`;
}

/** Where {@link canonicalRangeSql} reads a range from. */
export type CanonicalRange = Readonly<{
  /** The quoted table. */
  from: string;
  /** `WHERE …` of the range, or ''. */
  where: string;
  /** `ORDER BY` list of the key; '' for a table without one. */
  order: string;
}>;

/**
 * `rows` and `hash` of a range of `columns`: the MD5 (hex) of the row texts joined by U+001E in
 * key order, or with JSON columns the MD5 of the SQL parts followed by that of the JSON parts;
 * '' for no rows. The ordered subquery feeds a plain aggregate, which PostgreSQL does not
 * reorder, and the key index usually delivers the order without a sort (`string_agg(… ORDER BY
 * …)` sorts in PostgreSQL 15). Rows without a key have no order both engines share: their hash
 * is the sum of {@link canonicalRowHash} (no source engine verifies such tables today).
 */
export function canonicalRangeSql(
  columns: readonly CanonicalColumn[],
  range: CanonicalRange,
): string {
  const { from, where, order } = range;
  if (order === '') {
    return `SELECT count(*)::text AS rows, COALESCE(sum(${canonicalRowHash(columns)}), 0)::text AS hash FROM ${from} ${where}`;
  }
  const { sql, json } = rowParts(columns);
  const items = json === null ? `${sql} AS a` : `${sql} AS a, ${json} AS b`;
  const digest =
    json === null
      ? 'md5(string_agg(s.a, chr(30)))'
      : 'md5(string_agg(s.a, chr(30))) || md5(string_agg(s.b, chr(30)))';
  return `SELECT count(*)::text AS rows, COALESCE(${digest}, '') AS hash
    FROM (SELECT ${items} FROM ${from} ${where} ORDER BY ${order}) s`;
}
