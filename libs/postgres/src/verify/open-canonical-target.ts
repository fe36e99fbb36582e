/**
 * The PostgreSQL target of a cross-engine verify run (MySQL, SQLite → PostgreSQL): one small pool,
 * the target's catalog read once, and for each source table a checksummer hashing the canonical
 * row text of canonical-sql.ts (a digest per range, a hash per row), so that the source engine
 * can compute the same hashes itself.
 */
import { type Logger, type Secret, type TableId } from '@database-replicator/core';
import type { CanonicalColumn } from './canonical-sql.js';
import { createClientPool } from './client-pool.js';
import { createPostgresChecksummer, type PostgresChecksummer } from './postgres-checksummer.js';
import type { KeyColumn } from './range-sql.js';
import { columnsOf, readTableColumns, type TableColumns } from './table-columns.js';
import { verifyQueryFailed } from './verify-query-failed.js';

/** A source table as the target side needs it. */
export type CanonicalTargetTable = Readonly<{
  id: TableId;
  /** Compared columns in the source's order, with how each is rendered. */
  columns: readonly CanonicalColumn[];
  /** Key columns in key order; `text` keys are ordered bytewise on both sides. */
  key: readonly Readonly<{ name: string; text: boolean }>[];
}>;

/** The target side of one table; see {@link CanonicalTarget.describe}. */
export type CanonicalTargetSide =
  | Readonly<{ kind: 'missing' }>
  | Readonly<{ kind: 'lacking'; columns: readonly string[] }>
  | Readonly<{ kind: 'ready'; checksummer: PostgresChecksummer; extraColumns: readonly string[] }>;

/** An open target; close it when the run is over. */
export type CanonicalTarget = Readonly<{
  /** `host:port/database`, for messages. */
  where: string;
  /** The checksummer of `table`, or why there is none. */
  describe(table: CanonicalTargetTable): CanonicalTargetSide;
  /** Closes the pool. Never throws. */
  close(): Promise<void>;
}>;

/** Options of {@link openCanonicalTarget}. */
export type CanonicalTargetOptions = Readonly<{
  target: Secret;
  /** Connections for range queries (the verifier's concurrency). Default 4. */
  connections?: number;
  logger?: Logger;
}>;

/**
 * Connects to the target and reads its catalog.
 *
 * @throws ReplicatorError `REPL_CONNECT_FAILED` / `REPL_AUTH_FAILED` (target unreachable),
 *   `REPL_VERIFY_QUERY_FAILED` (the catalog query failed).
 */
export async function openCanonicalTarget(
  options: CanonicalTargetOptions,
): Promise<CanonicalTarget> {
  const pool = createClientPool(options.target, {
    size: Math.max(1, options.connections ?? 4),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  let catalog: TableColumns;
  try {
    catalog = await readTableColumns(pool);
  } catch (error) {
    await pool.close();
    throw verifyQueryFailed(
      { what: 'read the catalogs', side: 'target', where: pool.where },
      error,
    );
  }
  return Object.freeze({
    where: pool.where,
    close: () => pool.close(),
    describe(table: CanonicalTargetTable): CanonicalTargetSide {
      const shape = columnsOf(catalog, table.id);
      if (shape === undefined) return { kind: 'missing' };
      const has = (name: string) => shape.some((c) => c.name === name);
      const lacking = table.columns.map((c) => c.name).filter((name) => !has(name));
      if (lacking.length > 0) return { kind: 'lacking', columns: lacking };
      const key: KeyColumn[] = table.key.map((k) => ({
        name: k.name,
        type: shape.find((c) => c.name === k.name)?.type ?? 'text',
        byteOrder: k.text,
      }));
      const compared = new Set(table.columns.map((c) => c.name));
      const checksummer = createPostgresChecksummer({
        pool,
        side: 'target',
        table: table.id,
        columns: table.columns.map((c) => c.name),
        key,
        filter: { predicates: [], cutoffs: [] },
        canonical: table.columns,
      });
      const extraColumns = shape.filter((c) => !c.generated && !compared.has(c.name));
      return { kind: 'ready', checksummer, extraColumns: extraColumns.map((c) => c.name) };
    },
  });
}
