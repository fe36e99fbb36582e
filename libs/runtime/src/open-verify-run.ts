/**
 * The tables a verify run (CLI `verify`, services/verifier) compares, per source kind: PostgreSQL sources through libs/postgres's
 * same-engine checksummers; MySQL/MariaDB and SQLite through their libs' canonical checksummers
 * against libs/postgres's canonical target side; MongoDB through its lib's checksummer against
 * the summed target side (summed-target-checksummer.ts); plus, for `--repair`, where rows are
 * read from and how the source is named in repair events. PostgreSQL (native subscriptions),
 * MySQL/MariaDB and SQLite with the changelog (a pipeline job's checkpoints and stored positions,
 * libs/postgres applied-progress.ts) know how far a running replication has got; SQLite in
 * refresh mode and MongoDB runs have no progress, so a difference is reported as read
 * (docs/verify.md, "While a refresh or the changelog is running"). A kind's source library
 * loads only when a run of that kind opens (load-source-library.ts): a PostgreSQL verify never
 * loads the MySQL, SQLite or MongoDB drivers.
 */
import {
  formatTableRef,
  type Logger,
  type ReplicatorConfig,
  type TableId,
  type TableSelector,
} from '@database-replicator/core';
import type {
  RepairSource,
  ReplicationProgress,
  TableChecksummer,
  VerifyTableInput,
} from '@database-replicator/pipeline';
import {
  createClientPool,
  databaseOf,
  findAppliedProgress,
  openCanonicalTarget,
  openPostgresRepairSource,
  openPostgresVerify,
  type CanonicalTarget,
  type CanonicalTargetSide,
  type CanonicalTargetTable,
  type PostgresClientPool,
} from '@database-replicator/postgres';
import { EMBEDDED_PIPELINE_APPLICATION_NAME } from './constants.js';
import { loadSourceLibrary } from './load-source-library.js';
import { pipelineJobNames } from './pipeline-job.js';
import {
  createSummedTargetChecksummer,
  type SummedTargetTable,
} from './summed-target-checksummer.js';

type Endpoint = NonNullable<ReplicatorConfig['source']>;

/** What a verify run works on; close it when done. */
export type VerifyRun = Readonly<{
  inputs: readonly VerifyTableInput[];
  /** Table ids by report name, for repair. */
  ids: ReadonlyMap<string, TableId>;
  progress: ReplicationProgress | null;
  /** Opens the source side of repair (closed with the run). */
  repairSource(): Promise<RepairSource>;
  close(): Promise<void>;
}>;

/** Options of {@link openVerifyRun}. */
export type VerifyRunOptions = Readonly<{
  source: Endpoint;
  target: NonNullable<ReplicatorConfig['target']>;
  filters: ReplicatorConfig['filters'];
  tables?: readonly TableSelector[] | undefined;
  connections: number;
  logger: Logger;
}>;

/**
 * Opens the run for the source's kind.
 *
 * @throws ReplicatorError what the engines' openers throw; `REPL_MODULE_LOAD_FAILED` when the
 *   source kind's library or driver cannot be loaded.
 */
export async function openVerifyRun(options: VerifyRunOptions): Promise<VerifyRun> {
  switch (options.source.kind) {
    case 'postgres':
      return openPostgresRun(options);
    case 'mysql':
      return openMysqlRun(options);
    case 'sqlite':
      return openSqliteRun(options);
    case 'mongodb':
      return openMongoRun(options);
  }
}

async function openPostgresRun(options: VerifyRunOptions): Promise<VerifyRun> {
  const session = await openPostgresVerify({
    source: options.source.url,
    target: options.target.url,
    filters: options.filters,
    ...(options.tables === undefined ? {} : { tables: options.tables }),
    connections: options.connections,
    logger: options.logger,
  });
  const closers: (() => Promise<void>)[] = [() => session.close()];
  const ids = new Map(session.tables.map((table) => [table.table, table.id]));
  return Object.freeze({
    inputs: session.tables,
    ids,
    progress: session.progress,
    async repairSource(): Promise<RepairSource> {
      const reader = await openPostgresRepairSource(options.source.url);
      closers.push(() => reader.close());
      return {
        connector: 'postgresql',
        name: databaseOf(options.source.url),
        database: databaseOf(options.source.url),
        position: () => reader.position(),
        readRows: (table, keyColumns, keys) => reader.readRows(table, keyColumns, keys),
      };
    },
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  });
}

/** A table of a canonical source session (MySQL, SQLite, MongoDB), as its lib describes it. */
type CanonicalSourceTable = CanonicalTargetTable &
  Readonly<{
    /** The report name. */
    table: string;
    keyColumns: readonly string[];
    source: TableChecksummer;
    blocked?: Readonly<{ status: 'skipped'; note: string }>;
    notes: readonly string[];
  }>;

/** A canonical source session: its tables, the repair reads, and `close`. */
type CanonicalSourceSession = RepairSource &
  Readonly<{ tables: readonly CanonicalSourceTable[]; close(): Promise<void> }>;

/** A table of a source hashing ranges as sums of row hashes; keys carry their target type. */
type SummedSourceTable = Omit<CanonicalSourceTable, 'key'> & SummedTargetTable;

/**
 * How the target side of a canonical run hashes a range: as the canonical target does (MySQL,
 * SQLite), or as the sum of its canonical row hashes (MongoDB, whose side orders `_id`s in
 * memory and cannot feed a digest in key order; summed-target-checksummer.ts), the canonical
 * target then only checking that the table and its columns exist.
 */
