/**
 * Wiring of a PostgreSQL → PostgreSQL verify run: which tables (the run's filters, narrowed by
 * `--tables`), what each side of each table looks like, and the checksummers and replication
 * progress the generic verifier (libs/pipeline) drives. Opens one small pool per side; the
 * caller closes the session when the run is over.
 */
import {
  formatTableRef,
  planTables,
  replicatorError,
  resolveTableSelector,
  type Logger,
  type ReplicatorConfig,
  type Secret,
  type TableDefaults,
  type TablePlan,
  type TableId,
  type TableSelector,
} from '@database-replicator/core';
import { databaseOf } from '../connection.js';
import { listTables } from '../introspect.js';
import { createClientPool, type PostgresClientPool } from './client-pool.js';
import { createPostgresChecksummer, type PostgresChecksummer } from './postgres-checksummer.js';
import type { KeyColumn, RowFilter } from './range-sql.js';
import {
  findReplicationProgress,
  type PostgresReplicationProgress,
} from './subscription-progress.js';
import {
  columnsOf,
  comparedColumns,
  primaryKeyOf,
  readTableColumns,
  type ColumnShape,
  type TableColumns,
} from './table-columns.js';
import { verifyQueryFailed } from './verify-query-failed.js';

/** Options of {@link openPostgresVerify}. */
export type PostgresVerifyOptions = Readonly<{
  source: Secret;
  target: Secret;
  /** The run's table selection and row filters; filtered rows are compared on both sides. */
  filters: ReplicatorConfig['filters'];
  /** Verify only these (`--tables`); each must be among the selected tables. Default: all selected. */
  tables?: readonly TableSelector[];
  /** Connections per side for range queries (use the verifier's concurrency). Default 4. */
  connections?: number;
  logger?: Logger;
}>;

/** One table as libs/pipeline's VerifyTableInput expects it (matched structurally). */
export type PostgresVerifyTable = Readonly<{
  /** The table's id on both sides (for repair). */
  id: TableId;
  table: string;
  keyColumns: readonly string[];
  source: PostgresChecksummer;
  /** Null when the target has no such table. */
  target: PostgresChecksummer | null;
  blocked?: Readonly<{ status: 'skipped' | 'schema-different'; note: string }>;
  notes?: readonly string[];
}>;

/** An open verify run; see {@link openPostgresVerify}. */
export type PostgresVerifySession = Readonly<{
  tables: readonly PostgresVerifyTable[];
  /** The native subscriptions replicating into the target; null when none. */
  progress: PostgresReplicationProgress | null;
  /** Closes both pools. Never throws. */
  close(): Promise<void>;
}>;

type Sides = Readonly<{
  source: PostgresClientPool;
  target: PostgresClientPool;
  sourceColumns: TableColumns;
  targetColumns: TableColumns;
}>;

/**
 * Connects to both sides and describes every table to verify.
 *
 * @throws ReplicatorError `REPL_CONNECT_FAILED` / `REPL_AUTH_FAILED` (a side unreachable),
 *   `REPL_CONFIG_TABLE_NOT_FOUND` (a filter or `--tables` names a table the source lacks),
 *   `REPL_VERIFY_QUERY_FAILED` (a catalog query failed).
 */
export async function openPostgresVerify(
  options: PostgresVerifyOptions,
): Promise<PostgresVerifySession> {
  const logger = options.logger?.child({ component: 'verify' });
  const size = Math.max(1, options.connections ?? 4);
  const pool = (url: Secret, extra: number) =>
    createClientPool(url, { size: size + extra, ...(logger === undefined ? {} : { logger }) });
  // One more on the source: the key-boundary planner runs beside the range queries.
  const source = pool(options.source, 1);
  const target = pool(options.target, 0);
  const close = async () => {
    await Promise.all([source.close(), target.close()]);
  };
  try {
    const selected = await selectTables(source, options);
    const sides: Sides = {
      source,
      target,
      sourceColumns: await catalog(source, 'source', () => readTableColumns(source)),
      targetColumns: await catalog(target, 'target', () => readTableColumns(target)),
    };
    const tables: PostgresVerifyTable[] = [];
    for (const plan of selected) {
      const cutoffs = await timeCutoffs(source, plan);
      tables.push(describeTable(sides, plan, cutoffs));
    }
    const progress = await findReplicationProgress(source, target, logger);
    return Object.freeze({ tables: Object.freeze(tables), progress, close });
  } catch (error) {
    await close();
    throw error;
  }
}

async function catalog<T>(
  pool: PostgresClientPool,
  side: 'source' | 'target',
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw verifyQueryFailed({ what: 'read the catalogs', side, where: pool.where }, error);
  }
}

