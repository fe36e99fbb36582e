/**
 * Rows of filtered tables (row and time filters). pg_dump cannot filter rows, so these tables
 * are dumped without data and their matching rows are written by us into files next to the
 * dump, read under the same exported snapshot as the dump: the copy and the slot still meet at
 * one point in time. Kept as files, they survive a crash and a resumed run restores them
 * without the source.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { quoteIdent, quoteTable, type TableId } from '@database-replicator/core';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/** One filtered table: what to copy and where its rows go. */
export type FilteredRows = Readonly<{
  table: TableId;
  /** Copied columns in order (generated columns left out: COPY FROM cannot write them). */
  columns: readonly string[];
  predicate: string;
  /** Absolute path of the COPY text file. */
  file: string;
}>;

// An exported snapshot name is hex digits and dashes (e.g. 00000003-0000001B-1); anything else
// would be a bug, and the name is spliced into SQL because SET TRANSACTION takes no parameter.
const SNAPSHOT_NAME = /^[0-9A-Fa-f-]+$/;

function columnList(columns: readonly string[]): string {
  return columns.map(quoteIdent).join(', ');
}

/**
 * Writes the matching rows of each table to its file, all under snapshot `snapshotName`, on
 * `client` (a regular session on the source database).
 *
 * @returns Rows written per table, in order.
 */
export async function copyFilteredRowsOut(
  client: pg.ClientBase,
  snapshotName: string,
  tables: readonly FilteredRows[],
  signal: AbortSignal,
): Promise<readonly number[]> {
  if (!SNAPSHOT_NAME.test(snapshotName))
    throw new Error(`unexpected snapshot name ${snapshotName}`);
  const counts: number[] = [];
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(`SET TRANSACTION SNAPSHOT '${snapshotName}'`);
    for (const table of tables) {
      signal.throwIfAborted();
      const stream = client.query(
        copyTo(
          `COPY (SELECT ${columnList(table.columns)} FROM ${quoteTable(table.table)} WHERE ${table.predicate}) TO STDOUT`,
        ),
      );
      await pipeline(stream, createWriteStream(table.file, { mode: 0o600 }), { signal });
      counts.push(stream.rowCount);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return Object.freeze(counts);
}

/**
 * Loads one table's file into the target with COPY FROM STDIN.
 *
 * @returns Rows loaded.
 */
export async function copyFilteredRowsIn(
  client: pg.ClientBase,
  table: TableId,
  columns: readonly string[],
  file: string,
  signal: AbortSignal,
): Promise<number> {
  const stream = client.query(
    copyFrom(`COPY ${quoteTable(table)} (${columnList(columns)}) FROM STDIN`),
  );
  await pipeline(createReadStream(file), stream, { signal });
  return stream.rowCount;
}
