/**
 * The text PostgreSQL prints for a jsonb value, computed in Node for cross-engine verify: MariaDB
 * cannot sort object keys the way jsonb does (by byte length, then bytes), so the MySQL side of
 * a table with JSON columns renders them here from the same parsed value the replication writes
 * (`parseExactJson`, then `JSON.stringify` into jsonb). Pure.
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

// Characters jsonb escapes on output: quote, backslash and the C0 controls.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/g;

function stringText(text: string): string {
  const escaped = text.replace(
    NEEDS_ESCAPE,
    (char) => ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${escaped}"`;
}

/** A JavaScript number as PostgreSQL's numeric prints the text JSON.stringify gives it. */
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
  if (isJsonArray(value)) return `[${value.map((item) => jsonbText(item)).join(', ')}]`;
  const entries = Object.entries(value).sort(([a], [b]) => byJsonbKeyOrder(a, b));
  return `{${entries.map(([key, item]) => `${stringText(key)}: ${jsonbText(item)}`).join(', ')}}`;
}

function isJsonArray(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}
