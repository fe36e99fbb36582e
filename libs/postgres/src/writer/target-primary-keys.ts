/**
 * Which columns key a target table, as the loader asks for every table it meets: the primary key
 * in the catalog, or, while a job defers it (jobs/deferred-primary-key.ts), the key the job
 * recorded. Snapshot pages need no more than that; a change does (its upsert names the key in
 * ON CONFLICT), so {@link TargetPrimaryKeys.ensureBuilt} builds a deferred key first.
 */
import type { TableId } from '@database-replicator/core';
import type pg from 'pg';
import { buildDeferredPrimaryKey, readTargetKey } from '../jobs/deferred-primary-key.js';
import { inTransaction } from '../jobs/job-database.js';

/** Key columns of target tables, cached for the life of one loader connection. */
export class TargetPrimaryKeys {
  readonly #keys = new Map<string, readonly string[]>();
  readonly #deferred = new Set<string>();

  /**
   * The key columns of `table` in key order; `undefined` when the table does not exist or has
   * no key (asked again next time, so a table created later is picked up).
   */
  async columnsOf(client: pg.ClientBase, table: TableId): Promise<readonly string[] | undefined> {
    const id = idOf(table);
    const cached = this.#keys.get(id);
    if (cached !== undefined) return cached;
    const key = await readTargetKey(client, table);
    if (key === undefined) return undefined;
    if (key.deferred) this.#deferred.add(id);
    this.#keys.set(id, key.columns);
    return key.columns;
  }

  /** Builds the deferred primary keys of `tables`, each in a transaction of its own. */
  async ensureBuilt(client: pg.ClientBase, tables: readonly TableId[]): Promise<void> {
    for (const table of tables) {
      const id = idOf(table);
      if (!this.#deferred.has(id)) continue;
      await inTransaction(client, () => buildDeferredPrimaryKey(client, table));
      this.#deferred.delete(id);
    }
  }
}

// Asked for every message: a plain key, not the quoted name, finds the cached answer.
function idOf(table: TableId): string {
  return `${table.database ?? ''}\u0000${table.schema}\u0000${table.table}`;
}
