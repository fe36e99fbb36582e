/**
 * Follows a DDL statement of the binlog on the selected tables: the schema changes the target
 * applies (ADD, DROP, RENAME COLUMN; CHANGE/MODIFY that keeps the target type), each table's new
 * description, so the rows after the statement are decoded with it, and `stop_table` for
 * anything else that touches a selected table. Pure.
 *
 * Following is idempotent: after a restart the stream may read a statement again that the
 * description (read from the live catalog) already reflects; such a clause changes nothing.
 */
import {
  type JsonValue,
  type SchemaChange,
  type TableId,
  type TablePlan,
} from '@database-replicator/core';
import type { TargetColumnDefinition } from '@database-replicator/pipeline';
import type { MysqlTimeType } from './config.js';
import {
  parseDdlStatement,
  type AlterClause,
  type DdlColumnDefinition,
  type DdlDefault,
  type DdlPlace,
  type DdlStatement,
} from './ddl-statement.js';
import { describeMysqlTables, type DescribedMysqlTable } from './describe-tables.js';
import { keyOf, type MysqlTableInfo } from './introspect.js';
import { parseMysqlColumnType } from './mysql-column-type.js';
import { encodeMysqlValue, type MysqlWireColumn } from './mysql-wire-value.js';
import { mapMysqlType, mayArriveAsNull, type MysqlWireType } from './type-map.js';

/** What a statement did to one selected table. */
export type DdlEffect = Readonly<{
  /** The table's description before the statement (events of the changes name it). */
  before: DescribedMysqlTable;
  /** The description after it; `null` once the table is stopped. */
  after: DescribedMysqlTable | null;
  changes: readonly SchemaChange[];
}>;

/** What following needs besides the statement. */
export type DdlContext = Readonly<{
  tables: ReadonlyMap<string, DescribedMysqlTable>;
  timeType: MysqlTimeType;
  /** The plan of a table created while streaming, `undefined` to leave it out. */
  includeNewTable: ((id: TableId) => TablePlan | undefined) | undefined;
  /** Told about a created table of the selection that cannot be replicated (no key, a type). */
  onNewTableRefused: (id: TableId, error: unknown) => void;
}>;

/** The value MySQL gives existing rows for a NOT NULL column added without DEFAULT. */
const IMPLICIT_DEFAULTS: Partial<Record<MysqlWireType, string>> = {
  boolean: '0',
  integer: '0',
  bigint: '0',
  decimal: '0',
  real: '0',
  double: '0',
  year: '0',
  text: '',
  bytea: '',
  set: '',
};

class Stop extends Error {}

/**
 * The effects of `sql`, run with `database` as default database, on the selected tables (none
 * for a statement that touches no selected table).
 */
export function followDdl(sql: string, database: string, context: DdlContext): DdlEffect[] {
  const statement = parseDdlStatement(sql, database);
  if (statement === undefined) return [];
  const selected = (id: TableId): DescribedMysqlTable | undefined => context.tables.get(keyOf(id));
  if (statement.kind === 'table_ddl') {
    const touched = new Map<string, DescribedMysqlTable>();
    for (const id of statement.tables) {
      const table = selected(id);
      if (table !== undefined) touched.set(keyOf(id), table);
    }
    return [...touched.values()].map((table) => stopped(table, sql, 'the statement'));
  }
  const table = selected(statement.table);
  if (statement.kind === 'create_table') {
    // CREATE TABLE of a selected table is a replay after a restart, or a re-creation after a
    // DROP, which stopped the table already.
    return table === undefined ? createdTable(statement, sql, context) : [];
  }
  if (table === undefined) return [];
  try {
    let current = table;
    const changes: SchemaChange[] = [];
    for (const clause of statement.clauses) {
      const next = followClause(current, clause, sql, context.timeType);
      if (next === undefined) continue;
      current = next.table;
      changes.push(...next.changes);
    }
    return changes.length === 0 && current === table
      ? []
      : [{ before: table, after: current, changes }];
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    return [stopped(table, sql, error.message)];
  }
}

