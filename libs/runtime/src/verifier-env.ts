/**
 * The environment of services/verifier: `DR_SOURCE_URL` and `DR_TARGET_URL` (required; through
 * libs/core `loadConfig`, with `DR_CONFIG`'s filters and `DR_JOBS`), `DR_JOB_ID` (what runs are
 * recorded under; default the source database's name), `DR_VERIFY_INTERVAL` (or
 * `VERIFY_INTERVAL`) seconds between runs (default 3600), `DR_MASK_COLUMNS`
 * (`table:col1,col2;other:col`), `DR_HTTP_HOST`, `DR_HTTP_PORT`, `DR_LOG_LEVEL`.
 */
import {
  loadConfig,
  replicatorError,
  type LogLevel,
  type ReplicatorConfig,
} from '@database-replicator/core';
import { parseMaskColumns, type MaskColumns } from '@database-replicator/pipeline';
import { parseServiceVariables, type ServiceEnvInput } from './service-env.js';
import { verifyJobName } from './verify-job-name.js';

/** Seconds between runs by default. */
export const DEFAULT_VERIFY_INTERVAL_SECONDS = 3600;

/** The verifier's settings. */
export type VerifierEnv = Readonly<{
  source: NonNullable<ReplicatorConfig['source']>;
  target: NonNullable<ReplicatorConfig['target']>;
  filters: ReplicatorConfig['filters'];
  connections: number;
  job: string;
  intervalSeconds: number;
  mask: MaskColumns;
  httpHost: string;
  httpPort: number;
  logLevel: LogLevel;
}>;

const JOB_ID = /^[a-z0-9_]{1,50}$/;

const FIXES: Readonly<Record<string, string>> = Object.freeze({
  DR_SOURCE_URL: 'Set DR_SOURCE_URL to the source database URL (CLI.md lists the forms).',
  DR_TARGET_URL:
    'Set DR_TARGET_URL to the target as postgresql://user:password@host:port/database.',
  DR_JOB_ID: 'Set DR_JOB_ID to the job the runs belong to, e.g. shop_orders, or unset it.',
  DR_VERIFY_INTERVAL: 'Set DR_VERIFY_INTERVAL to the seconds between runs, e.g. 3600.',
  VERIFY_INTERVAL: 'Set VERIFY_INTERVAL to the seconds between runs, e.g. 3600.',
  '--interval': 'Pass --interval as the seconds between runs, e.g. --interval 3600.',
});

function verifierEnvError(name: string, problem: string) {
  return replicatorError('REPL_CONFIG_INVALID', `Invalid verifier setting: ${name} ${problem}`, {
    fix: FIXES[name] ?? `Correct ${name}.`,
    details: { configKey: name, origin: name.startsWith('--') ? 'flag' : 'environment' },
  });
}
const SECONDS = /^\s*[0-9]+\s*$/;

function set(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Parses `--interval` / `DR_VERIFY_INTERVAL` text: whole seconds from 1 to one week. */
export function parseVerifyInterval(text: string, origin: string): number {
  const seconds = SECONDS.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > 604_800) {
    throw verifierEnvError(origin, 'must be whole seconds from 1 to 604800');
  }
  return seconds;
}

/**
 * Reads the verifier's settings from `env`.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` naming the variable (URLs never echoed), and
 *   `loadConfig`'s errors for the URLs and the config file.
 */
export async function loadVerifierEnv(env: ServiceEnvInput): Promise<VerifierEnv> {
  const values = parseServiceVariables(env, {
    DR_HTTP_HOST: true,
    DR_HTTP_PORT: true,
    DR_LOG_LEVEL: true,
    DR_CONFIG: true,
  });
  const config = await loadConfig({
    env: {
      DR_SOURCE_URL: set(env.DR_SOURCE_URL),
      DR_TARGET_URL: set(env.DR_TARGET_URL),
      DR_JOBS: set(env.DR_JOBS),
    },
    configFile: values.DR_CONFIG,
  });
  const { source, target } = config;
  if (source === undefined) throw verifierEnvError('DR_SOURCE_URL', 'is not set');
  if (target === undefined) throw verifierEnvError('DR_TARGET_URL', 'is not set');
  const job = set(env.DR_JOB_ID);
  if (job !== undefined && !JOB_ID.test(job)) {
    throw verifierEnvError('DR_JOB_ID', 'must be 1 to 50 lower-case letters, digits and "_"');
  }
  const intervalName =
    set(env.DR_VERIFY_INTERVAL) === undefined ? 'VERIFY_INTERVAL' : 'DR_VERIFY_INTERVAL';
  const interval = set(env[intervalName]);
  const masks = set(env.DR_MASK_COLUMNS);
  return Object.freeze({
    source,
    target,
    filters: config.filters,
    connections: config.jobs,
    job: job ?? verifyJobName(source),
    intervalSeconds:
      interval === undefined
        ? DEFAULT_VERIFY_INTERVAL_SECONDS
        : parseVerifyInterval(interval, intervalName),
    mask:
      masks === undefined
        ? new Map()
        : parseMaskColumns(
            masks.split(';').filter((m) => m.trim() !== ''),
            'DR_MASK_COLUMNS',
          ),
    httpHost: values.DR_HTTP_HOST,
    httpPort: values.DR_HTTP_PORT,
    logLevel: values.DR_LOG_LEVEL,
  });
}