async function selectTables(
  source: PostgresClientPool,
  options: PostgresVerifyOptions,
): Promise<readonly TablePlan[]> {
  const [infos, schema] = await catalog(source, 'source', () =>
    source.use(async (client) => {
      const { rows } = await client.query<{ schema: string | null }>(
        'SELECT current_schema() AS schema',
      );
      return [await listTables(client), rows[0]?.schema ?? 'public'] as const;
    }),
  );
  const defaults: TableDefaults = { schema, database: databaseOf(options.source) };
  const plans = planTables(
    infos.map((info) => info.id),
    options.filters,
    defaults,
  );
  return narrowToSelected(plans, options.tables, defaults);
}

function narrowToSelected(
  plans: readonly TablePlan[],
  selectors: readonly TableSelector[] | undefined,
  defaults: TableDefaults,
): readonly TablePlan[] {
  if (selectors === undefined) return plans;
  const chosen = selectors.map((selector) => {
    const wanted = resolveTableSelector(selector, defaults);
    const plan = plans.find(
      (p) =>
        p.id.schema === wanted.schema &&
        p.id.table === wanted.table &&
        (wanted.database === undefined || wanted.database === defaults.database),
    );
    if (plan === undefined) {
      const name = formatTableRef(wanted);
      throw replicatorError(
        'REPL_CONFIG_TABLE_NOT_FOUND',
        `--tables names table ${name}, which the source does not have or the filters leave out`,
        {
          fix: 'Correct the name in --tables ([schema.]table), or include the table in the filters.',
          details: { configKey: 'tables', table: name },
        },
      );
    }
    return plan;
  });
  return plans.filter((plan) => chosen.includes(plan));
}

/** One cutoff per time filter, computed once on the source so both sides use the same. */
async function timeCutoffs(source: PostgresClientPool, plan: TablePlan): Promise<RowFilter> {
  const cutoffs = [];
  for (const filter of plan.timeFilters) {
    const { rows } = await catalog(source, 'source', () =>
      source.query<{ cutoff: string }>('SELECT (now() - $1::interval)::text AS cutoff', [
        `${filter.last.amount} ${filter.last.unit}`,
      ]),
    );
    cutoffs.push(Object.freeze({ column: filter.column, cutoff: rows[0]?.cutoff ?? '' }));
  }
  return Object.freeze({ predicates: plan.rowFilters, cutoffs: Object.freeze(cutoffs) });
}

function keyColumns(
  names: readonly string[],
  sourceShape: readonly ColumnShape[],
  targetShape: readonly ColumnShape[],
): { source: KeyColumn[]; target: KeyColumn[] } {
  const source: KeyColumn[] = [];
  const target: KeyColumn[] = [];
  for (const name of names) {
    const s = sourceShape.find((c) => c.name === name);
    const t = targetShape.find((c) => c.name === name) ?? s;
    if (s === undefined || t === undefined) continue;
    const byteOrder = s.collation !== t.collation;
    source.push(Object.freeze({ name, type: s.type, byteOrder }));
    target.push(Object.freeze({ name, type: t.type, byteOrder }));
  }
  return { source, target };
}

function describeTable(sides: Sides, plan: TablePlan, filter: RowFilter): PostgresVerifyTable {
  const sourceShape = columnsOf(sides.sourceColumns, plan.id) ?? [];
  const targetShape = columnsOf(sides.targetColumns, plan.id);
  const columns = comparedColumns(sourceShape);
  const primaryKey = primaryKeyOf(sourceShape);
  const keys = keyColumns(primaryKey, sourceShape, targetShape ?? sourceShape);
  const notes: string[] = [];
  if (filter.predicates.length + filter.cutoffs.length > 0) {
    notes.push('only rows matching table_filters / time_filters compared');
  }
  const side = (which: 'source' | 'target', key: readonly KeyColumn[]) =>
    createPostgresChecksummer({
      pool: sides[which],
      side: which,
      table: plan.id,
      columns,
      key,
      filter,
    });
  const base = {
    id: plan.id,
    table: formatTableRef(plan.id),
    keyColumns: primaryKey,
    source: side('source', keys.source),
    notes,
  };
  if (plan.schemaOnly) {
    return {
      ...base,
      target: null,
      blocked: { status: 'skipped', note: 'schema only: rows not compared' },
    };
  }
  if (targetShape === undefined) return { ...base, target: null };
  const lacking = columns.filter((name) => !targetShape.some((c) => c.name === name));
  if (lacking.length > 0) {
    const note = `target lacks column(s) ${lacking.join(', ')}: rows not compared`;
    return { ...base, target: null, blocked: { status: 'schema-different', note } };
  }
  const unknown = targetShape.filter((c) => !c.generated && !columns.includes(c.name));
  if (unknown.length > 0) {
    notes.push(`target-only column(s) ${unknown.map((c) => c.name).join(', ')} not compared`);
  }
  if (keys.source.some((k) => k.byteOrder)) {
    notes.push('key collations differ between the sides: keys compared in byte order (slower)');
  }
  return { ...base, target: side('target', keys.target) };
}
