/**
 * The publication of one database. It is created BEFORE the slot: pgoutput decodes with the
 * catalog as of each change, so a publication created after the slot would not exist for the
 * changes in between and the walsender would fail or skip them.
 *
 * Row filters (PostgreSQL 15+) may only read replica-identity columns, or every UPDATE and
 * DELETE of the table fails on the source. The publication is therefore created, checked and,
 * with `fixIdentity`, the tables switched to REPLICA IDENTITY FULL, all in one transaction:
 * nobody sees the publication before the tables can take it, and a refusal rolls back to a
 * source exactly as it was.
 */
import {
  quoteIdent,
  quoteTable,
  formatTableRef,
  replicatorError,
  type Logger,
  type TableId,
} from '@database-replicator/core';
import type pg from 'pg';
import { rowFilterAttributeNumbers } from './row-filter-columns.js';

/** One table of the publication and its row filter, if any. */
export type PublicationTable = Readonly<{ id: TableId; predicate: string | undefined }>;

/** Options of {@link createNativePublication}. */
export type CreatePublicationOptions = Readonly<{
  name: string;
  database: string;
  tables: readonly PublicationTable[];
  /** server_version_num of the source. */
  versionNum: number;
  /** Switch tables whose filter reads non-identity columns to REPLICA IDENTITY FULL (-y). */
  fixIdentity: boolean;
  logger: Logger;
}>;

/**
 * (Re)creates the publication: an existing one of that name is dropped in the same transaction.
 *
 * @returns The tables switched to REPLICA IDENTITY FULL.
 * @throws ReplicatorError `REPL_NATIVE_ROW_FILTER_UNSUPPORTED` (source older than 15, or a filter
 *   PostgreSQL does not accept), `REPL_NATIVE_REPLICA_IDENTITY` (a filter reads non-identity
 *   columns and `fixIdentity` is false), `REPL_NATIVE_PUBLICATION_FAILED`.
 */
export async function createNativePublication(
  client: pg.ClientBase,
  options: CreatePublicationOptions,
): Promise<readonly TableId[]> {
  const filtered = options.tables.filter((t) => t.predicate !== undefined);
  if (filtered.length > 0 && options.versionNum < 150000) {
    throw replicatorError(
      'REPL_NATIVE_ROW_FILTER_UNSUPPORTED',
      `Database ${options.database}: row and time filters need a PostgreSQL 15 or later source (this one is ${options.versionNum}); filtered: ${filtered.map((t) => formatTableRef(t.id)).join(', ')}`,
      { details: { database: options.database } },
    );
  }
  await client.query('BEGIN');
  try {
    // ALTER TABLE ... REPLICA IDENTITY needs an exclusive lock; waiting behind a long transaction
    // would queue every query on the table behind us, so give up instead.
    await client.query("SET LOCAL lock_timeout = '30s'");
    await client.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(options.name)}`);
    await client.query(publicationSql(options)).catch((error: unknown) => {
      throw publicationError(options, filtered, error);
    });
    const uncovered = filtered.length === 0 ? [] : await uncoveredTables(client, options.name);
    if (uncovered.length > 0 && !options.fixIdentity) throw identityError(options, uncovered);
    for (const id of uncovered) {
      options.logger.warn(
        { table: formatTableRef(id) },
        'row filter reads columns outside the replica identity: setting REPLICA IDENTITY FULL',
      );
      await client.query(`ALTER TABLE ${quoteTable(id)} REPLICA IDENTITY FULL`);
    }
    await client.query('COMMIT');
    return Object.freeze(uncovered);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Drops the publication if it exists. */
export async function dropNativePublication(client: pg.ClientBase, name: string): Promise<void> {
  await client.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(name)}`);
}

function publicationSql(options: CreatePublicationOptions): string {
  const tables = options.tables.map(
    (t) => `${quoteTable(t.id)}${t.predicate === undefined ? '' : ` WHERE (${t.predicate})`}`,
  );
  // Partitions are published as their root, the table the target has (pg_dump restores the
  // partitions too, but rows must land where the copy put them).
  const withRoot = options.versionNum >= 130000 ? ' WITH (publish_via_partition_root = true)' : '';
  const forTables = tables.length === 0 ? '' : ` FOR TABLE ${tables.join(', ')}`;
  return `CREATE PUBLICATION ${quoteIdent(options.name)}${forTables}${withRoot}`;
}

