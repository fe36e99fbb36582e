/**
 * A cursor over DDL tokens for the parser of `ddl-statement.ts`: keyword matching, names, and
 * splitting lists at top-level commas.
 */
import type { TableId } from '@database-replicator/core';
import type { DdlToken } from './ddl-tokens.js';

/** A position in the token list with the few moves the grammar needs. */
export class Cursor {
  readonly #tokens: readonly DdlToken[];
  readonly database: string;
  #at = 0;

  constructor(tokens: readonly DdlToken[], database: string) {
    this.#tokens = tokens;
    this.database = database;
  }

  atEnd(): boolean {
    const token = this.peek();
    return token === undefined || (token.kind === 'punct' && token.text === ';');
  }

  peek(): DdlToken | undefined {
    return this.#tokens[this.#at];
  }

  next(): DdlToken | undefined {
    const token = this.#tokens[this.#at];
    if (token !== undefined) this.#at += 1;
    return token;
  }

  /** The next token as a lower-case keyword, if it is an unquoted word. */
  peekWord(): string | undefined {
    const token = this.peek();
    return token?.kind === 'word' ? token.text.toLowerCase() : undefined;
  }

  peekIs(word: string): boolean {
    return this.peekWord() === word;
  }

  peekPunct(text: string): boolean {
    const token = this.peek();
    return token?.kind === 'punct' && token.text === text;
  }

  acceptPunct(text: string): boolean {
    if (!this.peekPunct(text)) return false;
    this.#at += 1;
    return true;
  }

  /** Consumes `words` if the next tokens are exactly these keywords. */
  acceptWords(...words: string[]): boolean {
    const found = words.every((word, index) => {
      const token = this.#tokens[this.#at + index];
      return token?.kind === 'word' && token.text.toLowerCase() === word;
    });
    if (found) this.#at += words.length;
    return found;
  }

  skipUntilWord(word: string): void {
    while (!this.atEnd() && !this.peekIs(word)) this.next();
  }

  /** An identifier, quoted or not. */
  name(): string {
    const token = this.next();
    return token === undefined || token.kind === 'punct' ? '' : token.text;
  }

  /** `name` or `db.name`. */
  tableName(): TableId {
    const first = this.name();
    if (!this.acceptPunct('.')) return { schema: this.database, table: first };
    return { schema: first, table: this.name() };
  }

  /** `(a, b(10), c DESC)` → `['a', 'b', 'c']`. */
  nameList(): string[] {
    if (!this.peekPunct('(')) return [];
    return this.parenthesised().map((part) => part[0]?.text ?? '');
  }

  /** The comma-separated parts inside the parentheses that start here, consumed. */
  parenthesised(): DdlToken[][] {
    this.next();
    const parts = this.#splitUntilClose();
    this.acceptPunct(')');
    return parts;
  }

  /** The items of a `( … )` list whose `(` was consumed, up to its `)`, consumed. */
  splitList(): DdlToken[][] {
    const parts = this.#splitUntilClose();
    this.acceptPunct(')');
    return parts;
  }

  /** The rest of the statement split at commas outside parentheses. */
  splitTopLevel(): DdlToken[][] {
    return this.#splitUntilClose();
  }

  /** The remaining tokens as text, for messages. */
  text(): string {
    return this.#tokens
      .slice(this.#at)
      .map((token) => (token.kind === 'quoted' ? `\`${token.text}\`` : token.text))
      .join(' ');
  }

  #splitUntilClose(): DdlToken[][] {
    const parts: DdlToken[][] = [[]];
    let depth = 0;
    while (!this.atEnd()) {
      const token = this.peek();
      if (token === undefined) break;
      if (token.kind === 'punct' && token.text === ')' && depth === 0) break;
      this.next();
      if (token.kind === 'punct' && token.text === '(') depth += 1;
      if (token.kind === 'punct' && token.text === ')') depth -= 1;
      if (token.kind === 'punct' && token.text === ',' && depth === 0) parts.push([]);
      else parts.at(-1)?.push(token);
    }
    return parts.filter((part) => part.length > 0);
  }
}
