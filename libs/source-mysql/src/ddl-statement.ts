/**
 * What a DDL statement from the binlog (a QUERY event) does to tables, as far as the stream
 * follows it: `ALTER TABLE` clauses that add, drop or rename columns, `CREATE TABLE` with its
 * columns and primary key, and any other statement that names tables (DROP, RENAME, TRUNCATE,
 * CREATE/DROP INDEX, an ALTER clause the stream cannot follow). Names keep their case; a name
 * without a database is in the statement's default database. Pure.
 */
import type { TableId } from '@database-replicator/core';
import { Cursor } from './ddl-cursor.js';
import { tokenizeDdl, type DdlToken } from './ddl-tokens.js';

/** A column definition: its type as MySQL's `COLUMN_TYPE` text and what the rows get. */
export type DdlColumnDefinition = Readonly<{
  name: string;
  /** Lower case, as `COLUMN_TYPE`: `varchar(20)`, `int(10) unsigned`, `enum('a','b')`. */
  columnType: string;
  nullable: boolean;
  /** The DEFAULT clause: none, a literal (`null` for DEFAULT NULL), or an expression. */
  default: DdlDefault;
  primaryKey: boolean;
  /** Generated columns are not replicated. */
  generated: boolean;
  /** Where the column goes (FIRST, AFTER c); `last` when the clause does not say. */
  place: DdlPlace;
}>;

/** A column's place in the table. */
export type DdlPlace =
  | Readonly<{ kind: 'last' }>
  | Readonly<{ kind: 'first' }>
  | Readonly<{ kind: 'after'; column: string }>;

/** A column's DEFAULT clause. */
export type DdlDefault =
  | Readonly<{ kind: 'none' }>
  | Readonly<{ kind: 'literal'; value: string | null }>
  | Readonly<{ kind: 'expression'; text: string }>;

/** One clause of an ALTER TABLE. */
export type AlterClause =
  | Readonly<{ kind: 'add_column'; column: DdlColumnDefinition }>
  | Readonly<{ kind: 'drop_column'; column: string }>
  | Readonly<{ kind: 'rename_column'; column: string; newName: string }>
  | Readonly<{ kind: 'change_column'; column: string; definition: DdlColumnDefinition }>
  /** How the server runs the ALTER (ALGORITHM, LOCK): no change to the table's shape. */
  | Readonly<{ kind: 'option' }>
  | Readonly<{ kind: 'other'; text: string }>;

/** A parsed statement. */
export type DdlStatement =
  | Readonly<{ kind: 'alter_table'; table: TableId; clauses: readonly AlterClause[] }>
  | Readonly<{
      kind: 'create_table';
      table: TableId;
      columns: readonly DdlColumnDefinition[];
      keyColumns: readonly string[];
    }>
  /** DDL on the named tables that the stream cannot follow. */
  | Readonly<{ kind: 'table_ddl'; tables: readonly TableId[] }>;

/** Words that end a column's type and start its attributes. */
const ATTRIBUTES = new Set([
  'not',
  'null',
  'default',
  'auto_increment',
  'primary',
  'unique',
  'key',
  'comment',
  'collate',
  'character',
  'charset',
  'generated',
  'as',
  'on',
  'first',
  'after',
  'check',
  'references',
  'invisible',
  'visible',
  'column_format',
  'storage',
  'srid',
  'constraint',
  'persistent',
  'virtual',
  'stored',
]);

/** Type words MySQL accepts as synonyms, as `COLUMN_TYPE` spells them. */
const TYPE_SYNONYMS: Readonly<Record<string, string>> = Object.freeze({
  bool: 'tinyint(1)',
  boolean: 'tinyint(1)',
  integer: 'int',
  dec: 'decimal',
  numeric: 'decimal',
  fixed: 'decimal',
});

const NOT_COLUMN = new Set([
  'index',
  'key',
  'unique',
  'primary',
  'constraint',
  'foreign',
  'fulltext',
  'spatial',
  'check',
  'period',
  'system',
]);

/**
 * Parses `sql`, run with `database` as the default database.
 *
 * @returns `undefined` for a statement that names no table (BEGIN, GRANT, CREATE DATABASE…).
 */
