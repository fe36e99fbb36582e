/**
 * `npm run bench -- [options]`: parses the flags, runs the benchmark, prints the Markdown table on
 * stdout (progress goes to stderr), writes Markdown and JSON under test/bench/results/, and sets
 * the exit code: 1 when a scenario or dataset broke or clean-up failed, and with --require-all also
 * when any baseline or dataset was not available; 2 for bad flags. Our own not-yet-built
 * capabilities being "not available" never fails a run.
 */
import { fileURLToPath } from 'node:url';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { renderMarkdown, writeReport, type BenchReport } from './report.js';
import { describeError } from './result.js';
import { runBench } from './run-bench.js';
import { SCENARIOS, scenarioInfo } from './scenarios.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const t0 = performance.now();
const log = (message: string): void => {
  process.stderr.write(
    `[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${message}\n`,
  );
};

function failures(report: BenchReport, requireAll: boolean): string[] {
  const found: string[] = [];
  for (const r of report.results) {
    const baseline = scenarioInfo(r.scenario).side === 'baseline';
    if (r.status === 'error' || (requireAll && baseline && r.status !== 'ok'))
      found.push(`${r.scenario}: ${r.status}: ${r.reason ?? ''}`);
  }
  for (const d of report.datasets) {
    if (d.status === 'error' || (requireAll && d.status !== 'ok'))
      found.push(`${d.source} dataset: ${d.status}: ${d.reason ?? ''}`);
  }
  return [...found, ...report.cleanupErrors.map((e) => `clean-up: ${e}`)];
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env, repoRoot);
  } catch (error) {
    process.stderr.write(
      `error: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`,
    );
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.list) {
    const width = Math.max(...SCENARIOS.map((s) => s.name.length));
    for (const s of SCENARIOS)
      process.stdout.write(`${s.name.padEnd(width)}  ${s.side.padEnd(8)}  ${s.summary}\n`);
    return 0;
  }
  const report = await runBench(options, log);
  process.stdout.write(renderMarkdown(report));
  const paths = await writeReport(report, options.resultsDir);
  log(`wrote ${paths.markdown} and ${paths.json}`);
  const found = failures(report, options.requireAll);
  for (const f of found) process.stderr.write(`FAILED ${f}\n`);
  return found.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Servers unreachable, a non-loopback URL: one line with its causes, no stack.
    process.stderr.write(`error: ${describeError(error)}\n`);
    process.exitCode = 1;
  },
);
