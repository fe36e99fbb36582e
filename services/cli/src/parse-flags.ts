/**
 * argv → flags. Options shared by every command are declared once; unknown options are a usage
 * error naming the option. Values stay strings here: libs/core's loadConfig validates them.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { replicatorError, type ConfigFlags } from '@database-replicator/core';

const OPTIONS = {
  source: { type: 'string' },
  target: { type: 'string' },
  'include-tables': { type: 'string' },
  'exclude-tables': { type: 'string' },
  'schema-only-tables': { type: 'string' },
  'table-filter': { type: 'string', multiple: true },
  'time-filter': { type: 'string', multiple: true },
  config: { type: 'string' },
  jobs: { type: 'string' },
  'log-level': { type: 'string' },
  'state-dir': { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'enable-sync': { type: 'boolean' },
  via: { type: 'string' },
  bus: { type: 'string' },
  'drop-existing': { type: 'boolean' },
  coordinator: { type: 'string' },
  watch: { type: 'boolean' },
  tables: { type: 'string' },
  repair: { type: 'boolean' },
  'max-lag': { type: 'string' },
  'drop-slot': { type: 'boolean' },
  // cutover: seconds to wait for the lag to reach --max-lag (issue 4)
  'wait-timeout': { type: 'string' },
  // init/sync --via pipeline: serve /metrics, /healthz and /readyz on 127.0.0.1:<port> (issue 7)
  'metrics-port': { type: 'string' },
  // verify: `table:col1,col2` whose sample values are shown as [masked] (issue 7)
  'mask-columns': { type: 'string', multiple: true },
  // run verifier: one run then exit (--once), or seconds between runs (--interval) (issue 7)
  once: { type: 'boolean' },
  interval: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

type ParsedValues = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: true }>
>['values'];

export interface ParsedCommandLine {
  readonly config: ConfigFlags;
  readonly values: ParsedValues;
  readonly positionals: readonly string[];
}

export function parseCommandLine(args: readonly string[]): ParsedCommandLine {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw replicatorError('REPL_CLI_USAGE', message, {
      fix: 'Run database-replicator <command> --help for the options of a command.',
      cause: error,
    });
  }
  const v = parsed.values;
  const config: ConfigFlags = {
    source: v.source,
    target: v.target,
    includeTables: v['include-tables'],
    excludeTables: v['exclude-tables'],
    schemaOnlyTables: v['schema-only-tables'],
    tableFilter: v['table-filter'],
    timeFilter: v['time-filter'],
    jobs: v.jobs,
    logLevel: v['log-level'],
    stateDir: v['state-dir'],
    yes: v.yes,
    json: v.json,
    config: v.config,
  };
  return { config, values: v, positionals: parsed.positionals };
}
