/**
 * The run's report: one Markdown table per run (stdout and results/<stamp>-scale<N>.md) and the
 * same data as JSON (results/<stamp>-scale<N>.json). Figures are only ever printed for scenarios
 * that ran; others show why not.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetResult } from './datasets.js';
import type { BenchOptions } from './options.js';
import type { Measurement, ScenarioResult } from './result.js';
import { scenarioInfo, type ScenarioName } from './scenarios.js';
import { formatMegabytes } from './sizes.js';

export type BenchReport = Readonly<{
  startedAt: string;
  totalSeconds: number;
  options: Omit<BenchOptions, 'list' | 'help' | 'resultsDir' | 'workDir'>;
  environment: Readonly<{
    cpus: number;
    memoryGb: number;
    node: string;
    tools: Readonly<Record<string, string>>;
  }>;
  datasets: readonly DatasetResult[];
  results: readonly ScenarioResult[];
  cleanupErrors: readonly string[];
}>;

const NONE = '—';
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
/** Seconds as the tables show them: two decimals below 10 s, one above. */
export const secs = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));

/** `ours ÷ baseline` for time (lag scenarios: p99), or null when either side has no figure. */
export function ratioToBaseline(
  result: ScenarioResult,
  all: readonly ScenarioResult[],
): { baseline: ScenarioName; ratio: number } | null {
  const baseline = scenarioInfo(result.scenario).compareTo;
  if (baseline === null || result.measurement === null) return null;
  const other = all.find((r) => r.scenario === baseline)?.measurement;
  if (other === undefined || other === null) return null;
  const denominator = comparedFigure(other);
  return denominator > 0
    ? { baseline, ratio: comparedFigure(result.measurement) / denominator }
    : null;
}

/** The figure a scenario is compared and ranked by: wall time, or p99 lag for lag scenarios. */
export function comparedFigure(m: Measurement): number {
  return m.lag === null ? m.wallSeconds : m.lag.p99Ms;
}

function resultRow(r: ScenarioResult, all: readonly ScenarioResult[]): string {
  const info = scenarioInfo(r.scenario);
  const m = r.measurement;
  const head = [r.scenario, info.tool, info.source];
  if (m === null) {
    const why =
      r.status === 'error' ? `**error**: ${r.reason ?? ''}` : `not available: ${r.reason ?? ''}`;
    return `| ${[...head, NONE, NONE, NONE, NONE, NONE, NONE, NONE, why.replace(/\|/g, '\\|').replace(/\n/g, ' ')].join(' | ')} |`;
  }
  const ratio = ratioToBaseline(r, all);
  const cells = [
    ...head,
    secs(m.wallSeconds),
    `${int(m.count)}${m.unit === 'changes' ? ' changes' : ''}`,
    int(m.count / m.wallSeconds),
    m.bytes === null ? NONE : (m.bytes / 1e6 / m.wallSeconds).toFixed(1),
    m.peakRssBytes === null ? NONE : formatMegabytes(m.peakRssBytes),
    m.lag === null ? NONE : `${int(m.lag.p50Ms)} / ${int(m.lag.p99Ms)}`,
    ratio === null ? NONE : `${ratio.ratio.toFixed(2)}× ${ratio.baseline}`,
    m.notes.join('; ').replace(/\|/g, '\\|'),
  ];
  return `| ${cells.join(' | ')} |`;
}

function datasetRow(d: DatasetResult): string {
  if (d.dataset === null || d.seconds === null) {
    return `| ${d.source} | ${NONE} | ${int(d.scale)} | ${NONE} | ${NONE} | ${NONE} | ${d.status === 'error' ? '**error**' : 'not available'}: ${d.reason ?? ''} |`;
  }
  const rows = Object.values(d.dataset.counts).reduce((a, b) => a + b, 0);
  const counts = Object.entries(d.dataset.counts)
    .map(([t, n]) => `${t} ${int(n)}`)
    .join(', ');
  const check = d.status === 'ok' ? (d.sampleCheck ?? '') : `**error**: ${d.reason ?? ''}`;
  return `| ${d.source} | ${d.dataset.engine} | ${int(d.scale)} | ${int(rows)} (${counts}) | ${formatMegabytes(d.dataset.sizeBytes)} | ${secs(d.seconds)} | ${check} |`;
}

export function renderMarkdown(report: BenchReport): string {
  const o = report.options;
  const tools = Object.entries(report.environment.tools)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `# database-replicator benchmark, scale ${int(o.scale)}`,
    '',
    `Run ${report.startedAt}, ${(report.totalSeconds / 60).toFixed(1)} min; ${report.environment.cpus} CPUs, ${report.environment.memoryGb} GB RAM, Node ${report.environment.node}.`,
    `Scale ${int(o.scale)} orders (MongoDB ${int(o.mongoScale)}), seed ${o.seed}, jobs ${o.jobs}; backlog ${int(o.backlog)} changes; lag workload ${o.lagRate} changes/s for ${o.lagSeconds} s; ours ${o.oursRoute.length === 0 ? 'on the route the CLI chose' : o.oursRoute.join(' ')}.`,
    `Tools: ${tools}.`,
    ...(o.rounds > 1
      ? [
          `${o.rounds} rounds on the same datasets: each row is its scenario's median round (wall s, rows/s, lag) with the highest peak RSS of all rounds; vs baseline compares medians; every round is in the notes.`,
        ]
      : []),
    '',
    '## Sources',
    '',
    '| source | engine | scale | rows | size MB | generated in s | sample check |',
    '|---|---|---:|---|---:|---:|---|',
    ...report.datasets.map(datasetRow),
    '',
    '## Results',
    '',
    '| scenario | tool | source | wall s | rows | rows/s | MB/s | peak RSS MB | lag p50 / p99 ms | vs baseline | notes |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---|---|',
    ...report.results.map((r) => resultRow(r, report.results)),
    '',
    'rows/s: rows (or row changes) ÷ wall s. MB/s: source database size on disk (tables, TOAST, indexes) ÷ wall s; for native-backlog-apply, WAL bytes applied ÷ s. ' +
      "Peak RSS: the tool's own processes (children included), — when the work runs in the harness or the server. " +
      "vs baseline: our time ÷ the named baseline's time (lag: p99 ÷ p99); below 1 is better than the baseline.",
    ...(report.cleanupErrors.length === 0
      ? []
      : ['', '## Clean-up errors', '', ...report.cleanupErrors.map((e) => `- ${e}`)]),
    '',
  ].join('\n');
}

/** Writes `<stamp>-scale<N>.md` and `.json` into `dir`; returns both paths. */
export async function writeReport(
  report: BenchReport,
  dir: string,
): Promise<{ markdown: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:]/g, '').replace(/\..*$/, 'Z');
  const base = join(dir, `${stamp}-scale${report.options.scale}`);
  await writeFile(`${base}.md`, renderMarkdown(report));
  await writeFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  return { markdown: `${base}.md`, json: `${base}.json` };
}
