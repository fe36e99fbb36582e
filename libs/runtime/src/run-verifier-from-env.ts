/**
 * services/verifier and `database-replicator run verifier`: verify for the configured source and
 * target every interval (or once), each run recorded in `_replicator.verify_runs`
 * (run-verify-job.ts), with `/healthz`, `/readyz` (once the first run finished) and `/metrics`.
 * A failed run is logged and counted and the next one tried, except with `once`, where it is
 * thrown. Resources open in the order settings → logger → HTTP and close in reverse.
 */
import { createLogger, type Logger, type LoggerOptions } from '@database-replicator/core';
import { metricsHandler } from './metrics/metrics-handler.js';
import { MetricsRegistry } from './metrics/metrics-registry.js';
import { pause } from './pause.js';
import { runVerifyJob, type VerifyJobOutcome } from './run-verify-job.js';
import { startServiceHttp } from './service-http.js';
import type { ServiceEnvInput } from './service-env.js';
import { loadVerifierEnv, type VerifierEnv } from './verifier-env.js';

/** Options of {@link runVerifierFromEnv}. */
export type VerifierFromEnvOptions = Readonly<{
  /** Run once and return (`--once`). Default false: run every interval until `signal` aborts. */
  once?: boolean;
  /** Seconds between runs (`--interval`), over the environment's. */
  intervalSeconds?: number;
  /** Where log lines go. Default: stderr. */
  logDestination?: LoggerOptions['destination'];
}>;

/** What the verifier did. */
export type VerifierReport = Readonly<{
  /** Runs finished (failed ones included). */
  runs: number;
  /** Whether the last finished run found source and target equal; null when none finished. */
  lastOk: boolean | null;
}>;

function createVerifierMetrics(registry: MetricsRegistry) {
  return {
    runs: registry.counter('dr_verify_runs_total', 'verify runs by outcome', ['status']),
    lastRun: registry.gauge(
      'dr_verify_last_run_timestamp_seconds',
      'end of the last verify run, Unix seconds',
    ),
    lastDuration: registry.gauge(
      'dr_verify_last_run_duration_seconds',
      'wall time of the last verify run',
    ),
    differences: registry.gauge(
      'dr_verify_differing_keys',
      'differing keys the last verify run listed, by kind',
      ['kind'],
    ),
  };
}

type VerifierMetrics = ReturnType<typeof createVerifierMetrics>;

function observe(metrics: VerifierMetrics, outcome: VerifyJobOutcome): void {
  const { report } = outcome;
  metrics.runs.inc({ status: report.ok ? 'ok' : 'different' });
  metrics.lastRun.set({}, outcome.finishedAt.getTime() / 1000);
  metrics.lastDuration.set({}, (outcome.finishedAt.getTime() - outcome.startedAt.getTime()) / 1000);
  const sum = (pick: (t: (typeof report.tables)[number]) => number) =>
    report.tables.reduce((n, t) => n + pick(t), 0);
  metrics.differences.set(
    { kind: 'missing' },
    sum((t) => t.missing.length),
  );
  metrics.differences.set(
    { kind: 'extra' },
    sum((t) => t.extra.length),
  );
  metrics.differences.set(
    { kind: 'different' },
    sum((t) => t.different.length),
  );
}

async function verifyOnce(settings: VerifierEnv, signal: AbortSignal, logger: Logger) {
  return runVerifyJob({
    source: settings.source,
    target: settings.target,
    filters: settings.filters,
    connections: settings.connections,
    repair: false,
    mask: settings.mask,
    job: settings.job,
    trigger: 'service',
    signal,
    logger,
  });
}

/**
 * Reads the settings from `env` (see `loadVerifierEnv`), serves HTTP and verifies until `signal`
 * aborts (or once).
 *
 * @throws ReplicatorError what `loadVerifierEnv` and `startServiceHttp` throw; with `once`, what
 *   the run throws.
 */
export async function runVerifierFromEnv(
  env: ServiceEnvInput,
  signal: AbortSignal,
  options: VerifierFromEnvOptions = {},
): Promise<VerifierReport> {
  const settings = await loadVerifierEnv(env);
  const intervalMs = (options.intervalSeconds ?? settings.intervalSeconds) * 1000;
  const logger = createLogger({
    level: settings.logLevel,
    name: 'verifier',
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  const registry = new MetricsRegistry({
    onCollectError: (error) => logger.warn({ err: error }, 'reading metrics failed'),
  });
  const metrics = createVerifierMetrics(registry);
  let runs = 0;
  let lastOk: boolean | null = null;
  const http = await startServiceHttp({
    host: settings.httpHost,
    port: settings.httpPort,
    handlers: [metricsHandler(registry)],
    ready: () => runs > 0,
    logger,
  });
  try {
    do {
      try {
        const outcome = await verifyOnce(settings, signal, logger);
        observe(metrics, outcome);
        lastOk = outcome.report.ok;
        logger.info({ ok: lastOk, runId: outcome.runId, job: settings.job }, 'verify run finished');
      } catch (error) {
        if (options.once === true || signal.aborted) throw error;
        metrics.runs.inc({ status: 'failed' });
        logger.error(
          { err: error, job: settings.job },
          'verify run failed; trying again next interval',
        );
      }
      runs += 1;
    } while (options.once !== true && (await pause(intervalMs, signal)));
    return Object.freeze({ runs, lastOk });
  } finally {
    await http.close();
  }
}
