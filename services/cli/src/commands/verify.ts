/**
 * `verify`: compares source and target table by table with key-range checksums (libs/pipeline)
 * over the PostgreSQL checksummers (libs/postgres), and prints one row per table followed by
 * the differing keys, or the whole report with --json. Exits 0 when every table matches, 1 when
 * any differs, 3 when verification itself failed.
 */
import { parseTableListFlag, replicatorError } from '@database-replicator/core';
import {
  verifyTables,
  type KeyObject,
  type TableVerifyResult,
  type VerifyReport,
} from '@database-replicator/pipeline';
import { openPostgresVerify } from '@database-replicator/postgres';
import { requireEndpoints } from '../endpoints.js';
import { EXIT, type CommandHandler } from '../command-context.js';
import { renderJson, renderTable } from '../output.js';

/** Differing keys listed per table in the text output (--json lists up to the verifier's cap). */
const KEYS_SHOWN = 20;

export const runVerify: CommandHandler = async ({ config, line, io, logger, signal }) => {
  if (line.values.repair === true) {
    throw replicatorError('REPL_NOT_IMPLEMENTED', 'verify --repair is not implemented yet', {
      fix: 'Run verify without --repair; re-copying mismatching ranges arrives with issue 7.',
    });
  }
  const { source, target } = requireEndpoints(config, 'verify');
  if (source.kind !== 'postgres') {
    throw replicatorError(
      'REPL_NOT_IMPLEMENTED',
      `verify supports PostgreSQL sources so far, not ${source.kind} (${source.redactedUrl})`,
      { fix: 'Use a postgresql:// source; other sources arrive with issue 7.' },
    );
  }
  const tables = line.values.tables;
  const session = await openPostgresVerify({
    source: source.url,
    target: target.url,
    filters: config.filters,
    ...(tables === undefined ? {} : { tables: parseTableListFlag(tables, '--tables') }),
    connections: config.jobs,
    logger,
  });
  const started = Date.now();
  let report: VerifyReport;
  try {
    report = await verifyTables(session.tables, {
      concurrency: config.jobs,
      progress: session.progress,
      signal,
      logger,
    });
  } finally {
    await session.close();
  }
  io.stdout(config.json ? renderJson(report) : renderReport(report, Date.now() - started));
  return report.ok ? EXIT.ok : EXIT.checkFailed;
};

function formatKey(key: KeyObject): string {
  const parts = Object.entries(key).map(([column, value]) => `${column}=${value}`);
  return parts.length === 1 ? (parts[0] ?? '') : `(${parts.join(', ')})`;
}

function differenceSummary(result: TableVerifyResult): string {
  const counts = [
    [result.missing.length, 'missing'],
    [result.extra.length, 'extra'],
    [result.different.length, 'different'],
  ] as const;
  const listed = counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  const more = result.truncated ? ['more not listed'] : [];
  return [...listed, ...more, ...result.notes].join('; ');
}

function keyLines(result: TableVerifyResult): string[] {
  const all = [
    ...result.missing.map((k) => `  missing on target  ${formatKey(k)}`),
    ...result.extra.map((k) => `  only on target     ${formatKey(k)}`),
    ...result.different.map((k) => `  different          ${formatKey(k)}`),
  ];
  if (all.length === 0) return [];
  const hidden = all.length - KEYS_SHOWN;
  return [
    `${result.table}:`,
    ...all.slice(0, KEYS_SHOWN),
    ...(hidden > 0 ? [`  … ${hidden} more (use --json for the full list)`] : []),
  ];
}

function renderReport(report: VerifyReport, durationMs: number): string {
  const count = (n: number | null) => (n === null ? '-' : String(n));
  const rows = report.tables.map((t) => [
    t.table,
    count(t.sourceRows),
    count(t.targetRows),
    t.status,
    differenceSummary(t),
  ]);
  const table = renderTable(
    ['table', 'rows (source)', 'rows (target)', 'status', 'differences'],
    rows,
  );
  const keys = report.tables.flatMap(keyLines);
  const differing = report.tables.filter((t) => t.status !== 'ok' && t.status !== 'skipped');
  const seconds = (durationMs / 1000).toFixed(1);
  const summary = report.ok
    ? `verify: ${report.tables.length} table(s) match (${seconds} s)`
    : `verify: ${differing.length} of ${report.tables.length} table(s) differ (${seconds} s)`;
  return `${table}${keys.length > 0 ? `\n${keys.join('\n')}\n` : ''}\n${summary}\n`;
}
