/**
 * Runs one scenario and turns what happens into its result row: a Measurement, "not available"
 * (NotAvailable thrown, or its source's dataset missing), or an error with its message.
 */
import { runBinaryCopy } from './baselines/binary-copy.js';
import { runHashScan } from './baselines/hash-scan.js';
import { runPgDumpRestore } from './baselines/pg-dump-restore.js';
import { runPgloader } from './baselines/pgloader.js';
import type { BenchContext } from './bench-context.js';
import type { DatasetResult } from './datasets.js';
import { describeError, NotAvailable, type Measurement, type ScenarioResult } from './result.js';
import { scenarioInfo, type ScenarioName } from './scenarios.js';
import type { Sessions } from './sessions.js';

/** What a scenario may need besides the context: open sessions, and why pgloader is missing. */
export type ScenarioDeps = Readonly<{ sessions: Sessions; pgloaderProblem: string | null }>;

function measure(name: ScenarioName, ctx: BenchContext, deps: ScenarioDeps): Promise<Measurement> {
  switch (name) {
    case 'pg-dump-restore':
      return runPgDumpRestore(ctx);
    case 'pg-binary-copy':
      return runBinaryCopy(ctx);
    case 'native-initial-sync':
      return deps.sessions.native().initialSync();
    case 'native-backlog-apply':
      return deps.sessions.native().backlogApply();
    case 'native-live-lag':
      return deps.sessions.native().liveLag();
    case 'pgloader-mysql':
    case 'pgloader-sqlite':
      if (deps.pgloaderProblem !== null) return Promise.reject(new Error(deps.pgloaderProblem));
      return runPgloader(ctx, name === 'pgloader-mysql' ? 'mysql' : 'sqlite');
    case 'hash-scan-postgres':
      return runHashScan(ctx);
    default: {
      const session = deps.sessions.ours(scenarioInfo(name).source);
      if (name.startsWith('ours-init-')) return session.init();
      if (name.startsWith('ours-backlog-')) return session.backlog();
      if (name.startsWith('ours-lag-')) return session.lag();
      return session.verify();
    }
  }
}

/** Runs `name` unless its dataset is missing; never throws. */
export async function runScenario(
  name: ScenarioName,
  ctx: BenchContext,
  deps: ScenarioDeps,
  dataset: DatasetResult | undefined,
): Promise<ScenarioResult> {
  const source = scenarioInfo(name).source;
  if (dataset?.status !== 'ok') {
    const status = dataset?.status === 'not-available' ? 'not-available' : 'error';
    const reason = `${source} dataset: ${dataset?.reason ?? 'not generated'}`;
    return { scenario: name, status, reason, measurement: null };
  }
  ctx.log(`scenario ${name}`);
  try {
    const measurement = await measure(name, ctx, deps);
    ctx.log(`${name}: ${measurement.wallSeconds.toFixed(2)} s`);
    return { scenario: name, status: 'ok', reason: null, measurement };
  } catch (error) {
    const status = error instanceof NotAvailable ? 'not-available' : 'error';
    ctx.log(`${name}: ${status}: ${describeError(error)}`);
    return { scenario: name, status, reason: describeError(error), measurement: null };
  }
}
