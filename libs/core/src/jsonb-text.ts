/**
 * The text PostgreSQL prints for a jsonb value, computed in Node for cross-engine verify: object
 * keys by UTF-8 byte length, then bytes (jsonb's order; duplicates keep the last value, as
 * JSON.parse does), `": "` and `", "` between items, strings with jsonb's escapes (quote,
 * backslash, C0 controls), numbers as `numeric` prints them. Sources whose engine cannot render
 * that order (MariaDB JSON, MongoDB documents) hash this text against the target's `::text`.
 * Pure.
 */

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

// Code points above U+FFFF are surrogate pairs in UTF-16, whose code units sort below
// U+E000-U+FFFF although their UTF-8 bytes sort above: keys holding one compare as bytes.
const SURROGATE = /[\ud800-\udfff]/;

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
  const text = String(value);
  if (!text.includes('e')) return text;
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exponentText);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** UTF-8 length of `text`, without encoding it. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    // Two bytes below U+0800, three above; a surrogate pair (two units) is four.
    bytes += unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/** jsonb's key order: by UTF-8 length, then bytes (code points, the same order). */
function byJsonbKeyOrder([a]: readonly [string, unknown], [b]: readonly [string, unknown]): number {
  const byLength = utf8Length(a) - utf8Length(b);
  if (byLength !== 0) return byLength;
  if (SURROGATE.test(a) || SURROGATE.test(b)) {
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A JSON value (a `JsonValue`, or what JSON.parse returns) as PostgreSQL prints it after
 * storing it as jsonb. Anything else prints as `null`.
 */
// Takes unknown so JSON.parse's result needs no cast; typeof narrows it. Strings are built with
// += (V8 ropes): per-document allocations are what this costs, in bulk verify.
export function jsonbText(value: unknown): string {
  if (typeof value === 'string') return stringText(value);
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null || typeof value !== 'object') return 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i += 1) {
      text += i === 0 ? jsonbText(value[i]) : `, ${jsonbText(value[i])}`;
    }
    return `${text}]`;
  }
  const entries = Object.entries(value);
  if (entries.length > 1) entries.sort(byJsonbKeyOrder);
  let text = '{';
  for (let i = 0; i < entries.length; i += 1) {
    const [key, item] = entries[i] ?? ['', null];
    text += `${i === 0 ? '' : ', '}${stringText(key)}: ${jsonbText(item)}`;
  }
  return `${text}}`;
}
