/**
 * The PostgreSQL half of cross-engine verify (docs/verify.md): each column rendered as the
 * canonical text both engines compute for equal values, the row as those texts joined, and the
 * row hash as the first 60 bits of its MD5, summed per range. A source engine builds the same
 * text in its own SQL (or in Node) from the type mapping; both sides must agree byte for byte.
 *
 * Canonical text per kind (the source side mirrors it):
 * - `text`: the column's `::text` in a verify session (UTC, ISO dates): integers, numeric with
 *   its scale, booleans `true`/`false`, timestamps with trailing fraction zeros dropped,
 *   timestamptz with `+00`, bit strings, jsonb (keys by length then bytes, `": "`, `", "`);
 * - `float`: the shortest round-trip digits as `[-]D…e<exp>` (value = 0.D… × 10^exp), so that
 *   engines printing the same double in different notations agree;
 * - `bytea`: lower-case hex; `array`: the elements joined by `,` (MySQL SET members).
 * NULL is `N`, any value `v` followed by its text, columns joined by U+001F.
 */
import { quoteIdent } from '@database-replicator/core';

/** How a target column is rendered into the canonical row text. */
export type CanonicalKind = 'text' | 'float' | 'bytea' | 'array';

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

/** The canonical row text of `columns`, in their order. */
export function canonicalRowText(columns: readonly CanonicalColumn[]): string {
  if (columns.length === 0) return "''";
  return columns
    .map((column) => `COALESCE('v' || ${columnText(column)}, 'N')`)
    .join(' || chr(31) || ');
}

/** The 60-bit row hash (a bigint) over {@link canonicalRowText}. */
export function canonicalRowHash(columns: readonly CanonicalColumn[]): string {
  return `('x' || substr(md5(${canonicalRowText(columns)}), 1, 15))::bit(60)::bigint`;
}
