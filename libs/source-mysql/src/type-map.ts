/**
 * How each MySQL/MariaDB column type becomes a PostgreSQL column and travels on the wire
 * (docs/type-mapping.md, MySQL section). Pure: the input is the column's `COLUMN_TYPE` text.
 * PostgreSQL types are written as `format_type` prints them, so a target catalog compares equal.
 */
import { replicatorError } from '@database-replicator/core';
import type { MysqlTimeType } from './config.js';
import { parseMysqlColumnType, type MysqlColumnType } from './mysql-column-type.js';

/**
 * The wire form of a column's values, which picks the encoder of `encodeMysqlValue`:
 * - `boolean`: JSON boolean (tinyint(1)).
 * - `integer`: JSON number (every integer type up to 32 bits, signed or not).
 * - `bigint`: decimal string (BIGINT, BIGINT UNSIGNED).
 * - `decimal`: the exact decimal string.
 * - `real` / `double`: JSON number (`real`: the shortest text of the 32-bit float).
 * - `text`: string (char, varchar, text, enum, uuid, inet).
 * - `bytea`: base64.
 * - `date`, `timestamp`, `timestamptz`, `time`, `interval`: PostgreSQL input text; zero dates null.
 * - `year`: JSON number. `bit`: `0`/`1` string of the column's width. `set`: array of members.
 * - `json`: the JSON value. `geometry`: WKT text.
 */
export type MysqlWireType =
  | 'boolean'
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'real'
  | 'double'
  | 'text'
  | 'bytea'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'time'
  | 'interval'
  | 'year'
  | 'bit'
  | 'set'
  | 'json'
  | 'geometry';

/** Geometry column kinds; `geometry` and `geometrycollection` hold any kind. */
export type GeometryKind =
  | 'geometry'
  | 'point'
  | 'linestring'
  | 'polygon'
  | 'multipoint'
  | 'multilinestring'
  | 'multipolygon'
  | 'geometrycollection';

/** The target column type and wire form of one MySQL column type. */
export type MysqlTypeMapping = Readonly<{
  /** PostgreSQL type as DDL text, in `format_type` form. */
  type: string;
  wire: MysqlWireType;
  /** Width of a `bit(n)` column; 0 otherwise. */
  bits: number;
  /** Kind of a geometry column; `undefined` otherwise. */
  geometry: GeometryKind | undefined;
}>;

/** Options of {@link mapMysqlType}. */
export type TypeMapOptions = Readonly<{
  /** MariaDB's JSON is LONGTEXT with a `json_valid` check: the introspection flags it. */
  json?: boolean;
  /** Target type of TIME. Default `time`. */
  timeType?: MysqlTimeType;
}>;

const GEOMETRY_KINDS: ReadonlySet<string> = new Set<GeometryKind>([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
]);

const FIXED: Readonly<Record<string, readonly [type: string, wire: MysqlWireType]>> = Object.freeze(
  {
    float: ['real', 'real'],
    double: ['double precision', 'double'],
    real: ['double precision', 'double'],
    tinytext: ['text', 'text'],
    text: ['text', 'text'],
    mediumtext: ['text', 'text'],
    longtext: ['text', 'text'],
    binary: ['bytea', 'bytea'],
    varbinary: ['bytea', 'bytea'],
    tinyblob: ['bytea', 'bytea'],
    blob: ['bytea', 'bytea'],
    mediumblob: ['bytea', 'bytea'],
    longblob: ['bytea', 'bytea'],
    date: ['date', 'date'],
    year: ['smallint', 'year'],
    enum: ['text', 'text'],
    set: ['text[]', 'set'],
    json: ['jsonb', 'json'],
    uuid: ['uuid', 'text'],
    inet4: ['inet', 'text'],
    inet6: ['inet', 'text'],
  },
);

/**
 * Whether a non-NULL value of `wire` can arrive as NULL: a zero date has no PostgreSQL value, and
 * a JSON `null` document travels as SQL NULL. Target columns of these wires accept NULL even
 * where the source column is NOT NULL, or those rows would be refused.
 */
