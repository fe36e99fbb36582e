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
// A number can be inexact only with 16 or more digits (any 15 significant digits survive a
// double) or an exponent. Text without such a run (strings included) needs no token scan, which
// was most of the parse of the usual small document.
const MAYBE_INEXACT = /\d[\d.]{15}|\d[eE]/;

/**
 * Parses a JSON text.
 *
 * @throws ReplicatorError `REPL_VALUE_UNSUPPORTED` for a number that would be rounded,
 *   `REPL_VALUE_INVALID` for text that is not JSON.
 */
export function parseExactJson(text: string): JsonValue {
  if (MAYBE_INEXACT.test(text)) assertExactNumbers(text);
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
  if (!isJsonValue(value)) {
    throw replicatorError('REPL_VALUE_INVALID', `JSON.parse returned a ${typeof value}`);
  }
  return value;
}

function assertExactNumbers(text: string): void {
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
}

// JSON.parse only produces JSON values; this narrows `unknown` without a cast or a copy (its
// objects keep a "__proto__" key as an own property, as a JSON value must).
function isJsonValue(value: unknown): value is JsonValue {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'number':
      return true;
    case 'object':
      if (Array.isArray(value)) return value.every((item: unknown) => isJsonValue(item));
      for (const item of Object.values(value)) if (!isJsonValue(item)) return false;
      return true;
    default:
      return false;
  }
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
