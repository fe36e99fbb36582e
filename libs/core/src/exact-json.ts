/**
 * JSON documents parsed without silent rounding: a number a JavaScript number cannot hold
 * exactly (more than 17 significant digits, beyond the double range) is refused rather than
 * rounded, because the wire carries JSON values and jsonb would store the rounded number. Source
 * libraries parse json/jsonb columns with it.
 */
import { replicatorError } from './errors.js';
import type { JsonValue } from './values.js';

// Strings first, so digits inside a string are never taken for a number.
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * Parses a JSON text.
 *
 * @throws ReplicatorError `REPL_VALUE_UNSUPPORTED` for a number that would be rounded,
 *   `REPL_VALUE_INVALID` for text that is not JSON.
 */
export function parseExactJson(text: string): JsonValue {
  for (const [token] of text.matchAll(JSON_TOKEN)) {
    if (!token.startsWith('"') && !isExactNumber(token)) {
      throw replicatorError(
        'REPL_VALUE_UNSUPPORTED',
        `a JSON document holds a number with more precision or range than a JSON number carries (${token.length} digits)`,
        {
          fix: 'Store such numbers as strings inside the document, or leave the table out of the replication (native PostgreSQL replication copies them exactly).',
        },
      );
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw replicatorError(
      'REPL_VALUE_INVALID',
      `a JSON column holds ${text.length} characters that are not JSON`,
      { cause: error },
    );
  }
  return toJsonValue(value);
}

// JSON.parse only produces JSON values; this narrows `unknown` without a cast.
function toJsonValue(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => toJsonValue(item));
  if (typeof value === 'object') {
    // fromEntries defines own properties: assigning would turn a "__proto__" key into the prototype.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJsonValue(item)]));
  }
  throw replicatorError('REPL_VALUE_INVALID', `JSON.parse returned a ${typeof value}`);
}

/** True when the decimal `token` and the double nearest to it have the same value. */
function isExactNumber(token: string): boolean {
  const value = Number(token);
  return Number.isFinite(value) && canonicalDecimal(token) === canonicalDecimal(String(value));
}

/** `-1.50e2` → `-15e1`: sign, significant digits without leading or trailing zeros, exponent. */
function canonicalDecimal(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  const significant = digits.replace(/0+$/, '');
  const scale = Number(exponent) - fraction.length + (digits.length - significant.length);
  return `${sign}${significant}e${scale}`;
}
