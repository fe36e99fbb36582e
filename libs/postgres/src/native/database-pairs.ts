/**
 * Which source databases a run replicates, and into which target database each goes. The
 * source URL's database goes into the target URL's database; every other database the filters
 * name (a `db.schema.table` selector, or a `[databases.<db>]` section of the config file) goes
 * into the same-named database on the target server.
 */
import {
  replicatorError,
  type ReplicatorConfig,
  type TableSelector,
} from '@database-replicator/core';

/** One source database and the target database it is replicated into. */
export type NativeDatabasePair = Readonly<{ source: string; target: string }>;

/**
 * The database pairs of a run, the URL's pair first, then the others by name.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` when a named database would land in the target
 *   URL's database, which already receives the source URL's database.
 * @param sourceDatabase - The source URL's database.
 * @param targetDatabase - The target URL's database.
 */
export function databasePairs(
  sourceDatabase: string,
  targetDatabase: string,
  filters: ReplicatorConfig['filters'],
): readonly NativeDatabasePair[] {
  const selectors: readonly TableSelector[] = [
    ...(filters.includeTables ?? []),
    ...(filters.excludeTables ?? []),
    ...filters.schemaOnlyTables,
    ...filters.tableFilters.map((f) => f.table),
    ...filters.timeFilters.map((f) => f.table),
  ];
  const named = new Set<string>();
  for (const selector of selectors) {
    if (selector.database !== undefined && selector.database !== sourceDatabase)
      named.add(selector.database);
  }
  if (named.has(targetDatabase)) {
    throw replicatorError(
      'REPL_CONFIG_INVALID',
      `The filters name source database ${targetDatabase}, which would be replicated into target database ${targetDatabase}; that database already receives source database ${sourceDatabase} (the target URL's database)`,
      {
        fix: "Point the target URL at a database named like the source URL's, or run the databases in separate init runs.",
        details: { database: targetDatabase },
      },
    );
  }
  const others = [...named].sort().map((name) => Object.freeze({ source: name, target: name }));
  return Object.freeze([
    Object.freeze({ source: sourceDatabase, target: targetDatabase }),
    ...others,
  ]);
}