type FilterRow = { root: string; schema: string; table: string; prqual: string };
type RelationRow = { schema: string; table: string; identity: string; columns: string[] };

const FILTERS_SQL = `
SELECT c.oid::int8 AS root, n.nspname AS schema, c.relname AS table, r.prqual::text AS prqual
  FROM pg_publication_rel r
  JOIN pg_publication p ON p.oid = r.prpubid
  JOIN pg_class c ON c.oid = r.prrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE p.pubname = $1 AND r.prqual IS NOT NULL`;

// The table and, for a partitioned table, every partition: each is checked on its own
// UPDATE/DELETE, against its own replica identity.
const RELATIONS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, c.relreplident AS identity,
       ARRAY(SELECT a.attname::text
               FROM pg_index i
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
              WHERE i.indexrelid = pg_get_replica_identity_index(c.oid)) AS columns
  FROM (SELECT $1::oid AS relid UNION SELECT relid FROM pg_partition_tree($1::oid)) AS t
  JOIN pg_class c ON c.oid = t.relid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')`;

const FILTER_COLUMNS_SQL = `
SELECT attname::text AS name FROM pg_attribute
 WHERE attrelid = $1::oid AND (attnum = ANY ($2::int2[]) OR 0 = ANY ($2::int2[])) AND attnum > 0
   AND NOT attisdropped`;

/** Tables (and partitions) whose row filter reads a column their replica identity lacks. */
async function uncoveredTables(client: pg.ClientBase, publication: string): Promise<TableId[]> {
  const uncovered: TableId[] = [];
  const { rows: filters } = await client.query<FilterRow>(FILTERS_SQL, [publication]);
  for (const filter of filters) {
    const attnums = rowFilterAttributeNumbers(filter.prqual);
    const { rows: named } = await client.query<{ name: string }>(FILTER_COLUMNS_SQL, [
      filter.root,
      attnums,
    ]);
    const needed = named.map((r) => r.name);
    const { rows: relations } = await client.query<RelationRow>(RELATIONS_SQL, [filter.root]);
    for (const relation of relations) {
      const covered =
        relation.identity === 'f' ||
        (relation.identity !== 'n' && needed.every((column) => relation.columns.includes(column)));
      if (!covered)
        uncovered.push(Object.freeze({ schema: relation.schema, table: relation.table }));
    }
  }
  return uncovered;
}

function identityError(options: CreatePublicationOptions, uncovered: readonly TableId[]) {
  const statements = uncovered.map((id) => `ALTER TABLE ${quoteTable(id)} REPLICA IDENTITY FULL;`);
  return replicatorError(
    'REPL_NATIVE_REPLICA_IDENTITY',
    `Database ${options.database}: the row filter of ${uncovered.map((id) => formatTableRef(id)).join(', ')} reads columns outside the replica identity, which would make every UPDATE and DELETE of the table fail on the source; the publication was not created and the tables were not changed`,
    {
      fix: `Run on the source: ${statements.join(' ')} Or run init again with -y to let it do that.`,
      details: { database: options.database, statements: statements.join(' ') },
    },
  );
}

function publicationError(
  options: CreatePublicationOptions,
  filtered: readonly PublicationTable[],
  error: unknown,
) {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : '';
  const reason = error instanceof Error ? error.message : String(error);
  const detail =
    typeof error === 'object' &&
    error !== null &&
    'detail' in error &&
    typeof error.detail === 'string'
      ? ` (${error.detail})`
      : '';
  if (filtered.length > 0 && (code === '42P17' || code === '0A000' || code === '42804')) {
    return replicatorError(
      'REPL_NATIVE_ROW_FILTER_UNSUPPORTED',
      `Database ${options.database}: PostgreSQL rejected a row filter: ${reason}${detail}; filters: ${filtered.map((t) => `${formatTableRef(t.id)}: ${t.predicate ?? ''}`).join('; ')}`,
      { details: { database: options.database }, cause: error },
    );
  }
  return replicatorError(
    'REPL_NATIVE_PUBLICATION_FAILED',
    `Database ${options.database}: CREATE PUBLICATION ${options.name} failed: ${reason}${detail}`,
    { details: { database: options.database, publication: options.name }, cause: error },
  );
}
