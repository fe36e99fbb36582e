/**
 * MongoDB compares values of different types by a fixed type order, but `$gt` only matches
 * values of the same type ("type bracketing"): `{_id: {$gt: 5}}` never returns a string `_id`.
 * Resuming a scan after a key therefore also asks for every type that sorts after the key's.
 */
import type { Document } from 'mongodb';

/** `$type` aliases in MongoDB's sort order; entries of one inner list sort as one type. */
const TYPE_ORDER: readonly (readonly string[])[] = [
  ['minKey'],
  ['null', 'undefined'],
  ['number'],
  ['string', 'symbol'],
  ['object'],
  ['array'],
  ['binData'],
  ['objectId'],
  ['bool'],
  ['date'],
  ['timestamp'],
  ['regex'],
  ['dbPointer'],
  ['javascript'],
  ['javascriptWithScope'],
  ['maxKey'],
];

const RANK_BY_BSON_TYPE: Readonly<Record<string, string>> = {
  MinKey: 'minKey',
  MaxKey: 'maxKey',
  Int32: 'number',
  Double: 'number',
  Long: 'number',
  Decimal128: 'number',
  BSONSymbol: 'symbol',
  Binary: 'binData',
  ObjectId: 'objectId',
  Timestamp: 'timestamp',
  BSONRegExp: 'regex',
  Code: 'javascript',
  DBRef: 'object',
};

/**
 * The `$type` aliases every server knows; FerretDB refuses the others (`minKey`, `symbol`,
 * `dbPointer`, `javascript`, `maxKey`…). `_id`s of those types are not found when a scan resumes
 * after a key of an earlier type (README.md, "Limits").
 */
const PORTABLE_ALIASES: ReadonlySet<string> = new Set([
  'null',
  'number',
  'string',
  'object',
  'array',
  'binData',
  'objectId',
  'bool',
  'date',
  'timestamp',
  'regex',
]);

/** The filter matching every `_id` that sorts after `after`. */
export function afterIdFilter(after: unknown): Document {
  const rank = typeRank(after);
  const later = TYPE_ORDER.slice(rank + 1)
    .flat()
    .filter((alias) => PORTABLE_ALIASES.has(alias));
  const greater = { _id: { $gt: after } };
  return later.length === 0 ? greater : { $or: [greater, { _id: { $type: later } }] };
}

/** The position of `value`'s type in {@link TYPE_ORDER}. */
export function typeRank(value: unknown): number {
  return TYPE_ORDER.findIndex((aliases) => aliases.includes(typeAlias(value)));
}

function typeAlias(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number' || typeof value === 'bigint') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') {
    const bsonType: unknown = Reflect.get(value, '_bsontype');
    if (typeof bsonType === 'string') {
      if (bsonType === 'Code')
        return Reflect.get(value, 'scope') == null ? 'javascript' : 'javascriptWithScope';
      return RANK_BY_BSON_TYPE[bsonType] ?? 'object';
    }
  }
  return 'object';
}
