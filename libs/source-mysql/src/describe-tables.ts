/**
 * The selected MySQL tables described for the target (`SourceTable`) with what the snapshot and
 * the binlog decoder need besides: each replicated column's wire form and the members of enum
 * and set columns. The key is the primary key, else the first (by name) unique key over NOT NULL
 * whole columns; a table with neither is refused, naming every such table. Pure.
 */
import {
  formatTableRef,
  replicatorError,
  type TableId,
  type TablePlan,
} from '@database-replicator/core';
import type { SourceTable, TargetColumnDefinition } from '@database-replicator/pipeline';
import type { MysqlTimeType } from './config.js';
import { secondaryIndexDdl } from './index-ddl.js';
import { keyOf, type MysqlIndexInfo, type MysqlTableInfo } from './introspect.js';
import { parseMysqlColumnType } from './mysql-column-type.js';
import type { MysqlWireColumn } from './mysql-wire-value.js';
import { mapMysqlType, mayArriveAsNull } from './type-map.js';

/** One described table. */
export type DescribedMysqlTable = Readonly<{
  table: SourceTable;
  /** The replicated columns with their wire forms, in source order. */
  columns: readonly MysqlWireColumn[];
  /** The key columns with their wire forms, in key order. */
  keyColumns: readonly MysqlWireColumn[];
  /** Members of enum and set columns, by column. */
  members: ReadonlyMap<string, readonly string[]>;
  /** Row and time filters of the table. */
  plan: TablePlan;
  /** The auto_increment column and the counter's next value; `null` without one. */
  autoIncrement: MysqlAutoIncrement | null;
}>;

/** A table's auto_increment column and the next value MySQL would assign. */
export type MysqlAutoIncrement = Readonly<{ column: string; next: number }>;

/**
 * Describes the planned tables found in `infos`.
 *
 * @throws ReplicatorError `REPL_CONFIG_TABLE_NOT_FOUND` for a planned table that does not exist,
 *   `REPL_MYSQL_KEYLESS_TABLE` naming every table without a usable key,
 *   `REPL_MYSQL_TYPE_UNSUPPORTED` naming the table and column of an unmapped type.
 */
export function describeMysqlTables(
  infos: readonly MysqlTableInfo[],
  plans: readonly TablePlan[],
  timeType: MysqlTimeType,
): readonly DescribedMysqlTable[] {
  const byKey = new Map(infos.map((info) => [keyOf(info.id), info]));
  const described: DescribedMysqlTable[] = [];
  const keyless: TableId[] = [];
  for (const plan of plans) {
    const info = byKey.get(keyOf(plan.id));
    if (info === undefined) throw missingTable(plan.id);
    const key = chooseKey(info);
    if (key === undefined) keyless.push(info.id);
    else described.push(describeTable(info, plan, key, timeType));
  }
  if (keyless.length > 0) throw keylessError(keyless);
  return Object.freeze(described);
}

/** Every table of `infos`, unfiltered: the plan when none is configured. */
export function planAll(infos: readonly MysqlTableInfo[]): readonly TablePlan[] {
  return Object.freeze(
    infos.map((info) =>
      Object.freeze({ id: info.id, schemaOnly: false, rowFilters: [], timeFilters: [] }),
    ),
  );
}

