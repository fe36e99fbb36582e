/**
 * `validate`: checks every prerequisite of replicating --source into --target and prints one
 * row per check (status, what was found, the fix), or the report as JSON with --json. Exits 0
 * when no check failed (warnings allowed) and 1 when one did; an unreachable server is a failed
 * check, not an error. A PostgreSQL source is checked with its target; a MySQL/MariaDB source
 * gets the binlog and privilege checks of libs/source-mysql; a MongoDB source the version,
 * capture-mode and privilege checks of libs/source-mongodb.
 */
import {
  isReplicatorError,
  replicatorError,
  type ReplicatorConfig,
  type TableId,
  type TablePlan,
} from '@database-replicator/core';
import { validatePostgres, type ValidationReport } from '@database-replicator/postgres';
import { requireEndpoints } from '../endpoints.js';
import { sourceLibrary } from '../source-library.js';
import { EXIT, type CommandHandler } from '../command-context.js';
import { renderJson, renderTable } from '../output.js';

type SourceUrl = NonNullable<ReplicatorConfig['source']>['url'];

export const runValidate: CommandHandler = async ({ config, io, logger }) => {
  const { source, target } = requireEndpoints(config, 'validate');
  let report: ValidationReport;
  if (source.kind === 'postgres') {
    report = await validatePostgres({
      sourceUrl: source.url,
      targetUrl: target.url,
      filters: config.filters,
      logger,
    });
  } else if (source.kind === 'mysql') {
    const tables = await mysqlTables(source.url, config);
    const { validateMysql } = await sourceLibrary('mysql');
    report = await validateMysql(source.url, tables === undefined ? {} : { tables });
  } else if (source.kind === 'mongodb') {
    const { validateMongo } = await sourceLibrary('mongodb');
    report = await validateMongo(source.url, { filters: config.filters });
  } else {
    throw replicatorError(
      'REPL_NOT_IMPLEMENTED',
      `validate supports PostgreSQL, MySQL/MariaDB and MongoDB sources so far, not ${source.kind} (${source.redactedUrl})`,
      { fix: 'Use a postgresql://, mysql:// or mongodb:// source, or follow the project issues.' },
    );
  }
  io.stdout(config.json ? renderJson(report) : renderReport(report));
  return report.ok ? EXIT.ok : EXIT.checkFailed;
};

/**
 * The tables init would select, so privileges and retention are judged on those; undefined
 * (every table) without filters, or when the server cannot be listed, which validateMysql then
 * reports as its failed connection row.
 *
 * @throws ReplicatorError `REPL_CONFIG_TABLE_NOT_FOUND` when a filter names a missing table.
 */
async function mysqlTables(
  url: SourceUrl,
  config: ReplicatorConfig,
): Promise<readonly TableId[] | undefined> {
  const { filters } = config;
  if (filters.includeTables === undefined && filters.excludeTables === undefined) return undefined;
  const { planMysqlTables } = await sourceLibrary('mysql');
  let plan: readonly TablePlan[];
  try {
    plan = await planMysqlTables(url, filters);
  } catch (error) {
    // An unreachable source is validate's failed connection row; a filter naming a missing
    // table is the user's error.
    if (isReplicatorError(error) && error.code !== 'REPL_CONFIG_TABLE_NOT_FOUND') return undefined;
    throw error;
  }
  return plan.map((table) => table.id);
}

function renderReport(report: ValidationReport): string {
  const rows = report.checks.map((c) => [c.title, c.status, c.detail, c.fix ?? '']);
  return `${renderTable(['check', 'status', 'detail', 'fix'], rows)}\n${summary(report)}\n`;
}

function summary(report: ValidationReport): string {
  const count = (status: string) => report.checks.filter((c) => c.status === status).length;
  const [failed, warned, skipped] = [count('fail'), count('warn'), count('skipped')];
  const parts = [
    `${count('ok')} ok`,
    ...(warned > 0 ? [`${warned} warning${warned === 1 ? '' : 's'}`] : []),
    ...(failed > 0 ? [`${failed} failed`] : []),
    ...(skipped > 0 ? [`${skipped} not run`] : []),
  ].join(', ');
  return report.ok
    ? `validate: ${parts}; ready to replicate${warned > 0 ? ' (read the warnings)' : ''}`
    : `validate: ${parts}; fix the failed checks and run validate again`;
}
