/**
 * `validate`: checks every prerequisite of replicating --source into --target and prints one
 * row per check (status, what was found, the fix), or the report as JSON with --json. Exits 0
 * when no check failed (warnings allowed) and 1 when one did; an unreachable server is a failed
 * check, not an error.
 */
import { replicatorError } from '@database-replicator/core';
import { validatePostgres, type ValidationReport } from '@database-replicator/postgres';
import { requireEndpoints } from '../endpoints.js';
import { EXIT, type CommandHandler } from '../command-context.js';
import { renderJson, renderTable } from '../output.js';

export const runValidate: CommandHandler = async ({ config, io, logger }) => {
  const { source, target } = requireEndpoints(config, 'validate');
  if (source.kind !== 'postgres') {
    throw replicatorError(
      'REPL_NOT_IMPLEMENTED',
      `validate supports PostgreSQL sources so far, not ${source.kind} (${source.redactedUrl})`,
      { fix: 'Use a postgresql:// source, or follow the project issues for other sources.' },
    );
  }
  const report = await validatePostgres({
    sourceUrl: source.url,
    targetUrl: target.url,
    filters: config.filters,
    logger,
  });
  io.stdout(config.json ? renderJson(report) : renderReport(report));
  return report.ok ? EXIT.ok : EXIT.checkFailed;
};

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