export function mayArriveAsNull(wire: MysqlWireType): boolean {
  return wire === 'date' || wire === 'timestamp' || wire === 'timestamptz' || wire === 'json';
}

/**
 * Maps a MySQL `COLUMN_TYPE` (`int(10) unsigned`, `datetime(6)`, `enum('a','b')`).
 *
 * @throws ReplicatorError `REPL_MYSQL_TYPE_UNSUPPORTED` for a type without a mapping.
 */
export function mapMysqlType(columnType: string, options: TypeMapOptions = {}): MysqlTypeMapping {
  const parsed = parseMysqlColumnType(columnType);
  if (options.json === true) return mapping('jsonb', 'json');
  const mapped =
    integerMapping(parsed) ??
    textMapping(parsed) ??
    temporalMapping(parsed, options.timeType ?? 'time') ??
    otherMapping(parsed);
  if (mapped === undefined) {
    throw replicatorError(
      'REPL_MYSQL_TYPE_UNSUPPORTED',
      `The MySQL column type ${columnType} has no PostgreSQL mapping`,
      { details: { columnType } },
    );
  }
  return mapped;
}

function integerMapping({ base, args, unsigned }: MysqlColumnType): MysqlTypeMapping | undefined {
  switch (base) {
    case 'tinyint':
      // MySQL's BOOL/BOOLEAN is tinyint(1); any other tinyint is a number.
      if (args[0] === 1 && !unsigned) return mapping('boolean', 'boolean');
      return mapping('smallint', 'integer');
    case 'smallint':
      return mapping(unsigned ? 'integer' : 'smallint', 'integer');
    case 'mediumint':
      return mapping('integer', 'integer');
    case 'int':
    case 'integer':
      return unsigned ? mapping('bigint', 'integer') : mapping('integer', 'integer');
    case 'bigint':
      return mapping(unsigned ? 'numeric(20,0)' : 'bigint', 'bigint');
    case 'decimal':
    case 'numeric':
    case 'fixed':
      return mapping(`numeric(${args[0] ?? 10},${args[1] ?? 0})`, 'decimal');
    default:
      return undefined;
  }
}

function textMapping({ base, args }: MysqlColumnType): MysqlTypeMapping | undefined {
  if (base !== 'char' && base !== 'varchar') return undefined;
  // char(0)/varchar(0) exist in MySQL (NULL or ''); PostgreSQL has no varchar(0).
  const length = args[0] ?? 0;
  return mapping(length > 0 ? `character varying(${length})` : 'text', 'text');
}

function temporalMapping(
  { base, args }: MysqlColumnType,
  timeType: MysqlTimeType,
): MysqlTypeMapping | undefined {
  const precision = args[0] ?? 0;
  switch (base) {
    case 'datetime':
      return mapping(`timestamp(${precision}) without time zone`, 'timestamp');
    case 'timestamp':
      return mapping(`timestamp(${precision}) with time zone`, 'timestamptz');
    case 'time':
      return timeType === 'interval'
        ? mapping(`interval(${precision})`, 'interval')
        : mapping(`time(${precision}) without time zone`, 'time');
    default:
      return undefined;
  }
}

function otherMapping({ base, args }: MysqlColumnType): MysqlTypeMapping | undefined {
  if (base === 'bit') {
    const bits = args[0] ?? 1;
    return Object.freeze({ type: `bit varying(${bits})`, wire: 'bit', bits, geometry: undefined });
  }
  if (isGeometryKind(base)) {
    return Object.freeze({ type: 'text', wire: 'geometry', bits: 0, geometry: base });
  }
  const fixed = FIXED[base];
  return fixed === undefined ? undefined : mapping(fixed[0], fixed[1]);
}

function isGeometryKind(name: string): name is GeometryKind {
  return GEOMETRY_KINDS.has(name);
}

function mapping(type: string, wire: MysqlWireType): MysqlTypeMapping {
  return Object.freeze({ type, wire, bits: 0, geometry: undefined });
}
