import { checkName, splitOutsideQuotes, unquoteName } from './quoted-name.js';
import { replicatorError } from './errors.js';

/**
 * Table identity: one way to name, quote, parse and key a table across engines.
 *
 * The text form is `[db.][schema.]table` where any part may be double-quoted
 * (`"my.db"."sch ema"."ta""ble"`). One part is a table, two are `schema.table`, three are
 * `db.schema.table`. Bare parts are taken literally, with no case folding.
 */

/** A fully resolved table. `database` is absent when the context has only one database. */
export type TableId = Readonly<{ database?: string; schema: string; table: string }>;

/**
 * A table as a user wrote it in a filter: the parts they did not write are absent and are
 * resolved later with {@link resolveTableSelector}, once the source's default schema is known.
 */
export type TableSelector = Readonly<{ database?: string; schema?: string; table: string }>;

/** What unwritten parts of a reference default to, e.g. `{ schema: 'public' }`. */
export type TableDefaults = Readonly<{ database?: string; schema: string }>;

/** Characters that force quoting in the text form: separators, quotes, whitespace, controls. */
const NEEDS_QUOTES = /[\s.,:"\p{Cc}]/u;

/**
 * Quotes a PostgreSQL identifier: always double-quoted (so reserved words, mixed case and any
 * character are safe), embedded `"` doubled.
 *
 * @throws ReplicatorError `REPL_IDENTIFIER_INVALID` for an empty name or one containing NUL.
 */
export function quoteIdent(name: string): string {
  checkName(name);
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a MySQL/MariaDB identifier: always backticked, embedded backticks doubled.
 *
 * @throws ReplicatorError `REPL_IDENTIFIER_INVALID` for an empty name or one containing NUL.
 */
export function quoteMysqlIdent(name: string): string {
  checkName(name);
  return `\`${name.replaceAll('`', '``')}\``;
}

/**
 * Quotes a table for PostgreSQL as `"schema"."table"`; `database` is ignored because
 * PostgreSQL statements cannot cross databases.
 *
 * @throws ReplicatorError `REPL_IDENTIFIER_INVALID` for an empty or NUL-containing part.
 */
export function quoteTable(id: TableId): string {
  return `${quoteIdent(id.schema)}.${quoteIdent(id.table)}`;
}

/**
 * Parses `[db.][schema.]table` into a selector; parts not written are absent.
 *
 * @throws ReplicatorError `REPL_IDENTIFIER_INVALID` for empty parts, more than three parts,
 *   unterminated or misplaced quotes, or NUL characters.
 */
export function parseTableSelector(text: string): TableSelector {
  const parts = splitOutsideQuotes(text, '.').map(unquoteName);
  const [first, second, third] = parts;
  if (parts.length > 3 || first === undefined) {
    throw replicatorError(
      'REPL_IDENTIFIER_INVALID',
      `${JSON.stringify(text)} has ${parts.length} parts; expected [db.][schema.]table`,
      {
        fix: 'Quote a name that contains a dot with double quotes, e.g. "my.table".',
      },
    );
  }
  if (third !== undefined && second !== undefined)
    return Object.freeze({ database: first, schema: second, table: third });
  if (second !== undefined) return Object.freeze({ schema: first, table: second });
  return Object.freeze({ table: first });
}

/** Fills the parts a selector leaves out from `defaults`. */
export function resolveTableSelector(selector: TableSelector, defaults: TableDefaults): TableId {
  const database = selector.database ?? defaults.database;
  const schema = selector.schema ?? defaults.schema;
  return Object.freeze(
    database === undefined
      ? { schema, table: selector.table }
      : { database, schema, table: selector.table },
  );
}

/**
 * Parses `[db.][schema.]table` and fills missing parts from `defaults`.
 *
 * @throws ReplicatorError `REPL_IDENTIFIER_INVALID` as {@link parseTableSelector}.
 */
export function parseTableRef(text: string, defaults: TableDefaults): TableId {
  return resolveTableSelector(parseTableSelector(text), defaults);
}

/**
 * Formats a table in the text form, quoting only parts that need it (separators, quotes,
 * whitespace), so `parseTableRef(formatTableRef(id), d)` returns `id` exactly.
 *
 * @throws ReplicatorError `REPL_IDENTIFIER_INVALID` for an empty or NUL-containing part.
 */
export function formatTableRef(id: TableId): string {
  return partsOf(id)
    .map((part) => {
      checkName(part);
      return NEEDS_QUOTES.test(part) ? quoteIdent(part) : part;
    })
    .join('.');
}

/**
 * A stable, unambiguous string key for maps and checkpoints: every part double-quoted,
 * `"db"."schema"."table"` or `"schema"."table"`.
 */
export function tableKey(id: TableId): string {
  return partsOf(id).map(quoteIdent).join('.');
}

function partsOf(id: TableId): string[] {
  return id.database === undefined ? [id.schema, id.table] : [id.database, id.schema, id.table];
}
