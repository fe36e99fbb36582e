import { isPlainObject } from './deep-freeze.js';
import { replicatorError } from './errors.js';

/**
 * A value that survives `JSON.stringify` → `JSON.parse` unchanged. Numbers are finite and
 * only used where JavaScript numbers are exact; everything wider travels as a string.
 */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Base64 as Node writes it: standard alphabet, padded. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Encodes a column value for the wire without losing information (ARCHITECTURE §3):
 *
 * | input | output |
 * |---|---|
 * | `bigint` | decimal string (`'9223372036854775807'`) |
 * | `Buffer` / `Uint8Array` | base64 string |
 * | `Date` | ISO-8601 string, milliseconds, UTC |
 * | `number` | as is; `NaN`, `Infinity`, `-Infinity` as those strings (PostgreSQL's float input) |
 * | `string`, `boolean`, `null` | as is |
 * | array, plain object (json/jsonb columns, documents) | encoded recursively |
 *
 * Exact decimals (`numeric`, `DECIMAL`) and microsecond timestamps are NOT converted here: the
 * source libs configure their drivers to return them as text, so they arrive as strings and pass
 * through untouched. A `Date` only has milliseconds; never let a driver parse timestamps.
 *
 * @throws ReplicatorError `REPL_VALUE_UNSUPPORTED` for `undefined`, functions, symbols, invalid
 *   dates, circular structures and class instances other than Date/Buffer/Uint8Array (convert
 *   driver types such as BSON ObjectId to Extended JSON in the source lib first).
 */
export function encodeValue(value: unknown): JsonValue {
  return encode(value, new Set());
}

function encode(value: unknown, ancestors: Set<object>): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      return value === null ? null : encodeObject(value, ancestors);
    default:
      throw unsupported(typeof value);
  }
}

function encodeObject(value: object, ancestors: Set<object>): JsonValue {
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw unsupported('invalid Date');
    return value.toISOString();
  }
  if (ancestors.has(value)) throw unsupported('circular structure');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item: unknown) => encode(item, ancestors));
    if (isPlainObject(value)) {
      const out: Record<string, JsonValue> = {};
      for (const [key, item] of Object.entries(value)) out[key] = encode(item, ancestors);
      return out;
    }
  } finally {
    ancestors.delete(value);
  }
  throw unsupported(typeof value.constructor === 'function' ? value.constructor.name : 'object');
}

/**
 * Decodes a base64 string written by {@link encodeValue}.
 *
 * @throws ReplicatorError `REPL_VALUE_INVALID` if `text` is not padded standard base64
 *   (Node's decoder would silently skip bad characters and corrupt the bytes).
 */
export function decodeBase64(text: string): Buffer {
  if (text.length % 4 !== 0 || !BASE64.test(text)) {
    throw replicatorError(
      'REPL_VALUE_INVALID',
      `A value of ${text.length} characters is not padded standard base64`,
    );
  }
  return Buffer.from(text, 'base64');
}

/**
 * True if `value` is a {@link JsonValue}: only plain objects and arrays, finite numbers, no
 * cycles. Used by the event schemas instead of a recursive zod union, which is slow and
 * reports unreadable nested union errors.
 */
export function isJsonValue(
  value: unknown,
  ancestors: Set<object> = new Set(),
): value is JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (ancestors.has(value) || !(Array.isArray(value) || isPlainObject(value))) return false;
  ancestors.add(value);
  const items: unknown[] = Array.isArray(value) ? value : Object.values(value);
  const ok = items.every((item) => isJsonValue(item, ancestors));
  ancestors.delete(value);
  return ok;
}

function unsupported(what: string): Error {
  return replicatorError(
    'REPL_VALUE_UNSUPPORTED',
    `Cannot encode a value of type ${what} losslessly`,
  );
}
