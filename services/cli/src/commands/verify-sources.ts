/**
 * The tables `verify` compares, per source kind: PostgreSQL sources through libs/postgres's
 * same-engine checksummers, MySQL/MariaDB through libs/source-mysql's canonical checksummers
 * against libs/postgres's canonical target side; plus, for `--repair`, where rows are read from
 * and how the source is named in repair events.
 */
import {
  formatTableRef,
  replicatorError,
  type Logger,
  type ReplicatorConfig,
  type TableId,
  type TableSelector,
} from '@database-replicator/core';
import type {
  RepairSource,
  ReplicationProgress,
  VerifyTableInput,
} from '@database-replicator/pipeline';
import {
  createClientPool,
  databaseOf,
  openCanonicalTarget,
  openPostgresRepairSource,
  openPostgresVerify,
} from '@database-replicator/postgres';
import {
  findBinlogProgress,
  openMysqlVerify,
  type MysqlVerifyTable,
} from '@database-replicator/source-mysql';

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
  tables: readonly TableSelector[] | undefined;
  connections: number;
  logger: Logger;
}>;

/**
 * Opens the run for the source's kind.
 *
 * @throws ReplicatorError `REPL_NOT_IMPLEMENTED` for a source kind verify does not support yet;
 *   otherwise what the engines' openers throw.
 */
export async function openVerifyRun(options: VerifyRunOptions): Promise<VerifyRun> {
  switch (options.source.kind) {
    case 'postgres':
      return openPostgresRun(options);
    case 'mysql':
      return openMysqlRun(options);
    default:
      throw replicatorError(
        'REPL_NOT_IMPLEMENTED',
        `verify does not support ${options.source.kind} sources yet (${options.source.redactedUrl})`,
        { fix: 'Use a postgresql:// or mysql:// source; other sources follow (issue 7).' },
      );
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

async function openMysqlRun(options: VerifyRunOptions): Promise<VerifyRun> {
  const source = await openMysqlVerify({
    url: options.source.url,
    filters: options.filters,
    ...(options.tables === undefined ? {} : { tables: options.tables }),
    connections: options.connections,
    logger: options.logger,
  });
  let target;
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
  // A pipeline applying this source's binlog into the target: mismatches wait for it.
  const progressPool = createClientPool(options.target.url, { size: 1, logger: options.logger });
  const closeAll = async () => {
    await Promise.all([source.close(), opened.close(), progressPool.close()]);
  };
  let progress: ReplicationProgress | null;
  try {
    progress = await findBinlogProgress(() => source.position(), progressPool, options.logger);
  } catch (error) {
    await closeAll();
    throw error;
  }
  const inputs = source.tables.map((table) => mysqlInput(table, opened.describe(table)));
  return Object.freeze({
    inputs,
    ids: new Map(source.tables.map((t) => [t.table, t.id])),
    progress,
    repairSource: () => Promise.resolve(source),
    close: closeAll,
  });
}

function mysqlInput(
  table: MysqlVerifyTable,
  side: ReturnType<Awaited<ReturnType<typeof openCanonicalTarget>>['describe']>,
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
  return { ...base, notes, target: side.checksummer };
}
