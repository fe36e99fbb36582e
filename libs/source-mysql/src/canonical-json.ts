/**
 * Recognises JSON text that is already what `JSON.stringify(JSON.parse(text))` gives, so a
 * snapshot can pass such documents through unparsed (most stored documents are compact). The
 * test is conservative: anything it is not sure of (whitespace, escapes, control characters,
 * surrogates, non-canonical numbers, digit-only keys, which V8 reorders, duplicate keys, and
 * `__proto__`, which `parseExactJson` drops) answers `false`, and the caller parses. Pure.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const LITERALS: Readonly<Record<number, string>> = Object.freeze({
  0x74: 'true',
  0x66: 'false',
  0x6e: 'null',
});
const DIGITS_ONLY = /^\d+$/;
// Duplicate keys are looked for in a list: larger objects are left to the parser.
const MAX_KEYS = 32;

/** True when `text` is JSON and equals `JSON.stringify(JSON.parse(text))`. */
export function isCanonicalJson(text: string): boolean {
  try {
    return valueEnd(text, 0) === text.length;
  } catch {
    // Nesting deeper than the stack: the parser decides.
    return false;
  }
}

/** Index after the canonical value at `at`; -1 when there is none. */
function valueEnd(text: string, at: number): number {
  const char = text.charCodeAt(at);
  if (char === QUOTE) return stringEnd(text, at);
  if (char === OPEN_OBJECT) return objectEnd(text, at);
  if (char === OPEN_ARRAY) return arrayEnd(text, at);
  const literal = LITERALS[char];
  if (literal !== undefined) return text.startsWith(literal, at) ? at + literal.length : -1;
  return numberEnd(text, at);
}

/** A string without escapes, control characters or surrogates: `JSON.stringify` keeps it as is. */
function stringEnd(text: string, at: number): number {
  for (let index = at + 1; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === QUOTE) return index + 1;
    if (char === BACKSLASH || char < 0x20 || (char >= 0xd800 && char <= 0xdfff)) return -1;
  }
  return -1;
}

/** A number that `String(Number(token))` prints back unchanged (so it is also exact). */
function numberEnd(text: string, at: number): number {
  let end = at;
  while (end < text.length && isNumberChar(text.charCodeAt(end))) end += 1;
  const token = text.slice(at, end);
  return token !== '' && String(Number(token)) === token ? end : -1;
}

/** Neither digits only (V8 puts such keys first) nor `__proto__`. */
function plainKey(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first >= 0x30 && first <= 0x39 && DIGITS_ONLY.test(key)) return false;
  return key !== '__proto__';
}

/** `0-9 + - . e E` */
function isNumberChar(char: number): boolean {
  return (
    (char >= 0x30 && char <= 0x39) ||
    char === 0x2b ||
    char === 0x2d ||
    char === 0x2e ||
    char === 0x65 ||
    char === 0x45
  );
}

function arrayEnd(text: string, at: number): number {
  let index = at + 1;
  if (text.charCodeAt(index) === CLOSE_ARRAY) return index + 1;
  for (;;) {
    index = valueEnd(text, index);
    if (index === -1) return -1;
    const char = text.charCodeAt(index);
    if (char === CLOSE_ARRAY) return index + 1;
    if (char !== COMMA) return -1;
    index += 1;
  }
}

function objectEnd(text: string, at: number): number {
  const keys: string[] = [];
  let index = at + 1;
  if (text.charCodeAt(index) === CLOSE_OBJECT) return index + 1;
  for (;;) {
    const keyEnd = text.charCodeAt(index) === QUOTE ? stringEnd(text, index) : -1;
    if (keyEnd === -1 || text.charCodeAt(keyEnd) !== COLON) return -1;
    const key = text.slice(index + 1, keyEnd - 1);
    if (!plainKey(key) || keys.length >= MAX_KEYS || keys.includes(key)) return -1;
    keys.push(key);
    index = valueEnd(text, keyEnd + 1);
    if (index === -1) return -1;
    const char = text.charCodeAt(index);
    if (char === CLOSE_OBJECT) return index + 1;
    if (char !== COMMA) return -1;
    index += 1;
  }
}
