/**
 * `validate` for a PostgreSQL source and target: connect to both (a refused or rejected
 * connection becomes a failed connectivity row, not an exception), read the facts, select the
 * tables with the run's filters exactly as init does, judge, and close both sessions.
 */
import {
  isReplicatorError,
  planTables,
  replicatorError,
  type Logger,
  type ReplicatorConfig,
  type Secret,
} from '@database-replicator/core';
import { connectPostgres, hostOf, type PostgresClient } from '../connection.js';
import { listTables } from '../introspect.js';
import { evaluateValidation } from './evaluate-validation.js';
import { gatherServerFacts } from './gather-server-facts.js';
import { gatherTableFacts } from './gather-table-facts.js';
import type { ValidationReport } from './validation-check.js';
import type {
  PostgresServerFacts,
  ReachedServer,
  SourceTableFacts,
  UnreachableServer,
} from './validation-facts.js';

/** Options of {@link validatePostgres}. */
export type ValidatePostgresOptions = Readonly<{
  sourceUrl: Secret;
  targetUrl: Secret;
  /** The run's table selection and row filters (config.filters). */
  filters: ReplicatorConfig['filters'];
  logger: Logger;
  /** Connect timeout per server in milliseconds. Default 10000. */
  connectTimeoutMs?: number;
}>;

type Session = { client: PostgresClient; where: string } | UnreachableServer;

/**
 * Checks every prerequisite of replicating `sourceUrl` into `targetUrl` and reports each as a
 * row (see ValidationReport). Never throws for a failed prerequisite, including a server that
 * cannot be reached.
 *
 * @throws ReplicatorError `REPL_CONFIG_TABLE_NOT_FOUND` when a filter names a table the source
 *   does not have; `REPL_VALIDATE_QUERY_FAILED` when a connected server fails a query.
 */
export async function validatePostgres(
  options: ValidatePostgresOptions,
): Promise<ValidationReport> {
  const logger = options.logger.child({ component: 'validate' });
  // allSettled, so that a session that opened is closed even when the other side threw.
  const [sourceOpen, targetOpen] = await Promise.allSettled([
    openSession(options.sourceUrl, 'source', options, logger),
    openSession(options.targetUrl, 'target', options, logger),
  ]);
  const opened = [sourceOpen, targetOpen].flatMap((s) =>
    s.status === 'fulfilled' && 'client' in s.value ? [s.value.client] : [],
  );
  try {
    const source = valueOf(sourceOpen);
    const target = valueOf(targetOpen);
    const [sourceFacts, targetFacts] = await Promise.all([
      readSide(source, logger),
      readSide(target, logger),
    ]);
    const tables =
      'client' in source && sourceFacts.reached
        ? await readTables(source.client, sourceFacts.server, options.filters)
        : null;
    return evaluateValidation({ source: sourceFacts, target: targetFacts, tables });
  } finally {
    await Promise.all(opened.map((client) => client.close()));
  }
}

function valueOf<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

async function openSession(
  url: Secret,
  side: 'source' | 'target',
  options: ValidatePostgresOptions,
  logger: Logger,
): Promise<Session> {
  const where = hostOf(url);
  try {
    const client = await connectPostgres(url, {
      applicationName: 'database-replicator validate',
      logger,
      ...(options.connectTimeoutMs === undefined
        ? {}
        : { connectTimeoutMs: options.connectTimeoutMs }),
    });
    return { client, where };
  } catch (error) {
    if (
      !isReplicatorError(error, 'REPL_CONNECT_FAILED') &&
      !isReplicatorError(error, 'REPL_AUTH_FAILED')
    ) {
      throw error;
    }
    logger.info({ host: where, side, code: error.code }, 'cannot connect');
    return Object.freeze({ reached: false, where, message: error.message, fix: error.fix });
  }
}

async function readSide(
  session: Session,
  logger: Logger,
): Promise<ReachedServer | UnreachableServer> {
  if (!('client' in session)) return session;
  const server = await queried(session.where, () =>
    gatherServerFacts(session.client, session.where, logger),
  );
  return Object.freeze({ reached: true, server });
}

async function readTables(
  client: PostgresClient,
  server: PostgresServerFacts,
  filters: ReplicatorConfig['filters'],
): Promise<readonly SourceTableFacts[]> {
  const tables = await queried(server.where, () => listTables(client));
  // The database is set on each id so that selectors naming another database
  // ([databases.other] in the config file) neither match nor go missing here.
  const plans = planTables(
    tables.map((t) => ({ database: server.database, schema: t.id.schema, table: t.id.table })),
    filters,
    { database: server.database, schema: 'public' },
  );
  return queried(server.where, () => gatherTableFacts(client, plans));
}

/** Runs a read and wraps a server error with where it happened. */
async function queried<T>(where: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError(
      'REPL_VALIDATE_QUERY_FAILED',
      `validate could not read from PostgreSQL at ${where}: ${reason}`,
      { details: { host: where }, cause: error },
    );
  }
}