function describeTable(
  info: MysqlTableInfo,
  plan: TablePlan,
  key: MysqlIndexInfo,
  timeType: MysqlTimeType,
): DescribedMysqlTable {
  const keyColumns = key.parts.map((part) => part.column ?? '');
  const keySet = new Set(keyColumns);
  const wires: MysqlWireColumn[] = [];
  const targets: TargetColumnDefinition[] = [];
  const members = new Map<string, readonly string[]>();
  for (const column of info.columns.filter((candidate) => !candidate.generated)) {
    const mapped = mapColumn(info.id, column.name, column.columnType, column.json, timeType);
    wires.push(Object.freeze({ name: column.name, ...mapped.wire }));
    const nullable =
      !keySet.has(column.name) && (column.nullable || mayArriveAsNull(mapped.wire.wire));
    targets.push(Object.freeze({ name: column.name, type: mapped.type, nullable }));
    const parsed = parseMysqlColumnType(column.columnType);
    if (parsed.base === 'enum' || parsed.base === 'set') members.set(column.name, parsed.members);
  }
  const replicated = new Set(wires.map((column) => column.name));
  const indexes = info.indexes
    .filter((index) => index.name !== key.name)
    .map((index) => secondaryIndexDdl(info.id, index, replicated))
    .filter((ddl): ddl is string => ddl !== undefined);
  const table: SourceTable = Object.freeze({
    id: info.id,
    keyColumns: Object.freeze(keyColumns),
    columns: Object.freeze(targets),
    indexes: Object.freeze(indexes),
    estimatedRows: info.estimatedRows,
    schemaOnly: plan.schemaOnly,
  });
  const wireByName = new Map(wires.map((column) => [column.name, column]));
  return Object.freeze({
    table,
    columns: Object.freeze(wires),
    keyColumns: Object.freeze(
      keyColumns.flatMap((name) => {
        const column = wireByName.get(name);
        return column === undefined ? [] : [column];
      }),
    ),
    members,
    plan,
    autoIncrement: autoIncrementOf(info),
  });
}

function mapColumn(
  id: TableId,
  name: string,
  columnType: string,
  json: boolean,
  timeType: MysqlTimeType,
): Readonly<{ type: string; wire: Omit<MysqlWireColumn, 'name'> }> {
  try {
    const { type, wire, bits, geometry } = mapMysqlType(columnType, { json, timeType });
    return { type, wire: { wire, bits, geometry } };
  } catch (error) {
    const table = formatTableRef(id);
    throw replicatorError(
      'REPL_MYSQL_TYPE_UNSUPPORTED',
      `Column ${name} of ${table} has the type ${columnType}, which has no PostgreSQL mapping`,
      {
        details: { table, column: name, columnType },
        cause: error,
      },
    );
  }
}

function autoIncrementOf(info: MysqlTableInfo): MysqlAutoIncrement | null {
  const column = info.columns.find((candidate) => candidate.autoIncrement);
  return column === undefined || info.autoIncrement === null
    ? null
    : Object.freeze({ column: column.name, next: info.autoIncrement });
}

/** The primary key, else the first unique key (by name) over NOT NULL whole columns. */
function chooseKey(info: MysqlTableInfo): MysqlIndexInfo | undefined {
  const primary = info.indexes.find((index) => index.name === 'PRIMARY');
  if (primary !== undefined) return primary;
  const columns = new Map(info.columns.map((column) => [column.name, column]));
  return [...info.indexes]
    .filter(
      (index) =>
        index.unique &&
        index.parts.every((part) => {
          const column = part.column === null ? undefined : columns.get(part.column);
          return (
            column !== undefined && !column.nullable && !column.generated && part.subPart === null
          );
        }),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
}

function missingTable(id: TableId): Error {
  const table = formatTableRef(id);
  return replicatorError(
    'REPL_CONFIG_TABLE_NOT_FOUND',
    `The MySQL source has no base table ${table}`,
    { details: { table } },
  );
}

function keylessError(ids: readonly TableId[]): Error {
  const names = ids.map((id) => formatTableRef(id));
  return replicatorError(
    'REPL_MYSQL_KEYLESS_TABLE',
    `${names.length === 1 ? 'Table' : 'Tables'} ${names.join(', ')} of the MySQL source ${names.length === 1 ? 'has' : 'have'} no primary key and no unique key over NOT NULL columns, so changes cannot be matched to target rows`,
    {
      fix: `Add a primary key (ALTER TABLE … ADD PRIMARY KEY (…)) or a unique key over NOT NULL columns to ${names.length === 1 ? 'the table' : 'each table'}, or leave ${names.length === 1 ? 'it' : 'them'} out with --exclude-tables.`,
      details: { tables: names.join(', ') },
    },
  );
}
