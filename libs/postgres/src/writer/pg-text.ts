/**
 * JSON values on the wire (ARCHITECTURE §3: 64-bit ints, decimals and timestamps as strings,
 * binary as base64, json/jsonb as JSON) turned into PostgreSQL text input for the target
 * column's type, and escaped for COPY's text format. PostgreSQL itself parses the text into the
 * column type, so no value passes through a JavaScript number or Date.
 */
import { decodeBase64, type JsonValue } from '@database-replicator/core';
import type { ColumnKind } from './target-table-shape.js';

/** PostgreSQL text input of `value` for a column of `kind`; `null` for SQL NULL. */
export function toPostgresText(value: JsonValue, kind: ColumnKind): string | null {
  if (value === null) return null;
  if (kind === 'json') return JSON.stringify(value);
  if (kind === 'bytea' && typeof value === 'string') {
    return `\\x${decodeBase64(value).toString('hex')}`;
  }
  if (kind === 'array' && Array.isArray(value)) return arrayLiteral(value);
  return scalarText(value);
}

function scalarText(value: JsonValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** `{"a","b",NULL,{…}}`: every element quoted, so commas, braces and spaces survive. */
function arrayLiteral(values: readonly JsonValue[]): string {
  const items = values.map((item): string => {
    if (item === null) return 'NULL';
    if (Array.isArray(item)) return arrayLiteral(item);
    return `"${scalarText(item).replace(/[\\"]/g, '\\$&')}"`;
  });
  return `{${items.join(',')}}`;
}

const COPY_ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
});

const COPY_SPECIAL = /[\\\n\r\t]/;

/** One field of COPY text format: `\N` for NULL, backslash, tab and line breaks escaped. */
export function copyTextField(text: string | null): string {
  if (text === null) return '\\N';
  // Most fields need no escape: one test is cheaper than a replace with a callback.
  if (!COPY_SPECIAL.test(text)) return text;
  return text.replace(/[\\\n\r\t]/g, (char) => COPY_ESCAPES[char] ?? char);
}
