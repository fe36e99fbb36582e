/**
 * The selected tables of a PostgreSQL source described for the target (`SourceTable`), with the
 * key every event, partition and target row is keyed by. The key is what pgoutput sends for
 * deletes and key changes: the replica identity index when REPLICA IDENTITY USING INDEX, else the
 * primary key. A table without one cannot be replicated through the pipeline and is refused here,
 * before anything is created on the source.
 */
import {
  formatTableRef,
  quoteTable,
  replicatorError,
  tableKey,
  type TableId,
  type TablePlan,
} from '@database-replicator/core';
import {
  listTables,
  readTableDefinitions,
  type PostgresTableDefinition,
  type PostgresTableInfo,
} from '@database-replicator/postgres';
import type { SourceTable } from '@database-replicator/pipeline';
import type pg from 'pg';

/** Described tables and, per table (`tableKey`), each column's type OID. */
export type DescribedTables = Readonly<{
  tables: readonly SourceTable[];
  typeOids: ReadonlyMap<string, ReadonlyMap<string, number>>;
}>;

/**
 * Describes the planned tables of the database `client` is connected to (outside a transaction).
 *
 * @throws ReplicatorError `REPL_CONFIG_TABLE_NOT_FOUND` for a planned table that no longer
 *   exists, `REPL_SOURCE_KEYLESS_TABLE` naming every table without a usable key.
 */
export async function describePostgresTables(
  client: pg.ClientBase,
  database: string,
  plan: readonly TablePlan[],
): Promise<DescribedTables> {
  const ids = plan.map((entry) =>
    Object.freeze({ schema: entry.id.schema, table: entry.id.table }),
  );
  const infos = new Map((await listTables(client)).map((info) => [tableKey(info.id), info]));
  const definitions = new Map(
    (await readTableDefinitions(client, ids)).map((definition) => [
      tableKey(definition.id),
      definition,
    ]),
  );
  const tables: SourceTable[] = [];
  const typeOids = new Map<string, ReadonlyMap<string, number>>();
  const keyless: TableId[] = [];
  plan.forEach((entry, index) => {
    const id = ids[index] ?? entry.id;
    const info = infos.get(tableKey(id));
    const definition = definitions.get(tableKey(id));
    if (info === undefined || definition === undefined) throw missingTable(database, id);
    const keyColumns = keyColumnsOf(info, definition);
    if (keyColumns === undefined) {
      keyless.push(id);
      return;
    }
    tables.push(sourceTable(id, entry, info, definition, keyColumns));
    typeOids.set(
      tableKey(id),
      new Map(definition.columns.map((column) => [column.name, column.typeOid])),
    );
  });
  if (keyless.length > 0) throw keylessError(database, keyless);
  return Object.freeze({ tables: Object.freeze(tables), typeOids });
}

function sourceTable(
  id: TableId,
  entry: TablePlan,
  info: PostgresTableInfo,
  definition: PostgresTableDefinition,
  keyColumns: readonly string[],
): SourceTable {
  return Object.freeze({
    id,
    keyColumns: Object.freeze([...keyColumns]),
    columns: Object.freeze(
      definition.columns.map((column) =>
        Object.freeze({ name: column.name, type: column.type, nullable: column.nullable }),
      ),
    ),
    indexes: definition.indexes,
    // reltuples is -1 for a table never vacuumed or analysed: unknown, shown as 0.
    estimatedRows: Math.max(0, Math.round(info.estimatedRows)),
    schemaOnly: entry.schemaOnly,
  });
}

function keyColumnsOf(
  info: PostgresTableInfo,
  definition: PostgresTableDefinition,
): readonly string[] | undefined {
  switch (info.replicaIdentity) {
    case 'nothing':
      return undefined;
    case 'index':
      return definition.replicaIdentityColumns.length > 0
        ? definition.replicaIdentityColumns
        : undefined;
    case 'default':
    case 'full':
      return info.primaryKey.length > 0 ? info.primaryKey : undefined;
  }
}

function missingTable(database: string, id: TableId) {
  const name = formatTableRef(id);
  return replicatorError(
    'REPL_CONFIG_TABLE_NOT_FOUND',
    `Database ${database} has no table ${name} any more; it was dropped after the tables were planned`,
    { fix: 'Plan the tables again (restart the run).', details: { database, table: name } },
  );
}

function keylessError(database: string, keyless: readonly TableId[]) {
  const names = keyless.map((id) => formatTableRef(id));
  const example = keyless[0] === undefined ? '<table>' : quoteTable(keyless[0]);
  return replicatorError(
    'REPL_SOURCE_KEYLESS_TABLE',
    `Database ${database}: ${names.join(', ')} ha${names.length === 1 ? 's' : 've'} no primary key and no REPLICA IDENTITY USING INDEX (or REPLICA IDENTITY NOTHING), so the pipeline cannot key their changes`,
    {
      fix: `Add a primary key, or run ALTER TABLE ${example} REPLICA IDENTITY USING INDEX <unique index on NOT NULL columns>, or leave the tables out with --exclude-tables.`,
      details: { database, tables: names.join(', ') },
    },
  );
}