type CanonicalRunMode =
  | Readonly<{
      kind: 'canonical';
      /** Gets a one-connection target pool; without it the run has no progress. */
      findProgress?: (pool: PostgresClientPool) => Promise<ReplicationProgress | null>;
    }>
  | Readonly<{ kind: 'summed'; tables: readonly SummedSourceTable[] }>;

/** The run of a canonical source session against the target; see {@link CanonicalRunMode}. */
async function openCanonicalRun(
  options: VerifyRunOptions,
  source: CanonicalSourceSession,
  mode: CanonicalRunMode,
): Promise<VerifyRun> {
  let target: CanonicalTarget;
  try {
    target = await openCanonicalTarget({
      target: options.target.url,
      connections: options.connections,
      logger: options.logger,
    });
  } catch (error) {
    await source.close();
    throw error;
  }
  const opened = target;
  const findProgress = mode.kind === 'canonical' ? mode.findProgress : undefined;
  // Summed tables: the run's own pool; the canonical target's serves its catalog read only.
  const pool =
    findProgress !== undefined || mode.kind === 'summed'
      ? createClientPool(options.target.url, {
          size: mode.kind === 'summed' ? options.connections : 1,
          logger: options.logger,
        })
      : undefined;
  const closeAll = async () => {
    await Promise.all([source.close(), opened.close(), pool?.close()]);
  };
  let progress: ReplicationProgress | null = null;
  try {
    if (findProgress !== undefined && pool !== undefined) progress = await findProgress(pool);
  } catch (error) {
    await closeAll();
    throw error;
  }
  const summed = new Map<CanonicalSourceTable, TableChecksummer>(
    mode.kind === 'summed' && pool !== undefined
      ? mode.tables.map((table) => [table, createSummedTargetChecksummer(pool, table)])
      : [],
  );
  const inputs = source.tables.map((table) =>
    canonicalInput(table, opened.describe(table), summed.get(table)),
  );
  return Object.freeze({
    inputs,
    ids: new Map(source.tables.map((t) => [t.table, t.id])),
    progress,
    repairSource: () => Promise.resolve(source),
    close: closeAll,
  });
}

async function openMysqlRun(options: VerifyRunOptions): Promise<VerifyRun> {
  const { findBinlogProgress, openMysqlVerify } = await loadSourceLibrary('mysql');
  const source = await openMysqlVerify({
    url: options.source.url,
    filters: options.filters,
    ...(options.tables === undefined ? {} : { tables: options.tables }),
    connections: options.connections,
    logger: options.logger,
  });
  // A pipeline applying this source's binlog into the target: mismatches wait for it.
  return openCanonicalRun(options, source, {
    kind: 'canonical',
    findProgress: (pool) =>
      findBinlogProgress(() => source.position(), pool, options.logger, pipelineOf(options)),
  });
}

/** The job `sync` runs for this source and target, and its session's name on the target. */
function pipelineOf(
  options: VerifyRunOptions,
): Readonly<{ jobId: string; embeddedPipelineApplicationName: string }> {
  return {
    jobId: pipelineJobNames({ source: options.source, target: options.target }).jobId,
    embeddedPipelineApplicationName: EMBEDDED_PIPELINE_APPLICATION_NAME,
  };
}

async function openSqliteRun(options: VerifyRunOptions): Promise<VerifyRun> {
  const { openSqliteVerify } = await loadSourceLibrary('sqlite');
  const source = await openSqliteVerify({
    url: options.source.url,
    filters: options.filters,
    ...(options.tables === undefined ? {} : { tables: options.tables }),
    logger: options.logger,
  });
  // Refresh mode has no position of a change to wait for (docs/verify.md).
  if (!source.changelog) return openCanonicalRun(options, source, { kind: 'canonical' });
  // A pipeline applying this file's changelog into the target: mismatches wait for it.
  return openCanonicalRun(options, source, {
    kind: 'canonical',
    findProgress: (pool) =>
      findAppliedProgress({
        readSourcePosition: () => source.position(),
        target: pool,
        logger: options.logger,
        ...pipelineOf(options),
      }),
  });
}

async function openMongoRun(options: VerifyRunOptions): Promise<VerifyRun> {
  const { openMongoVerify } = await loadSourceLibrary('mongodb');
  const source = await openMongoVerify({
    url: options.source.url,
    filters: options.filters,
    ...(options.tables === undefined ? {} : { tables: options.tables }),
    logger: options.logger,
  });
  return openCanonicalRun(options, source, { kind: 'summed', tables: source.tables });
}

/** The verifier's input of `table`; `summed` replaces the canonical target's checksummer. */
function canonicalInput(
  table: CanonicalSourceTable,
  side: CanonicalTargetSide,
  summed: TableChecksummer | undefined,
): VerifyTableInput {
  const base = {
    table: table.table,
    keyColumns: table.keyColumns,
    source: table.source,
    notes: table.notes,
  };
  if (table.blocked !== undefined) return { ...base, target: null, blocked: table.blocked };
  if (side.kind === 'missing') return { ...base, target: null };
  if (side.kind === 'lacking') {
    const note = `target lacks column(s) ${side.columns.join(', ')} of ${formatTableRef(table.id)}: rows not compared`;
    return { ...base, target: null, blocked: { status: 'schema-different', note } };
  }
  const notes =
    side.extraColumns.length > 0
      ? [...table.notes, `target-only column(s) ${side.extraColumns.join(', ')} not compared`]
      : table.notes;
  return { ...base, notes, target: summed ?? side.checksummer };
}
