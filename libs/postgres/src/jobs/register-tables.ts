/**
 * Registering a job's source and tables: the target tables are created (columns only; their
 * primary key and secondary indexes wait for the snapshot, see deferred-primary-key.ts) and each
 * table gets its `job_tables` row. A table registered again keeps its phase and progress; its
 * key, estimate and pending index DDL are refreshed. Schema-only tables have no rows to copy, so
 * they are created with their key and start `snapshot_done` with their indexes built at once.
 * A table that already exists on the target is left as it is.
 */
import { quoteIdent, quoteTable, tableKey } from '@database-replicator/core';
import type pg from 'pg';
import { inTransaction, singleStatement } from './job-database.js';
import { targetDdlFailed } from './job-errors.js';
import { JOB_TABLES_TABLE, JOBS_TABLE, REGISTER_LOCK_KEY } from './job-schema.js';
import type { JobSourceName, JobSourceTable } from './job-types.js';

/** Creates the job's row if missing; the statement every write of a job starts with. */
export async function ensureJob(client: pg.ClientBase, jobId: string): Promise<void> {
  await client.query(
    `INSERT INTO ${quoteTable(JOBS_TABLE)} (job_id) VALUES ($1) ON CONFLICT (job_id) DO NOTHING`,
    [jobId],
  );
}

/**
 * Records (or renames) the job's source.
 *
 * @returns The job's incarnation on this target (sql/000006.sql): made with its row, kept after.
 */
export async function registerJob(
  client: pg.ClientBase,
  jobId: string,
  source: JobSourceName,
): Promise<string> {
  const { rows } = await client.query<{ incarnation: string }>(
    `INSERT INTO ${quoteTable(JOBS_TABLE)} (job_id, source_kind, source_name) VALUES ($1, $2, $3)
     ON CONFLICT (job_id) DO UPDATE
       SET source_kind = EXCLUDED.source_kind, source_name = EXCLUDED.source_name, updated_at = now()
     RETURNING incarnation`,
    [jobId, source.kind, source.name],
  );
  const [row] = rows;
  if (row === undefined) throw new Error('INSERT … RETURNING returned no row');
  return row.incarnation;
}

/** Registers `tables` in one transaction (see the module comment). */
export async function registerTables(
  client: pg.ClientBase,
  jobId: string,
  tables: readonly JobSourceTable[],
): Promise<void> {
  await inTransaction(client, async () => {
    // Held to COMMIT: concurrent registrations of the same tables run one after the other.
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [REGISTER_LOCK_KEY]);
    await ensureJob(client, jobId);
    for (const schema of new Set(tables.map((table) => table.id.schema))) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    }
    const created = new Set<string>();
    for (const table of tables) {
      if (await createTable(client, jobId, table)) created.add(tableKey(table.id));
    }
    const inserted = await upsertJobTables(client, jobId, tables, created);
    for (const table of tables) {
      if (table.schemaOnly && inserted.has(tableKey(table.id))) {
        await runIndexes(client, jobId, table);
      }
    }
  });
}

/** Runs the table's secondary index DDL (trusted text from the source lib). */
export async function runIndexes(
  client: pg.ClientBase,
  jobId: string,
  table: Readonly<{ id: JobSourceTable['id']; indexes: readonly string[] }>,
): Promise<void> {
  for (const statement of table.indexes) {
    try {
      await client.query('SAVEPOINT dr_index');
      await client.query(singleStatement(statement));
      await client.query('RELEASE SAVEPOINT dr_index');
    } catch (error) {
      // The index exists: a snapshot started over (restartSnapshot) keeps the first one's.
      if (isDuplicateRelation(error)) {
        await client.query('ROLLBACK TO SAVEPOINT dr_index');
        continue;
      }
      throw targetDdlFailed(error, {
        action: (name) => `creating an index on ${name}`,
        table: table.id,
        jobId,
        statement,
        fix: 'Read the server message: a unique index fails on duplicate rows, a missing operator class or extension must be installed on the target first; then run the job again (the snapshot of the table is kept).',
      });
    }
  }
}

function isDuplicateRelation(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === '42P07';
}

/** True when a table to be copied was created without its key (see deferred-primary-key.ts). */
function defersPrimaryKey(table: JobSourceTable): boolean {
  return !table.schemaOnly;
}

// Column types are DDL text the source lib produced from the source's catalog, hence not quoted;
// names are identifiers and always are. @returns whether the table was created.
async function createTable(
  client: pg.ClientBase,
  jobId: string,
  table: JobSourceTable,
): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS found',
    [quoteTable(table.id)],
  );
  if (rows[0]?.found === true) return false;
  const columns = table.columns.map(
    (column) => `${quoteIdent(column.name)} ${column.type}${column.nullable ? '' : ' NOT NULL'}`,
  );
  if (!defersPrimaryKey(table)) {
    columns.push(`PRIMARY KEY (${table.keyColumns.map(quoteIdent).join(', ')})`);
  }
  const sql = `CREATE TABLE ${quoteTable(table.id)} (${columns.join(', ')})`;
  try {
    await client.query(singleStatement(sql));
    return true;
  } catch (error) {
    throw targetDdlFailed(error, {
      action: (name) => `creating target table ${name}`,
      table: table.id,
      jobId,
      fix: 'Read the server message: a column type the source maps to may need an extension on the target, and the role needs CREATE on the database; then run the job again.',
    });
  }
}

/**
 * Inserts or refreshes every table's row in one statement; a table in `created` now waits for its
 * primary key. @returns the newly inserted tables.
 */
async function upsertJobTables(
  client: pg.ClientBase,
  jobId: string,
  tables: readonly JobSourceTable[],
  created: ReadonlySet<string>,
): Promise<Set<string>> {
  const rows = tables.map((table) => ({
    primary_key_deferred: created.has(tableKey(table.id)) && defersPrimaryKey(table),
    schema_name: table.id.schema,
    table_name: table.id.table,
    key_columns: table.keyColumns,
    estimated_rows: Math.max(0, Math.round(table.estimatedRows)),
    phase: table.schemaOnly ? 'snapshot_done' : 'pending',
    indexes: table.indexes,
  }));
  // xmax = 0 only on a freshly inserted row version, which tells inserts from updates.
  const { rows: written } = await client.query<{
    schema: string;
    table: string;
    inserted: boolean;
  }>(
    `INSERT INTO ${quoteTable(JOB_TABLES_TABLE)}
       (job_id, schema_name, table_name, key_columns, estimated_rows, phase, indexes,
        primary_key_deferred)
     SELECT $1, r.schema_name, r.table_name, r.key_columns, r.estimated_rows, r.phase, r.indexes,
            r.primary_key_deferred
       FROM jsonb_to_recordset($2::jsonb) AS r(schema_name text, table_name text,
            key_columns text[], estimated_rows bigint, phase text, indexes text[],
            primary_key_deferred boolean)
     ON CONFLICT (job_id, schema_name, table_name) DO UPDATE
       SET key_columns = EXCLUDED.key_columns, estimated_rows = EXCLUDED.estimated_rows,
           indexes = EXCLUDED.indexes,
           primary_key_deferred = job_tables.primary_key_deferred
             OR EXCLUDED.primary_key_deferred,
           updated_at = now()
     RETURNING schema_name AS schema, table_name AS table, (xmax = 0) AS inserted`,
    [jobId, JSON.stringify(rows)],
  );
  return new Set(written.filter((row) => row.inserted).map((row) => tableKey(row)));
}
