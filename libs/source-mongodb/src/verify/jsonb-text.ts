/**
 * The text PostgreSQL prints for a jsonb value, computed in Node so that verify can hash a
 * document as the target's `document::text` reads: object keys by byte length, then bytes
 * (jsonb's order; duplicates keep the last value, as JSON.parse does), `": "` and `", "` between
 * items, strings with jsonb's escapes (quote, backslash, C0 controls), numbers as `numeric`
 * prints them. Canonical Extended JSON carries every BSON number as a string, so the only JSON
 * numbers in a document are small integers (`$timestamp`, `$minKey`). Pure.
 */
import type { JsonValue } from '@database-replicator/core';

const ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
});

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/g;
// eslint-disable-next-line no-control-regex
const HAS_ESCAPE = /["\\\u0000-\u001f]/;
// eslint-disable-next-line no-control-regex
const ASCII = /^[\u0000-\u007f]*$/;

function stringText(text: string): string {
  if (!HAS_ESCAPE.test(text)) return `"${text}"`;
  const escaped = text.replace(
    NEEDS_ESCAPE,
    (char) => ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${escaped}"`;
}

/** A JSON number as `numeric` prints it: plain digits, never an exponent. */
function numberText(value: number): string {
  const text = JSON.stringify(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exponentText);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function byJsonbKeyOrder(a: string, b: string): number {
  // For ASCII, UTF-16 length and order are byte length and order.
  if (ASCII.test(a) && ASCII.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length - right.length || Buffer.compare(left, right);
}

/** `value` as PostgreSQL prints it after storing it as jsonb. */
export function jsonbText(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return stringText(value);
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((item) => jsonbText(item)).join(', ')}]`;
  const entries = Object.entries(value).sort(([a], [b]) => byJsonbKeyOrder(a, b));
  return `{${entries.map(([key, item]) => `${stringText(key)}: ${jsonbText(item)}`).join(', ')}}`;
}
