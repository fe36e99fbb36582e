/**
 * Brings the target's `_replicator` schema up to date from the numbered SQL files shipped in
 * `libs/postgres/sql/` (`000001.sql`, `000002.sql`, …). A run holds one session advisory lock
 * from its first file to its last, and each file runs in its own transaction and is recorded in
 * `_replicator.migrations`: migrators starting at once (the loaders of `init --jobs N`) take
 * turns, the first applies every missing file in order and the others find them recorded, and
 * re-running is a no-op. One lock per file would also run each file once and in order, but
 * would let a second migrator take over between two files of the first (a run seeing a schema
 * another run is halfway through) and cost every migrator a lock wait per file.
 */
import { readdir, readFile } from 'node:fs/promises';
import { quoteTable, replicatorError } from '@database-replicator/core';
import type pg from 'pg';
import { MIGRATION_LOCK_KEY, MIGRATIONS_TABLE } from './replicator-schema.js';

/** Outcome of {@link migrateReplicatorSchema}. */
export type MigrationResult = Readonly<{
  /** Ids of the files this call applied, ascending; empty when the schema was up to date. */
  applied: readonly number[];
  /** Id of the newest migration now in the database. */
  latest: number;
}>;

/** Options of {@link migrateReplicatorSchema}. */
export type MigrateOptions = Readonly<{
  /** Directory of the numbered files. Default: the package's `sql/` directory. */
  sqlDirectory?: URL;
}>;

type MigrationFile = Readonly<{ id: number; name: string; sql: string }>;

const FILE_NAME = /^(\d{6})\.sql$/;

// Resolved from this module: dist/writer/migrate.js (and src/writer/migrate.ts) → ../../sql/.
const DEFAULT_SQL_DIRECTORY = new URL('../../sql/', import.meta.url);

/**
 * Applies every migration file not yet recorded in `_replicator.migrations`, in id order.
 * `client` must not be inside a transaction.
 *
 * @throws ReplicatorError `REPL_WRITER_MIGRATION_FAILED` naming the file when a file cannot be
 *   read or a statement fails (that file's transaction is rolled back; earlier files stay).
 */
export async function migrateReplicatorSchema(
  client: pg.ClientBase,
  options: MigrateOptions = {},
): Promise<MigrationResult> {
  const files = await readMigrationFiles(options.sqlDirectory ?? DEFAULT_SQL_DIRECTORY);
  const applied: number[] = [];
  // A session lock, held across the files' transactions: a concurrent migrator waits here for
  // the whole run, then finds every file recorded.
  await lockMigrations(client);
  try {
    for (const file of files) {
      if (await applyMigration(client, file)) applied.push(file.id);
    }
  } finally {
    // A lost connection released the lock with its session.
    await client
      .query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
  }
  return Object.freeze({ applied: Object.freeze(applied), latest: files.at(-1)?.id ?? 0 });
}

async function lockMigrations(client: pg.ClientBase): Promise<void> {
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError(
      'REPL_WRITER_MIGRATION_FAILED',
      `cannot take the _replicator migration lock: ${reason}`,
      { cause: error },
    );
  }
}

async function readMigrationFiles(directory: URL): Promise<MigrationFile[]> {
  try {
    const names = (await readdir(directory)).filter((name) => FILE_NAME.test(name)).sort();
    return await Promise.all(
      names.map(async (name) => ({
        id: Number.parseInt(name.slice(0, 6), 10),
        name,
        sql: await readFile(new URL(name, directory), 'utf8'),
      })),
    );
  } catch (error) {
    throw replicatorError(
      'REPL_WRITER_MIGRATION_FAILED',
      `cannot read the _replicator migration files in ${directory.pathname}`,
      {
        fix: 'Reinstall @database-replicator/postgres: its sql/ directory is missing or unreadable.',
        cause: error,
      },
    );
  }
}

/**
 * Runs one file in its own transaction unless already recorded; true if it ran. The caller holds
 * the migration lock.
 */
async function applyMigration(client: pg.ClientBase, file: MigrationFile): Promise<boolean> {
  await client.query('BEGIN');
  try {
    const done = await isRecorded(client, file.id);
    if (!done) {
      await client.query(file.sql);
      await client.query(
        `INSERT INTO ${quoteTable(MIGRATIONS_TABLE)} (id, name, applied_at) VALUES ($1, $2, now())`,
        [file.id, file.name],
      );
    }
    await client.query('COMMIT');
    return !done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError(
      'REPL_WRITER_MIGRATION_FAILED',
      `applying _replicator migration ${file.name} failed: ${reason}`,
      { details: { migration: file.name }, cause: error },
    );
  }
}

async function isRecorded(client: pg.ClientBase, id: number): Promise<boolean> {
  // Before 000001.sql has run, the table recording migrations does not exist yet.
  const { rows } = await client.query<{ present: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS present',
    [quoteTable(MIGRATIONS_TABLE)],
  );
  if (rows[0]?.present !== true) return false;
  const recorded = await client.query(
    `SELECT 1 FROM ${quoteTable(MIGRATIONS_TABLE)} WHERE id = $1`,
    [id],
  );
  return recorded.rowCount === 1;
}