export function parseDdlStatement(sql: string, database: string): DdlStatement | undefined {
  const cursor = new Cursor(tokenizeDdl(sql), database);
  if (cursor.acceptWords('alter')) {
    cursor.acceptWords('online');
    cursor.acceptWords('ignore');
    if (!cursor.acceptWords('table')) return undefined;
    cursor.acceptWords('if', 'exists');
    const table = cursor.tableName();
    // MariaDB's lock wait options come before the clauses.
    if (cursor.acceptWords('wait')) cursor.next();
    else cursor.acceptWords('nowait');
    return { kind: 'alter_table', table, clauses: alterClauses(cursor) };
  }
  if (cursor.acceptWords('create')) return createStatement(cursor);
  return otherTableDdl(cursor);
}

function createStatement(cursor: Cursor): DdlStatement | undefined {
  cursor.acceptWords('or', 'replace');
  const temporary = cursor.acceptWords('temporary');
  if (cursor.acceptWords('table')) {
    if (temporary) return undefined;
    cursor.acceptWords('if', 'not', 'exists');
    const table = cursor.tableName();
    if (!cursor.acceptPunct('(')) return { kind: 'table_ddl', tables: [table] };
    return createTable(cursor, table);
  }
  cursor.acceptWords('unique');
  cursor.acceptWords('fulltext');
  cursor.acceptWords('spatial');
  if (!cursor.acceptWords('index')) return undefined;
  cursor.skipUntilWord('on');
  return cursor.acceptWords('on') ? { kind: 'table_ddl', tables: [cursor.tableName()] } : undefined;
}

function createTable(cursor: Cursor, table: TableId): DdlStatement {
  const columns: DdlColumnDefinition[] = [];
  let keyColumns: string[] = [];
  for (const element of cursor.splitList()) {
    const item = new Cursor(element, cursor.database);
    const first = item.peekWord();
    if (first !== undefined && NOT_COLUMN.has(first)) {
      if (item.acceptWords('constraint') && !item.peekIs('primary')) item.name();
      if (item.acceptWords('primary', 'key')) keyColumns = item.nameList();
      continue;
    }
    const column = columnDefinition(item, item.name());
    columns.push(column);
    if (column.primaryKey) keyColumns = [column.name];
  }
  return { kind: 'create_table', table, columns, keyColumns };
}

function alterClauses(cursor: Cursor): AlterClause[] {
  return cursor.splitTopLevel().map((tokens) => alterClause(new Cursor(tokens, cursor.database)));
}

function alterClause(cursor: Cursor): AlterClause {
  const text = cursor.text();
  if (cursor.acceptWords('algorithm') || cursor.acceptWords('lock')) return { kind: 'option' };
  if (cursor.acceptWords('add')) {
    const explicit = cursor.acceptWords('column');
    cursor.acceptWords('if', 'not', 'exists');
    const first = cursor.peekWord();
    if (!explicit && (first === undefined || NOT_COLUMN.has(first))) return { kind: 'other', text };
    if (cursor.peekPunct('(')) return { kind: 'other', text };
    return { kind: 'add_column', column: columnDefinition(cursor, cursor.name()) };
  }
  if (cursor.acceptWords('drop')) {
    const explicit = cursor.acceptWords('column');
    const first = cursor.peekWord();
    if (!explicit && (first === undefined || NOT_COLUMN.has(first))) return { kind: 'other', text };
    cursor.acceptWords('if', 'exists');
    const column = cursor.name();
    return cursor.atEnd() ? { kind: 'drop_column', column } : { kind: 'other', text };
  }
  if (cursor.acceptWords('rename', 'column')) {
    const column = cursor.name();
    if (!cursor.acceptWords('to')) return { kind: 'other', text };
    return { kind: 'rename_column', column, newName: cursor.name() };
  }
  if (cursor.acceptWords('change')) {
    cursor.acceptWords('column');
    cursor.acceptWords('if', 'exists');
    const column = cursor.name();
    return { kind: 'change_column', column, definition: columnDefinition(cursor, cursor.name()) };
  }
  if (cursor.acceptWords('modify')) {
    cursor.acceptWords('column');
    cursor.acceptWords('if', 'exists');
    const column = cursor.name();
    return { kind: 'change_column', column, definition: columnDefinition(cursor, column) };
  }
  return { kind: 'other', text };
}