/** A created table of the selection, described as the catalog would describe it. */
function createdTable(
  statement: Extract<DdlStatement, { kind: 'create_table' }>,
  sql: string,
  context: DdlContext,
): DdlEffect[] {
  const plan = context.includeNewTable?.(statement.table);
  if (plan === undefined) return [];
  const info: MysqlTableInfo = {
    id: statement.table,
    columns: statement.columns.map((column) => ({
      name: column.name,
      columnType: column.columnType,
      nullable: column.nullable,
      generated: column.generated,
      autoIncrement: false,
      json: column.columnType === 'json',
    })),
    indexes:
      statement.keyColumns.length === 0
        ? []
        : [
            {
              name: 'PRIMARY',
              unique: true,
              type: 'BTREE',
              parts: statement.keyColumns.map((name) => ({
                column: name,
                subPart: null,
                descending: false,
              })),
            },
          ],
    estimatedRows: 0,
    dataBytes: 0,
    autoIncrement: null,
  };
  let described: DescribedMysqlTable | undefined;
  try {
    [described] = describeMysqlTables([info], [plan], context.timeType);
  } catch (error) {
    context.onNewTableRefused(statement.table, error);
  }
  if (described === undefined) return [];
  const { columns, keyColumns } = described.table;
  return [
    {
      before: described,
      after: described,
      changes: [{ kind: 'create_table', columns, key_columns: keyColumns, statement: sql }],
    },
  ];
}

function stopped(table: DescribedMysqlTable, sql: string, reason: string): DdlEffect {
  return {
    before: table,
    after: null,
    changes: [{ kind: 'stop_table', reason, statement: sql }],
  };
}

type Followed = Readonly<{ table: DescribedMysqlTable; changes: SchemaChange[] }>;

function followClause(
  table: DescribedMysqlTable,
  clause: AlterClause,
  sql: string,
  timeType: MysqlTimeType,
): Followed | undefined {
  switch (clause.kind) {
    case 'option':
      return undefined;
    case 'add_column':
      return addColumn(table, clause.column, sql, timeType);
    case 'drop_column':
      return dropColumn(table, clause.column, sql);
    case 'rename_column':
      return renameColumn(table, clause.column, clause.newName, sql);
    case 'change_column':
      return changeColumn(table, clause.column, clause.definition, sql, timeType);
    case 'other':
      throw new Stop(`the clause "${clause.text}"`);
  }
}

function addColumn(
  table: DescribedMysqlTable,
  column: DdlColumnDefinition,
  sql: string,
  timeType: MysqlTimeType,
): Followed | undefined {
  if (column.generated || hasColumn(table, column.name)) return undefined;
  if (column.primaryKey) throw new Stop(`the new key column ${column.name}`);
  const { wire, target } = mapped(table, column, timeType);
  const value = existingRowsValue(column, wire);
  const added: DescribedMysqlTable = {
    ...table,
    table: { ...table.table, columns: placed(table.table.columns, target, column.place) },
    columns: placed(table.columns, wire, column.place),
    members: withMembers(table.members, column),
  };
  return {
    table: added,
    changes: [{ kind: 'add_column', column: target, default: value, statement: sql }],
  };
}

function dropColumn(table: DescribedMysqlTable, named: string, sql: string): Followed | undefined {
  const name = columnName(table, named);
  if (name === undefined) return undefined;
  if (table.table.keyColumns.includes(name)) throw new Stop(`dropping the key column ${name}`);
  return {
    table: {
      ...table,
      table: {
        ...table.table,
        columns: table.table.columns.filter((column) => column.name !== name),
      },
      columns: table.columns.filter((column) => column.name !== name),
    },
    changes: [{ kind: 'drop_column', column: name, statement: sql }],
  };
}

function renameColumn(
  table: DescribedMysqlTable,
  named: string,
  newName: string,
  sql: string,
): Followed | undefined {
  const name = columnName(table, named);
  if (name === undefined || name === newName) return undefined;
  if (table.table.keyColumns.includes(name)) throw new Stop(`renaming the key column ${name}`);
  const rename = <T extends { name: string }>(column: T): T =>
    column.name === name ? { ...column, name: newName } : column;
  const members = new Map(table.members);
  const list = members.get(name);
  if (list !== undefined) {
    members.delete(name);
    members.set(newName, list);
  }
  return {
    table: {
      ...table,
      table: { ...table.table, columns: table.table.columns.map(rename) },
      columns: table.columns.map(rename),
      members,
    },
    changes: [{ kind: 'rename_column', column: name, new_name: newName, statement: sql }],
  };
}

