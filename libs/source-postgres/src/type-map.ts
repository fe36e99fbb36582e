/**
 * How each PostgreSQL type travels on the wire (ARCHITECTURE §3). The target is PostgreSQL too,
 * so the column type itself is unchanged (`format_type` of the source column); only the JSON
 * form of the values depends on the type. The choice is made on the column's own type OID, as
 * the target writer chooses on the column's own type name: a domain over bytea is written from
 * its text form there, so it travels as text here.
 */
import type { ColumnKind } from '@database-replicator/postgres';

/**
 * - `boolean`: JSON boolean.
 * - `integer`: int2/int4 as JSON numbers (always exact).
 * - `float`: float4/float8 as JSON numbers when finite; `NaN`, `Infinity`, `-Infinity` and `-0`
 *   as their PostgreSQL text.
 * - `json`: json/jsonb as the JSON value itself.
 * - `bytea`: base64 of the bytes.
 * - `text`: PostgreSQL's text output, which the target parses back: int8, numeric, dates and
 *   timestamps (microseconds), intervals, uuid, enums, arrays, ranges, domains…
 */
export type WireType = 'boolean' | 'integer' | 'float' | 'json' | 'bytea' | 'text';

const WIRE_TYPES: ReadonlyMap<number, WireType> = new Map<number, WireType>([
  [16, 'boolean'], // bool
  [17, 'bytea'], // bytea
  [21, 'integer'], // int2
  [23, 'integer'], // int4
  [114, 'json'], // json
  [700, 'float'], // float4
  [701, 'float'], // float8
  [3802, 'json'], // jsonb
]);

/** The wire form of values of the type `typeOid` (a column's `atttypid`). */
export function wireTypeOf(typeOid: number): WireType {
  return WIRE_TYPES.get(typeOid) ?? 'text';
}

/** How the target writer turns a value of `wire` back into PostgreSQL text input. */
export function columnKindOf(wire: WireType): ColumnKind {
  if (wire === 'bytea' || wire === 'json') return wire;
  return 'scalar';
}
