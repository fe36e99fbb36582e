/**
 * The text PostgreSQL prints for a jsonb value, computed in Node for cross-engine verify: MariaDB
 * cannot sort object keys the way jsonb does (by byte length, then bytes), so the MySQL side of
 * a table with JSON columns renders them here from the same parsed value the replication writes
 * (`parseExactJson`, then `JSON.stringify` into jsonb). Pure.
 */
import { parseExactJson, type JsonValue } from '@database-replicator/core';

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

// Tested before replacing: most strings need no escape, and test() allocates nothing.
// eslint-disable-next-line no-control-regex
const HAS_ESCAPE = /["\\\u0000-\u001f]/;

// A number token that a double may not hold exactly: 16+ digits in a row, or an exponent.
const MAYBE_INEXACT = /\d{16}|\d[eE]/;

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
  // For ASCII, UTF-16 length and order are byte length and order: no Buffer needed.
  if (ASCII.test(a) && ASCII.test(b)) {
    return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  }
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length - right.length || Buffer.compare(left, right);
}

/** `value` as PostgreSQL prints it after storing it as jsonb. */
export function jsonbText(value: JsonValue): string {
  return parsedText(value);
}

/**
 * A JSON document's text as jsonb prints it, or null for a JSON `null` document (replicated as
 * SQL NULL). Parsed as the replication parses it: `parseExactJson`, whose digit check is skipped
 * when no number could be inexact (no run of 16 digits, no exponent), the common case.
 *
 * @throws ReplicatorError what `parseExactJson` throws.
 */
export function jsonDocumentText(raw: string): string | null {
  let value: unknown;
  if (MAYBE_INEXACT.test(raw)) {
    value = parseExactJson(raw);
  } else {
    try {
      value = JSON.parse(raw);
    } catch {
      // Re-parsed for the replication's own error.
      value = parseExactJson(raw);
    }
  }
  return value === null ? null : parsedText(value);
}

// Renders what JSON.parse returns (a JSON value); typeof narrows it without a cast.
function parsedText(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return stringText(value);
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((item: unknown) => parsedText(item)).join(', ')}]`;
  if (typeof value !== 'object') return 'null';
  const entries = Object.entries(value).sort(([a], [b]) => byJsonbKeyOrder(a, b));
  return `{${entries.map(([key, item]) => `${stringText(key)}: ${parsedText(item)}`).join(', ')}}`;
}