/** CHANGE/MODIFY: followed when the target column stays as it is (a rename at most). */
function changeColumn(
  table: DescribedMysqlTable,
  named: string,
  definition: DdlColumnDefinition,
  sql: string,
  timeType: MysqlTimeType,
): Followed | undefined {
  const name = columnName(table, named) ?? named;
  const current = table.table.columns.find((column) => column.name === name);
  if (current === undefined) {
    // A replay: the description already has the new name.
    if (hasColumn(table, definition.name)) return undefined;
    throw new Stop(`changing the unknown column ${name}`);
  }
  const { target } = mapped(table, definition, timeType);
  if (target.type !== current.type || (!target.nullable && current.nullable)) {
    throw new Stop(
      `changing column ${name} from ${current.type} to ${target.type}${target.nullable ? '' : ' NOT NULL'}`,
    );
  }
  const renamed = renameColumn(table, name, definition.name, sql) ?? { table, changes: [] };
  if (definition.place.kind === 'last') return renamed;
  // Only the order changes, which the target does not follow: the rows are decoded by name.
  const moved = renamed.table;
  const newName = columnName(moved, definition.name) ?? definition.name;
  const at = <T extends { name: string }>(list: readonly T[]): T[] => {
    const item = list.find((candidate) => candidate.name === newName);
    if (item === undefined) return [...list];
    return placed(
      list.filter((candidate) => candidate !== item),
      item,
      definition.place,
    );
  };
  return {
    table: {
      ...moved,
      table: { ...moved.table, columns: at(moved.table.columns) },
      columns: at(moved.columns),
    },
    changes: renamed.changes,
  };
}

/** `list` with `item` put at `place` (after a column named case-insensitively). */
function placed<T extends { name: string }>(list: readonly T[], item: T, place: DdlPlace): T[] {
  if (place.kind === 'first') return [item, ...list];
  const after =
    place.kind === 'after'
      ? list.findIndex((column) => column.name.toLowerCase() === place.column.toLowerCase())
      : -1;
  if (after === -1) return [...list, item];
  return [...list.slice(0, after + 1), item, ...list.slice(after + 1)];
}

function mapped(
  table: DescribedMysqlTable,
  column: DdlColumnDefinition,
  timeType: MysqlTimeType,
): { wire: MysqlWireColumn; target: TargetColumnDefinition } {
  let mapping;
  try {
    mapping = mapMysqlType(column.columnType, { json: column.columnType === 'json', timeType });
  } catch {
    throw new Stop(`the type ${column.columnType} of column ${column.name}, which has no mapping`);
  }
  const wire = {
    name: column.name,
    wire: mapping.wire,
    bits: mapping.bits,
    geometry: mapping.geometry,
  };
  const nullable = column.nullable || mayArriveAsNull(mapping.wire);
  if (table.table.keyColumns.includes(column.name) && nullable) {
    throw new Stop(`making the key column ${column.name} nullable`);
  }
  return { wire, target: { name: column.name, type: mapping.type, nullable } };
}

/** The encoded value MySQL stored in the existing rows for the added column. */
function existingRowsValue(column: DdlColumnDefinition, wire: MysqlWireColumn): JsonValue {
  const value = defaultText(column, column.default, wire);
  if (value === null) return null;
  try {
    return encodeMysqlValue(value, wire);
  } catch {
    throw new Stop(`the default ${value} of column ${column.name}`);
  }
}

function defaultText(
  column: DdlColumnDefinition,
  defaultValue: DdlDefault,
  wire: MysqlWireColumn,
): string | null {
  if (defaultValue.kind === 'expression') {
    throw new Stop(`the default expression ${defaultValue.text} of column ${column.name}`);
  }
  if (defaultValue.kind === 'literal') return defaultValue.value;
  if (column.nullable) return null;
  const parsed = parseMysqlColumnType(column.columnType);
  if (parsed.base === 'enum') return parsed.members[0] ?? '';
  return IMPLICIT_DEFAULTS[wire.wire] ?? null;
}

function withMembers(
  members: ReadonlyMap<string, readonly string[]>,
  column: DdlColumnDefinition,
): ReadonlyMap<string, readonly string[]> {
  const parsed = parseMysqlColumnType(column.columnType);
  if (parsed.base !== 'enum' && parsed.base !== 'set') return members;
  return new Map([...members, [column.name, parsed.members]]);
}

function hasColumn(table: DescribedMysqlTable, name: string): boolean {
  return columnName(table, name) !== undefined;
}

/** The column's name as described: MySQL column names are case-insensitive. */
function columnName(table: DescribedMysqlTable, name: string): string | undefined {
  const lower = name.toLowerCase();
  return table.columns.find((column) => column.name.toLowerCase() === lower)?.name;
}
