/**
 * One benchmark run: clear stale state, generate the datasets the selected scenarios need, run
 * the scenarios in RUN_ORDER (closing each session after its last scenario), then release
 * everything: sessions, datasets unless kept, the secrets directory. A scenario failing never
 * stops the others; its row says what broke.
 */
import { mkdir } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { WorkloadCursors, type BenchContext } from './bench-context.js';
import type { GeneratedDataset } from './dataset/generated-dataset.js';
import type { DatasetSpec } from './dataset/spec.js';
import { dropDataset, generateDataset, type DatasetResult } from './datasets.js';
import { loadEndpoints, type Endpoints } from './endpoints.js';
import type { BenchOptions } from './options.js';
import { Releasers } from './releasers.js';
import type { BenchReport } from './report.js';
import { describeError, type ScenarioResult } from './result.js';
import { medianRound } from './rounds.js';
import { runScenario, type ScenarioDeps } from './scenario-runner.js';
import { SCENARIOS, scenarioInfo, selectScenarios, type ScenarioName } from './scenarios.js';
import { makePrivateDir, removeDir, writePgPassFile } from './secret-files.js';
import { sessionKey, Sessions } from './sessions.js';
import type { SourceKind } from './source-kind.js';
import { clearStaleState } from './stale-state.js';
import { ensurePgloader, toolVersions } from './tools.js';
import { initialCursor } from './workload/plan.js';

type Log = (message: string) => void;

function specsOf(options: BenchOptions): Record<SourceKind, DatasetSpec> {
  const base: DatasetSpec = { scale: options.scale, seed: options.seed };
  return {
    postgres: base,
    mysql: base,
    sqlite: base,
    mongodb: { scale: options.mongoScale, seed: options.seed },
  };
}

/** Generates each source's dataset in turn, registering its drop unless datasets are kept. */
async function generateAll(
  sources: readonly SourceKind[],
  options: BenchOptions,
  endpoints: Endpoints,
  sqlitePath: string,
  releasers: Releasers,
  log: Log,
): Promise<DatasetResult[]> {
  const specs = specsOf(options);
  const results: DatasetResult[] = [];
  for (const source of sources) {
    log(`generating the ${source} dataset at scale ${specs[source].scale}`);
    const result = await generateDataset(source, endpoints, specs[source], sqlitePath);
    // Dropped at the end, also after a failed load (it may have left tables); not when the
    // server was unreachable: there is nothing to drop and no one to ask.
    if (!options.keepDatasets && result.status !== 'not-available')
      releasers.push(`${source} dataset`, () => dropDataset(source, endpoints, sqlitePath));
    const took = result.seconds === null ? '' : ` in ${result.seconds.toFixed(1)} s`;
    log(
      `${source} dataset: ${result.status}${took}${result.reason === null ? '' : ` (${result.reason})`}`,
    );
    results.push(result);
  }
  return results;
}

/** Runs the selected scenarios in order; each session is closed right after its last scenario. */
async function runAll(
  selected: readonly ScenarioName[],
  ctx: BenchContext,
  deps: ScenarioDeps,
  datasets: readonly DatasetResult[],
  cleanupErrors: string[],
): Promise<Map<ScenarioName, ScenarioResult>> {
  const results = new Map<ScenarioName, ScenarioResult>();
  for (const [index, name] of selected.entries()) {
    const dataset = datasets.find((d) => d.source === scenarioInfo(name).source);
    results.set(name, await runScenario(name, ctx, deps, dataset));
    const key = sessionKey(name);
    if (key !== null && !selected.slice(index + 1).some((n) => sessionKey(n) === key)) {
      await deps.sessions
        .close(key)
        .catch((error: unknown) => cleanupErrors.push(`closing ${key}: ${describeError(error)}`));
    }
  }
  return results;
}

export async function runBench(options: BenchOptions, log: Log): Promise<BenchReport> {
  const startedAt = new Date();
  const started = performance.now();
  const endpoints = loadEndpoints(process.env);
  const selected = selectScenarios(options.only);
  const releasers = new Releasers();
  const cleanupErrors: string[] = [];
  let datasets: DatasetResult[] = [];
  let results = new Map<ScenarioName, ScenarioResult>();
  await mkdir(options.workDir, { recursive: true });
  const sqlitePath = join(options.workDir, 'bench.sqlite');
  try {
    const pgloaderProblem = selected.some((n) => n.startsWith('pgloader-'))
      ? ensurePgloader(log)
      : null;
    const secretsDir = await makePrivateDir(options.workDir, 'secrets');
    releasers.push('secrets directory', () => removeDir(secretsDir));
    const pgPassFile = await writePgPassFile(secretsDir, 'pgpass', [
      endpoints.pgSource,
      endpoints.pgTarget,
    ]);
    for (const line of await clearStaleState(endpoints)) log(`removed stale ${line}`);
    const sources = [...new Set(selected.map((n) => scenarioInfo(n).source))];
    datasets = await generateAll(sources, options, endpoints, sqlitePath, releasers, log);
    const specs = specsOf(options);
    const ready = new Map<SourceKind, GeneratedDataset>();
    for (const d of datasets)
      if (d.status === 'ok' && d.dataset !== null) ready.set(d.source, d.dataset);
    const cursors = new WorkloadCursors(
      new Map([...ready.keys()].map((s) => [s, initialCursor(specs[s])])),
    );
    const ctx: BenchContext = {
      options,
      endpoints,
      specs,
      workDir: options.workDir,
      secretsDir,
      pgPassFile,
      sqlitePath,
      datasets: ready,
      cursors,
      log,
    };
    const sessions = new Sessions(ctx);
    releasers.push('sessions', async () => {
      const failures = await sessions.closeAll();
      if (failures.length > 0) throw new AggregateError(failures, 'closing sessions failed');
    });
    const rounds: Map<ScenarioName, ScenarioResult>[] = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      if (options.rounds > 1) log(`round ${round} of ${options.rounds}`);
      rounds.push(
        await runAll(selected, ctx, { sessions, pgloaderProblem }, datasets, cleanupErrors),
      );
    }
    results = new Map(
      selected.map((name) => [name, medianRound(rounds.flatMap((round) => round.get(name) ?? []))]),
    );
  } finally {
    cleanupErrors.push(...(await releasers.releaseAll()).map(describeError));
  }
  return {
    startedAt: startedAt.toISOString(),
    totalSeconds: (performance.now() - started) / 1000,
    options: {
      scale: options.scale,
      mongoScale: options.mongoScale,
      seed: options.seed,
      jobs: options.jobs,
      oursRoute: options.oursRoute,
      backlog: options.backlog,
      lagRate: options.lagRate,
      lagSeconds: options.lagSeconds,
      only: options.only,
      requireAll: options.requireAll,
      keepDatasets: options.keepDatasets,
      rounds: options.rounds,
    },
    environment: {
      cpus: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      tools: await toolVersions(),
    },
    datasets,
    results: SCENARIOS.flatMap((s) => results.get(s.name) ?? []),
    cleanupErrors,
  };
}
