/**
 * Applies one schema change (an `s` event, docs/architecture.md "Schema changes") to a target
 * table inside the batch's transaction. Every change is idempotent against the target's
 * catalog: a topic has several partitions and each carries a copy of the change, so the first
 * copy applied changes the table and the later ones find it changed already; a replay after a
 * restart does the same.
 */
import {
  formatTableRef,
  quoteIdent,
  quoteTable,
  replicatorError,
  type JsonValue,
  type SchemaChange,
  type SchemaChangeColumn,
  type TableId,
} from '@database-replicator/core';
import type pg from 'pg';
import { toPostgresText } from './pg-text.js';
import { readTargetTableShape, type TargetTableShape } from './target-table-shape.js';

/**
 * PostgreSQL type text as a source's type map writes it (`numeric(12,2)`, `text[]`,
 * `timestamp(6) without time zone`): it is spliced into DDL, so anything else is refused.
 */
const TYPE_TEXT =
  /^[a-z][a-z0-9_]*(?: [a-z][a-z0-9_]*)*(?:\(\d+(?:, ?\d+)?\))?(?: with(?:out)? time zone)?(?:\[\])*$/i;

/**
 * Applies `change` to `table`.
 *
 * @returns The table's shape after the change.
 * @throws ReplicatorError `REPL_WRITER_EVENT_INVALID` for a change the writer cannot apply (a
 *   `stop_table`, a malformed type); statement failures propagate to the transaction.
 */
export async function applySchemaChange(
  client: pg.ClientBase,
  table: TableId,
  change: SchemaChange,
): Promise<TargetTableShape> {
  const name = quoteTable(table);
  switch (change.kind) {
    case 'add_column':
      await addColumn(client, table, change.column, change.default);
      break;
    case 'drop_column':
      await client.query(
        ddl(`ALTER TABLE ${name} DROP COLUMN IF EXISTS ${quoteIdent(change.column)}`),
      );
      break;
    case 'rename_column':
      await renameColumn(client, table, change.column, change.new_name);
      break;
    case 'create_table':
      await createTable(client, table, change.columns, change.key_columns);
      break;
    case 'stop_table':
      throw invalid(table, `a stop_table change (${change.statement}) is not meant for the target`);
  }
  return readTargetTableShape(client, table);
}

async function addColumn(
  client: pg.ClientBase,
  table: TableId,
  column: SchemaChangeColumn,
  value: JsonValue,
): Promise<void> {
  const shape = await readTargetTableShape(client, table);
  if (shape.columns.has(column.name)) return;
  const name = quoteTable(table);
  const ident = quoteIdent(column.name);
  await client.query(ddl(`ALTER TABLE ${name} ADD COLUMN ${ident} ${typeText(table, column)}`));
  if (value !== null) {
    // The source filled its existing rows with the default; the target's rows get it here, as a
    // parameter cast to the column's type (a DEFAULT clause would need the value as SQL text).
    const added = (await readTargetTableShape(client, table)).columns.get(column.name);
    const text = added === undefined ? null : toPostgresText(value, added.kind);
    await client.query(`UPDATE ${name} SET ${ident} = $1::${typeText(table, column)}`, [text]);
  }
  if (!column.nullable) {
    await client.query(ddl(`ALTER TABLE ${name} ALTER COLUMN ${ident} SET NOT NULL`));
  }
}

async function renameColumn(
  client: pg.ClientBase,
  table: TableId,
  column: string,
  newName: string,
): Promise<void> {
  const shape = await readTargetTableShape(client, table);
  if (!shape.columns.has(column) || shape.columns.has(newName)) return;
  await client.query(
    ddl(
      `ALTER TABLE ${quoteTable(table)} RENAME COLUMN ${quoteIdent(column)} TO ${quoteIdent(newName)}`,
    ),
  );
}

async function createTable(
  client: pg.ClientBase,
  table: TableId,
  columns: readonly SchemaChangeColumn[],
  keyColumns: readonly string[],
): Promise<void> {
  const list = columns.map(
    (column) =>
      `${quoteIdent(column.name)} ${typeText(table, column)}${column.nullable ? '' : ' NOT NULL'}`,
  );
  const key = keyColumns.map(quoteIdent).join(', ');
  await client.query(
    ddl(
      `CREATE TABLE IF NOT EXISTS ${quoteTable(table)} (${list.join(', ')}, PRIMARY KEY (${key}))`,
    ),
  );
}

function typeText(table: TableId, column: SchemaChangeColumn): string {
  if (!TYPE_TEXT.test(column.type)) {
    throw invalid(
      table,
      `column ${column.name} has the type text '${column.type}', which is not a PostgreSQL type name`,
    );
  }
  return column.type;
}

/** One statement only: the extended protocol refuses a second one. */
function ddl(text: string): pg.QueryConfig {
  // `queryMode` is known to pg but not to its types.
  const config = { text, queryMode: 'extended' };
  return config;
}

function invalid(table: TableId, reason: string): Error {
  const name = formatTableRef(table);
  return replicatorError('REPL_WRITER_EVENT_INVALID', `schema change of ${name}: ${reason}`, {
    details: { table: name },
  });
}
