/**
 * The dump of one database under the slot's exported snapshot: pg_dump (directory format,
 * parallel) and, at the same time, the rows of filtered tables, both reading the same snapshot.
 * If either fails the other is stopped.
 */
import { connectPostgres } from '../connection.js';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger, Secret } from '@database-replicator/core';
import { runClientTool } from './client-tool.js';
import type { DumpSelection } from './dump-selection.js';
import { copyFilteredRowsOut, type FilteredRows } from './filtered-rows.js';
import { buildDumpArguments } from './tool-arguments.js';

/** Options of {@link dumpDatabase}. */
export type DumpDatabaseOptions = Readonly<{
  source: Secret;
  database: string;
  snapshotName: string;
  /** pg_dump's output directory (must not exist). */
  directory: string;
  /** Directory for the filtered rows' files. */
  filteredDir: string;
  selection: DumpSelection;
  jobs: number;
  applicationName: string;
  logger: Logger;
  signal: AbortSignal;
}>;

/** What was dumped: the dump's size and the filtered tables' files with their row counts. */
export type DumpResult = Readonly<{
  bytes: number;
  filtered: readonly (FilteredRows & Readonly<{ rows: number }>)[];
}>;

/** Dumps the database; see the module comment. */
export async function dumpDatabase(options: DumpDatabaseOptions): Promise<DumpResult> {
  await mkdir(options.filteredDir, { recursive: true, mode: 0o700 });
  const files: FilteredRows[] = options.selection.filtered.map((table, index) =>
    Object.freeze({ ...table, file: join(options.filteredDir, `${index}.copy`) }),
  );
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  const fail = (error: unknown): never => {
    stop.abort(error);
    throw error;
  };
  const dump = runClientTool({
    program: 'pg_dump',
    args: buildDumpArguments({
      directory: options.directory,
      jobs: options.jobs,
      snapshot: options.snapshotName,
      excludeTables: options.selection.excludeTables,
      excludeTableData: options.selection.excludeTableData,
    }),
    url: options.source,
    database: options.database,
    applicationName: options.applicationName,
    step: 'dump',
    logger: options.logger,
    signal,
  }).catch(fail);
  const rows = copyFiltered(options, files, signal).catch(fail);
  const [, counts] = await Promise.all([dump, rows]);
  return Object.freeze({
    bytes: await directorySize(options.directory),
    filtered: Object.freeze(files.map((f, i) => Object.freeze({ ...f, rows: counts[i] ?? 0 }))),
  });
}

async function copyFiltered(
  options: DumpDatabaseOptions,
  files: readonly FilteredRows[],
  signal: AbortSignal,
): Promise<readonly number[]> {
  if (files.length === 0) return [];
  const client = await connectPostgres(options.source, {
    database: options.database,
    applicationName: options.applicationName,
    logger: options.logger,
  });
  try {
    return await copyFilteredRowsOut(client, options.snapshotName, files, signal);
  } finally {
    await client.close();
  }
}

async function directorySize(directory: string): Promise<number> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  let total = 0;
  for (const entry of entries) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}
