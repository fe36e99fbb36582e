import { replicatorError } from './errors.js';

/**
 * Lexing of user-written names where a part may be double-quoted, SQL style: inside quotes any
 * character is literal and `""` stands for one `"`. Shared by table references (split at `.`),
 * name lists (split at `,`) and filter flags (split at `:`).
 */

/**
 * Index of the first `separator` outside double quotes at or after `from`, or -1.
 *
 * @throws ReplicatorError `REPL_IDENTIFIER_INVALID` on an unterminated quote before the separator.
 */
export function indexOutsideQuotes(text: string, separator: string, from = 0): number {
  let quoted = false;
  for (let index = from; index < text.length; index += 1) {
    const char = text[index];
    if (char === '"') {
      // Inside quotes `""` is an escaped quote and keeps us quoted; skip its second half.
      if (quoted && text[index + 1] === '"') index += 1;
      else quoted = !quoted;
    } else if (char === separator && !quoted) {
      return index;
    }
  }
  if (quoted) throw invalid(`"${text}" has an unterminated double quote`);
  return -1;
}

/** Splits `text` at every `separator` outside double quotes; pieces keep their quotes. */
export function splitOutsideQuotes(text: string, separator: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (
    let index = indexOutsideQuotes(text, separator);
    index !== -1;
    index = indexOutsideQuotes(text, separator, start)
  ) {
    pieces.push(text.slice(start, index));
    start = index + 1;
  }
  pieces.push(text.slice(start));
  return pieces;
}

/**
 * The name a piece stands for: surrounding whitespace trimmed, then either a quoted name
 * (`"a ""b"""` → `a "b"`) or a bare one taken literally (no case folding: the same name must
 * mean the same table on every engine).
 *
 * @throws ReplicatorError `REPL_IDENTIFIER_INVALID` for an empty name, a NUL character, a bare
 *   name containing `"`, or text after a closing quote.
 */
export function unquoteName(piece: string): string {
  const text = piece.trim();
  let name = text;
  if (text.startsWith('"')) {
    const body = text.slice(1, -1);
    if (text.length < 2 || !text.endsWith('"') || body.replaceAll('""', '').includes('"')) {
      throw invalid(
        `${JSON.stringify(piece)} is not a valid quoted name; write an embedded " as ""`,
      );
    }
    name = body.replaceAll('""', '"');
  } else if (text.includes('"')) {
    throw invalid(`${JSON.stringify(piece)} mixes quoted and unquoted text; quote the whole name`);
  }
  checkName(name);
  return name;
}

/**
 * @throws ReplicatorError `REPL_IDENTIFIER_INVALID` if `name` is empty or contains NUL, which no
 *   supported engine accepts in an identifier.
 */
export function checkName(name: string): void {
  if (name === '') throw invalid('A name is empty');
  if (name.includes('\u0000')) throw invalid(`${JSON.stringify(name)} contains a NUL character`);
}

function invalid(message: string): Error {
  return replicatorError('REPL_IDENTIFIER_INVALID', message);
}
