/**
 * The text report of `verify`: one row per table, then per table the differing keys (a sample
 * of differing columns after a `different` key that has one), any repairs and a summary line.
 */
import { formatSample, type KeyObject } from '@database-replicator/pipeline';
import type {
  SampledTableResult,
  SampledVerifyReport,
  VerifyJobOutcome,
} from '@database-replicator/runtime';
import { renderTable } from '../output.js';

/** Differing keys listed per table in the text output (--json lists up to the verifier's cap). */
const KEYS_SHOWN = 20;

function formatKey(key: KeyObject): string {
  const parts = Object.entries(key).map(([column, value]) => `${column}=${value}`);
  return parts.length === 1 ? (parts[0] ?? '') : `(${parts.join(', ')})`;
}

function differenceSummary(result: SampledTableResult): string {
  const counts = [
    [result.missing.length, 'missing'],
    [result.extra.length, 'extra'],
    [result.different.length, 'different'],
  ] as const;
  const listed = counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  const more = result.truncated ? ['more not listed'] : [];
  return [...listed, ...more, ...result.notes].join('; ');
}

function keyLines(result: SampledTableResult): string[] {
  const samples = new Map(result.samples.map((s) => [JSON.stringify(s.key), s]));
  const different = result.different.map((k) => {
    const sample = samples.get(JSON.stringify(k));
    const line = `  different          ${formatKey(k)}`;
    return sample === undefined ? line : `${line}  ${formatSample(sample)}`;
  });
  const all = [
    ...result.missing.map((k) => `  missing on target  ${formatKey(k)}`),
    ...result.extra.map((k) => `  only on target     ${formatKey(k)}`),
    ...different,
  ];
  if (all.length === 0) return [];
  const hidden = all.length - KEYS_SHOWN;
  return [
    `${result.table}:`,
    ...all.slice(0, KEYS_SHOWN),
    ...(hidden > 0 ? [`  … ${hidden} more (use --json for the full list)`] : []),
  ];
}

/** The report as text, ending in a newline. */
export function renderVerifyReport(
  report: SampledVerifyReport,
  repairs: VerifyJobOutcome['repairs'],
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
