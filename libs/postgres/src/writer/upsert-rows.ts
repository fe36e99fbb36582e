/**
 * Set-based writes of collapsed changes: upsert groups through a COPY-filled staging table and
 * one `INSERT … ON CONFLICT DO UPDATE`, deletes through one `DELETE … USING unnest(…)`.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  formatTableRef,
  quoteIdent,
  quoteTable,
  replicatorError,
  type ChangeRow,
} from '@database-replicator/core';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyTextField, toPostgresText } from './pg-text.js';
import type { UpsertGroup } from './plan-change-batch.js';
import type { TargetColumn, TargetTableShape } from './target-table-shape.js';

// Rows per chunk written to the COPY stream: bounds the size of one string in memory.
const COPY_CHUNK_ROWS = 500;

/**
 * Upserts one group of rows. Only the group's columns are written: a column the source did not
 * send (unchanged TOAST) keeps its stored value on conflict.
 *
 * @returns Rows written.
 */
export async function upsertRows(
  client: pg.ClientBase,
  shape: TargetTableShape,
  keyColumns: readonly string[],
  group: UpsertGroup,
  stagingName: string,
): Promise<number> {
  const columns = group.columns.map((name) => columnOf(shape, name));
  const list = group.columns.map(quoteIdent).join(', ');
  const staging = quoteIdent(stagingName);
  // CREATE TABLE AS keeps each column's type and typmod but no NOT NULL constraint, so a group
  // that leaves out a NOT NULL column still stages.
  await client.query(
    `CREATE TEMP TABLE ${staging} ON COMMIT DROP AS SELECT ${list} FROM ${quoteTable(shape.table)} WITH NO DATA`,
  );
  const copy = client.query(copyFrom(`COPY ${staging} (${list}) FROM STDIN`));
  await pipeline(Readable.from(copyChunks(columns, group.rows)), copy);
  const keys = new Set(keyColumns);
  const updated = group.columns.filter((name) => !keys.has(name)).map(quoteIdent);
  if (group.partial) return updateStored(client, shape, keyColumns, updated, staging);
  const onConflict =
    updated.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${updated.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}`;
  await client.query(
    `INSERT INTO ${quoteTable(shape.table)} (${list}) SELECT ${list} FROM ${staging}
       ON CONFLICT (${keyColumns.map(quoteIdent).join(', ')}) ${onConflict}`,
  );
  return group.rows.length;
}

/**
 * Rows missing unchanged columns update stored rows only: INSERT … ON CONFLICT checks NOT NULL
 * on the proposed row before it finds the conflict, and a row absent from the target cannot be
 * completed without the values the source left out.
 */
async function updateStored(
  client: pg.ClientBase,
  shape: TargetTableShape,
  keyColumns: readonly string[],
  updated: readonly string[],
  staging: string,
): Promise<number> {
  if (updated.length === 0) return 0;
  const match = keyColumns.map((name) => `t.${quoteIdent(name)} = s.${quoteIdent(name)}`);
  const result = await client.query(
    `UPDATE ${quoteTable(shape.table)} t SET ${updated.map((name) => `${name} = s.${name}`).join(', ')}
       FROM ${staging} s WHERE ${match.join(' AND ')}`,
  );
  return result.rowCount ?? 0;
}

function* copyChunks(columns: readonly TargetColumn[], rows: readonly ChangeRow[]) {
  for (let start = 0; start < rows.length; start += COPY_CHUNK_ROWS) {
    let chunk = '';
    const end = Math.min(rows.length, start + COPY_CHUNK_ROWS);
    for (let index = start; index < end; index += 1) {
      const row = rows[index] ?? {};
      // Concatenated field by field: this runs for every column of every row.
      let separator = '';
      for (const column of columns) {
        chunk += separator + copyTextField(toPostgresText(row[column.name] ?? null, column.kind));
        separator = '\t';
      }
      chunk += '\n';
    }
    yield chunk;
  }
}

/**
 * Deletes the rows with the given keys.
 *
 * @returns Rows deleted (keys already absent count nothing).
 */
export async function deleteKeys(
  client: pg.ClientBase,
  shape: TargetTableShape,
  keyColumns: readonly string[],
  keys: readonly ChangeRow[],
): Promise<number> {
  if (keys.length === 0) return 0;
  const columns = keyColumns.map((name) => columnOf(shape, name));
  // One text array per key column; each element is cast to the column's type in SQL.
  const arrays = columns.map((column) =>
    keys.map((key) => toPostgresText(key[column.name] ?? null, column.kind)),
  );
  const aliases = columns.map((_, index) => `k${index}`);
  const unnest = columns.map((_, index) => `$${index + 1}::text[]`).join(', ');
  const match = columns
    .map((column, index) => `t.${quoteIdent(column.name)} = k.${aliases[index]}::${column.type}`)
    .join(' AND ');
  const result = await client.query(
    `DELETE FROM ${quoteTable(shape.table)} t USING unnest(${unnest}) AS k(${aliases.join(', ')}) WHERE ${match}`,
    arrays,
  );
  return result.rowCount ?? 0;
}

/**
 * The target column `name`.
 *
 * @throws ReplicatorError `REPL_WRITER_TARGET_TABLE_INVALID` if the table lacks it or it is
 *   generated.
 */
export function columnOf(shape: TargetTableShape, name: string): TargetColumn {
  const column = shape.columns.get(name);
  if (column === undefined || column.generated) {
    const table = formatTableRef(shape.table);
    throw replicatorError(
      'REPL_WRITER_TARGET_TABLE_INVALID',
      column === undefined
        ? `target table ${table} has no column ${name}, which the change events carry`
        : `column ${name} of target table ${table} is generated and cannot be written`,
      { details: { table, column: name } },
    );
  }
  return column;
}
