/**
 * A source library for the CLI, through the runtime (which wires every source kind), loaded only
 * by a run whose source is of that kind: a PostgreSQL run never loads the MySQL, SQLite or
 * MongoDB drivers.
 */
import type { SourceKind } from '@database-replicator/core';
import type { SourceLibraries } from '@database-replicator/runtime';
import { loadModule } from './load-module.js';

/**
 * The exports of `kind`'s source library.
 *
 * @throws ReplicatorError `REPL_MODULE_LOAD_FAILED` when it or its driver cannot be loaded.
 */
export async function sourceLibrary<K extends SourceKind>(kind: K): Promise<SourceLibraries[K]> {
  const { loadSourceLibrary } = await loadModule(
    'the runtime library (@database-replicator/runtime)',
    () => import('@database-replicator/runtime'),
  );
  return loadSourceLibrary(kind);
}
