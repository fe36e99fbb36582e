/**
 * Splits MySQL/MariaDB statement text into tokens for the DDL parser: backtick-quoted
 * identifiers (with doubled backticks), string literals in single or double quotes (backslash
 * and doubled-quote escapes), numbers, words and punctuation. Comments (`-- `, `#`, `/* … *\/`)
 * are skipped; an executable comment (`/*! … *\/`, `/*M! … *\/`) keeps its content, as the
 * server runs it.
 */

/** One token; `text` is the identifier or string content without quotes and escapes. */
export type DdlToken = Readonly<{
  kind: 'word' | 'quoted' | 'string' | 'number' | 'punct';
  text: string;
}>;

const WORD = /[\p{L}\p{N}_$]/u;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/i;
const STRING_ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  b: '\b',
  Z: '\x1a',
});

/** The tokens of `sql`; unterminated quotes and comments end at the end of the text. */
export function tokenizeDdl(sql: string): DdlToken[] {
  const tokens: DdlToken[] = [];
  let i = 0;
  while (i < sql.length) {
    const char = sql.charAt(i);
    const next = sql.charAt(i + 1);
    if (/\s/u.test(char)) i += 1;
    else if (char === '#' || (char === '-' && next === '-' && /^\s?$/u.test(sql.charAt(i + 2))))
      i = lineEnd(sql, i);
    else if (char === '/' && next === '*') i = comment(sql, i);
    else if (char === '*' && next === '/')
      i += 2; // the end of an executable comment
    else if (char === '`') i = quoted(sql, i, '`', 'quoted', tokens);
    else if (char === "'" || char === '"') i = quoted(sql, i, char, 'string', tokens);
    else if (/\d/u.test(char) || (char === '.' && /\d/u.test(next) && !afterName(tokens))) {
      const match = NUMBER.exec(sql.slice(i));
      const text = match?.[0] ?? char;
      tokens.push({ kind: 'number', text });
      i += text.length;
      // `1col` is a legal identifier: a number directly followed by a word character is a word.
      if (WORD.test(sql.charAt(i))) i = word(sql, i - text.length, tokens, true);
    } else if (WORD.test(char)) i = word(sql, i, tokens, false);
    else {
      tokens.push({ kind: 'punct', text: char });
      i += 1;
    }
  }
  return tokens;
}

function afterName(tokens: readonly DdlToken[]): boolean {
  const last = tokens.at(-1);
  return last !== undefined && (last.kind === 'word' || last.kind === 'quoted');
}

function lineEnd(sql: string, from: number): number {
  const end = sql.indexOf('\n', from);
  return end === -1 ? sql.length : end + 1;
}

/** Skips a comment; an executable one only loses its opening marker. */
function comment(sql: string, from: number): number {
  const executable = /^\/\*(?:M?!)(\d{5,6})?/.exec(sql.slice(from, from + 12));
  if (executable !== null) return from + executable[0].length;
  const end = sql.indexOf('*/', from + 2);
  return end === -1 ? sql.length : end + 2;
}

function word(sql: string, from: number, tokens: DdlToken[], replaceLast: boolean): number {
  let end = from;
  while (end < sql.length && WORD.test(sql.charAt(end))) end += 1;
  if (replaceLast) tokens.pop();
  tokens.push({ kind: 'word', text: sql.slice(from, end) });
  return end;
}

function quoted(
  sql: string,
  from: number,
  quote: string,
  kind: 'quoted' | 'string',
  tokens: DdlToken[],
): number {
  let text = '';
  let i = from + 1;
  while (i < sql.length) {
    const char = sql.charAt(i);
    if (char === quote) {
      if (sql.charAt(i + 1) !== quote) break;
      text += quote;
      i += 2;
    } else if (char === '\\' && kind === 'string' && i + 1 < sql.length) {
      const escaped = sql.charAt(i + 1);
      text += STRING_ESCAPES[escaped] ?? escaped;
      i += 2;
    } else {
      text += char;
      i += 1;
    }
  }
  tokens.push({ kind, text });
  return i + 1;
}
