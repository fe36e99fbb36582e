/**
 * `verify`: compares source and target table by table with key-range checksums (libs/pipeline)
 * over the engines' checksummers (verify-sources.ts), and prints one row per table followed by
 * the differing keys, or the whole report with --json. `--repair` re-copies the differing keys
 * through the loader's apply path and verifies those tables again; the report shows the second
 * result (and, under --json, `repairs`). Exits 0 when every table matches (after a repair: when
 * the repair made them match), 1 when any differs, 3 when verification itself failed.
 */
import { parseTableListFlag } from '@database-replicator/core';
import {
  repairTable,
  verifyTables,
  type KeyObject,
  type RepairOutcome,
  type TableVerifyResult,
  type VerifyReport,
} from '@database-replicator/pipeline';
import { applyRepairEvents } from '@database-replicator/postgres';
import { requireEndpoints } from '../endpoints.js';
import { EXIT, type CommandHandler } from '../command-context.js';
import { renderJson, renderTable } from '../output.js';
import { openVerifyRun, type VerifyRun } from './verify-sources.js';

/** Differing keys listed per table in the text output (--json lists up to the verifier's cap). */
const KEYS_SHOWN = 20;

type Outcome = Readonly<{ report: VerifyReport; repairs: readonly RepairOutcome[] | null }>;

export const runVerify: CommandHandler = async ({ config, line, io, logger, signal }) => {
  const { source, target } = requireEndpoints(config, 'verify');
  const tables = line.values.tables;
  const run = await openVerifyRun({
    source,
    target,
    filters: config.filters,
    tables: tables === undefined ? undefined : parseTableListFlag(tables, '--tables'),
    connections: config.jobs,
    logger,
  });
  const started = Date.now();
  let outcome: Outcome;
  try {
    const verify = (inputs: VerifyRun['inputs']) =>
      verifyTables(inputs, { concurrency: config.jobs, progress: run.progress, signal, logger });
    const first = await verify(run.inputs);
    outcome =
      line.values.repair === true && !first.ok
        ? await repairAndRecheck(run, first, target.url, verify)
        : { report: first, repairs: null };
  } finally {
    await run.close();
  }
  const { report, repairs } = outcome;
  const json = repairs === null ? report : { ...report, repairs };
  io.stdout(config.json ? renderJson(json) : renderReport(report, repairs, Date.now() - started));
  return report.ok ? EXIT.ok : EXIT.checkFailed;
};

/**
 * Re-copies the differing keys of every differing table, then verifies those tables again; the
 * report is the first one with those tables' results replaced by the second verify's.
 */
async function repairAndRecheck(
  run: VerifyRun,
  first: VerifyReport,
  target: Parameters<typeof applyRepairEvents>[0],
  verify: (inputs: VerifyRun['inputs']) => Promise<VerifyReport>,
): Promise<Outcome> {
  const source = await run.repairSource();
  const repairs: RepairOutcome[] = [];
  const repaired = new Set<string>();
  for (const result of first.tables) {
    const id = run.ids.get(result.table);
    if (result.status !== 'different' || id === undefined) continue;
    repairs.push(
      await repairTable(id, result, source, (table, keyColumns, events) =>
        applyRepairEvents(target, table, keyColumns, events),
      ),
    );
    repaired.add(result.table);
  }
  const again = await verify(run.inputs.filter((input) => repaired.has(input.table)));
  const byTable = new Map(again.tables.map((t) => [t.table, t]));
  const tables = first.tables.map((t) => byTable.get(t.table) ?? t);
  const ok = tables.every((t) => t.status === 'ok' || t.status === 'skipped');
  return { report: Object.freeze({ ok, tables: Object.freeze(tables) }), repairs };
}

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

function renderReport(
  report: VerifyReport,
  repairs: readonly RepairOutcome[] | null,
  durationMs: number,
): string {
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
  const repaired = (repairs ?? []).map(
    (r) => `repaired ${r.table}: ${r.upserts} row(s) re-copied, ${r.deletes} deleted`,
  );
  const repairLines = repaired.length > 0 ? `\n${repaired.join('\n')}\n` : '';
  return `${table}${keys.length > 0 ? `\n${keys.join('\n')}\n` : ''}${repairLines}\n${summary}\n`;
}
