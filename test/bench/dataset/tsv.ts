/**
 * Tab-separated text in the dialect both PostgreSQL's COPY (text format) and MariaDB's LOAD DATA
 * (default FIELDS/LINES options) read: `\N` for NULL, backslash escapes for backslash, tab,
 * newline and carriage return. Only binary differs between the two, so the caller encodes it.
 */
import type { SqlValue } from './sql-rows.js';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/** One field; strings are escaped (the generated text has nothing to escape, so test first). */
function field(value: SqlValue, encodeBinary: (bytes: Buffer) => string): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  if (Buffer.isBuffer(value)) return encodeBinary(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c) : value;
}

/** `rows` as TSV text, in chunks of about `rowsPerChunk` rows, for a streaming COPY / LOAD DATA. */
export function* tsvChunks(
  rows: Iterable<SqlValue[]>,
  encodeBinary: (bytes: Buffer) => string,
  rowsPerChunk = 2000,
): Generator<string> {
  let lines: string[] = [];
  for (const row of rows) {
    lines.push(row.map((v) => field(v, encodeBinary)).join('\t'));
    if (lines.length >= rowsPerChunk) {
      yield `${lines.join('\n')}\n`;
      lines = [];
    }
  }
  if (lines.length > 0) yield `${lines.join('\n')}\n`;
}

/** PostgreSQL COPY text: bytea in hex input form `\x…`, its backslash escaped for COPY. */
export function postgresBinary(bytes: Buffer): string {
  return `\\\\x${bytes.toString('hex')}`;
}

/** MariaDB LOAD DATA: plain hex, turned back into bytes by `SET col = UNHEX(@col)`. */
export function mariadbBinary(bytes: Buffer): string {
  return bytes.toString('hex');
}
