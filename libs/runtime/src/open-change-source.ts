/**
 * The `ChangeSource` of a run's configured source kind, with the configured filters applied.
 * This is the one place that knows every source library; the pipeline and the loader know none.
 * Only the configured kind's library is loaded (load-source-library.ts).
 */
import os from 'node:os';
import path from 'node:path';
import {
  planTable,
  planTables,
  replicatorError,
  type Logger,
  type ReplicatorConfig,
  type TableId,
} from '@database-replicator/core';
import type { ChangeSource } from '@database-replicator/pipeline';
import { connectPostgres, databaseOf, listTables } from '@database-replicator/postgres';
import { loadSourceLibrary } from './load-source-library.js';
import type { PipelineJobNames } from './pipeline-job.js';

type SourceUrl = NonNullable<ReplicatorConfig['source']>['url'];

/** What {@link openChangeSource} reads of the configuration. */
export type ChangeSourceConfig = Pick<ReplicatorConfig, 'source' | 'filters' | 'yes'>;

/**
 * Opens the configured source for the job `names`.
 *
 * @throws ReplicatorError `REPL_CLI_USAGE` without a source, connection and
 *   `REPL_CONFIG_TABLE_NOT_FOUND` errors.
 */
export async function openChangeSource(
  config: ChangeSourceConfig,
  names: PipelineJobNames,
  logger: Logger,
): Promise<ChangeSource> {
  const { source } = config;
  if (source === undefined) {
    throw replicatorError('REPL_CLI_USAGE', 'No source database given', {
      fix: 'Pass --source or set DR_SOURCE_URL.',
    });
  }
  switch (source.kind) {
    case 'postgres':
      return openPostgres(config, source.url, names, logger);
    case 'mysql':
      return openMysql(config, source.url, logger);
    case 'sqlite': {
      const { createSqliteSource } = await loadSourceLibrary('sqlite');
      return createSqliteSource({
        url: source.url,
        name: 'sqlite',
        filters: config.filters,
        // Used in refresh mode only (a read-only file): one directory per job, reset at its start.
        refreshStateDir: path.join(
          os.tmpdir(),
          'database-replicator',
          'sqlite-refresh',
          names.jobId,
        ),
        logger,
      });
    }
    case 'mongodb': {
      const { createMongoSource, parseMongoUrl } = await loadSourceLibrary('mongodb');
      return createMongoSource({
        url: source.url,
        name: parseMongoUrl(source.url).database ?? 'mongodb',
        filters: config.filters,
        // One directory per job: a job's start resets it (libs/source-mongodb README, "Refresh mode").
        refreshStateDir: path.join(
          os.tmpdir(),
          'database-replicator',
          'mongodb-refresh',
          names.jobId,
        ),
        logger,
      });
    }
  }
}

async function openMysql(
  config: ChangeSourceConfig,
  url: SourceUrl,
  logger: Logger,
): Promise<ChangeSource> {
  const { createMysqlSource, mysqlEndpoint, planMysqlTables } = await loadSourceLibrary('mysql');
  const plan = await planMysqlTables(url, config.filters);
  const database = mysqlEndpoint(url).database;
  // A table created while streaming is replicated when the same filters select it.
  const includeNewTable = (id: TableId) =>
    planTable(id, config.filters, { schema: database ?? '' });
  return createMysqlSource({
    url,
    name: database ?? 'mysql',
    tables: plan,
    includeNewTable,
    logger,
  });
}

async function openPostgres(
  config: ChangeSourceConfig,
  url: SourceUrl,
  names: PipelineJobNames,
  logger: Logger,
): Promise<ChangeSource> {
  const { createPostgresSource } = await loadSourceLibrary('postgres');
  const database = databaseOf(url);
  const client = await connectPostgres(url, { logger });
  let plan;
  try {
    const tables = await listTables(client);
    plan = planTables(
      tables.map((table) => table.id),
      config.filters,
      { schema: 'public', database },
    );
  } finally {
    await client.close();
  }
  return createPostgresSource({
    url,
    name: database,
    tables: plan,
    slotName: names.replicationName,
    publicationName: names.replicationName,
    fixReplicaIdentity: config.yes,
    logger,
  });
}
