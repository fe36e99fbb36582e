/**
 * Geometry values as WKT text. mysql2 (snapshot) and zongji (binlog) decode a geometry's WKB the
 * same way, into `{x, y}` points nested in arrays, dropping the SRID and the WKB type code; this
 * writes that structure back as WKT, taking the kind from the column's declared type. In
 * GEOMETRY and GEOMETRYCOLLECTION columns the kind is inferred from the nesting, where a
 * MULTIPOINT reads as a LINESTRING and a MULTILINESTRING as a POLYGON (docs/type-mapping.md).
 * Both paths share this function, so snapshot and stream agree on every value.
 */
import { replicatorError } from '@database-replicator/core';
import type { GeometryKind } from './type-map.js';

type Point = Readonly<{ x: number; y: number }>;

/**
 * The WKT of a decoded geometry in a column of `kind`.
 *
 * @throws ReplicatorError `REPL_VALUE_INVALID` for a value that is not a decoded geometry.
 */
export function geometryToWkt(value: unknown, kind: GeometryKind): string {
  switch (kind) {
    case 'point':
      return `POINT(${point(value)})`;
    case 'linestring':
      return `LINESTRING${points(value)}`;
    case 'polygon':
      return `POLYGON${rings(value)}`;
    case 'multipoint':
      return `MULTIPOINT${points(value)}`;
    case 'multilinestring':
      return `MULTILINESTRING${rings(value)}`;
    case 'multipolygon':
      return `MULTIPOLYGON${list(value, rings)}`;
    case 'geometrycollection':
      return `GEOMETRYCOLLECTION${list(value, inferred)}`;
    case 'geometry':
      return inferred(value);
  }
}

/** The WKT of a geometry whose kind only its nesting tells. */
function inferred(value: unknown): string {
  if (isPoint(value)) return `POINT(${point(value)})`;
  if (!Array.isArray(value) || value.length === 0) return 'GEOMETRYCOLLECTION EMPTY';
  if (value.every(isPoint)) return `LINESTRING${points(value)}`;
  if (value.every(isPointList)) return `POLYGON${rings(value)}`;
  if (value.every((item) => Array.isArray(item) && item.every(isPointList))) {
    return `MULTIPOLYGON${list(value, rings)}`;
  }
  return `GEOMETRYCOLLECTION${list(value, inferred)}`;
}

function point(value: unknown): string {
  if (!isPoint(value)) throw notGeometry();
  return `${value.x} ${value.y}`;
}

function points(value: unknown): string {
  if (!Array.isArray(value)) throw notGeometry();
  return value.length === 0 ? ' EMPTY' : `(${value.map(point).join(',')})`;
}

function rings(value: unknown): string {
  return list(value, points);
}

function list(value: unknown, item: (element: unknown) => string): string {
  if (!Array.isArray(value)) throw notGeometry();
  return value.length === 0 ? ' EMPTY' : `(${value.map((element) => item(element)).join(',')})`;
}

function isPoint(value: unknown): value is Point {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof Reflect.get(value, 'x') === 'number' &&
    typeof Reflect.get(value, 'y') === 'number'
  );
}

function isPointList(value: unknown): boolean {
  return Array.isArray(value) && value.every(isPoint);
}

function notGeometry(): Error {
  return replicatorError('REPL_VALUE_INVALID', 'a geometry value is not a decoded WKB geometry');
}