/** A column definition after its name: type, then attributes in any order. */
function columnDefinition(cursor: Cursor, name: string): DdlColumnDefinition {
  const typeWords: string[] = [];
  while (!cursor.atEnd()) {
    const word = cursor.peekWord();
    if (word !== undefined && ATTRIBUTES.has(word) && typeWords.length > 0) break;
    if (cursor.peekPunct('(')) {
      const args = cursor.parenthesised();
      typeWords[typeWords.length - 1] += `(${args.map(typeArgument).join(',')})`;
      continue;
    }
    const token = cursor.next();
    if (token === undefined) break;
    const lower = token.text.toLowerCase();
    // `COLUMN_TYPE` never says `signed`: it is the default.
    if (lower !== 'signed') typeWords.push(TYPE_SYNONYMS[lower] ?? lower);
  }
  const attributes = columnAttributes(cursor);
  return {
    name,
    columnType: typeWords.join(' '),
    ...attributes,
    nullable: attributes.nullable && !attributes.primaryKey,
  };
}

function typeArgument(tokens: readonly DdlToken[]): string {
  return tokens
    .map((token) =>
      token.kind === 'string' ? `'${token.text.replaceAll("'", "''")}'` : token.text,
    )
    .join('')
    .toLowerCase();
}

type Attributes = Omit<DdlColumnDefinition, 'name' | 'columnType'>;

function columnAttributes(cursor: Cursor): Attributes {
  let nullable = true;
  let primaryKey = false;
  let generated = false;
  let defaultValue: DdlDefault = { kind: 'none' };
  let place: DdlPlace = { kind: 'last' };
  while (!cursor.atEnd()) {
    if (cursor.acceptWords('not', 'null')) nullable = false;
    else if (cursor.acceptWords('first')) place = { kind: 'first' };
    else if (cursor.acceptWords('after')) place = { kind: 'after', column: cursor.name() };
    else if (cursor.acceptWords('default')) defaultValue = defaultClause(cursor);
    else if (cursor.acceptWords('primary', 'key')) primaryKey = true;
    else if (cursor.acceptWords('generated') || cursor.acceptWords('as')) {
      generated = true;
      cursor.next();
    } else if (cursor.peekPunct('(')) cursor.parenthesised();
    else cursor.next();
  }
  return { nullable, primaryKey, generated, default: defaultValue, place };
}

function defaultClause(cursor: Cursor): DdlDefault {
  if (cursor.acceptWords('null')) return { kind: 'literal', value: null };
  const negative = cursor.acceptPunct('-');
  if (!negative) cursor.acceptPunct('+');
  const sign = negative ? '-' : '';
  const token = cursor.peek();
  if (token?.kind === 'string' || token?.kind === 'number') {
    cursor.next();
    return { kind: 'literal', value: `${sign}${token.text}` };
  }
  const word = cursor.peekWord();
  if (word === 'true' || word === 'false') {
    cursor.next();
    return { kind: 'literal', value: word === 'true' ? '1' : '0' };
  }
  const text = cursor.peekPunct('(')
    ? `(${cursor
        .parenthesised()
        .flat()
        .map((t) => t.text)
        .join(' ')})`
    : (cursor.next()?.text ?? '');
  return { kind: 'expression', text };
}

function otherTableDdl(cursor: Cursor): DdlStatement | undefined {
  if (cursor.acceptWords('drop')) {
    cursor.acceptWords('temporary');
    if (cursor.acceptWords('table')) {
      cursor.acceptWords('if', 'exists');
      return { kind: 'table_ddl', tables: cursor.splitTopLevel().map((t) => nameOf(t, cursor)) };
    }
    if (!cursor.acceptWords('index')) return undefined;
    cursor.skipUntilWord('on');
    return cursor.acceptWords('on')
      ? { kind: 'table_ddl', tables: [cursor.tableName()] }
      : undefined;
  }
  if (cursor.acceptWords('truncate')) {
    cursor.acceptWords('table');
    return { kind: 'table_ddl', tables: [cursor.tableName()] };
  }
  if (cursor.acceptWords('rename', 'table')) {
    const tables = cursor.splitTopLevel().flatMap((pair) => {
      const item = new Cursor(pair, cursor.database);
      const from = item.tableName();
      return item.acceptWords('to') ? [from, item.tableName()] : [from];
    });
    return { kind: 'table_ddl', tables };
  }
  return undefined;
}

function nameOf(tokens: readonly DdlToken[], parent: Cursor): TableId {
  return new Cursor(tokens, parent.database).tableName();
}
