import { configIssuesError } from './config-error.js';
import { readConfigFile } from './config-file.js';
import {
  layerInput,
  locateSetting,
  mergeLayers,
  type ConfigLayer,
  type Setting,
  type SettingKey,
} from './config-layer.js';
import { configSchema, type ReplicatorConfig } from './config-schema.js';
import { deepFreeze } from './deep-freeze.js';
import { parseTableFilterFlag, parseTableListFlag, parseTimeFilterFlag } from './filters.js';
import { formatIssuePath } from './issue-path.js';

/**
 * Flags as the CLI parsed them (names as in CLI.md, camel-cased). Absent or `undefined` means
 * "not given". Command-specific flags (`--via`, `--bus`...) stay with the CLI.
 */
export type ConfigFlags = Readonly<{
  /** `--source` URL. */
  source?: string | undefined;
  /** `--target` URL. */
  target?: string | undefined;
  /** `--include-tables a,b`: comma list of `[db.][schema.]table`. */
  includeTables?: string | undefined;
  /** `--exclude-tables a,b`. */
  excludeTables?: string | undefined;
  /** `--schema-only-tables a,b`. */
  schemaOnlyTables?: string | undefined;
  /** `--table-filter "table:SQL predicate"`, repeatable. */
  tableFilter?: readonly string[] | undefined;
  /** `--time-filter "table:column:N unit"`, repeatable. */
  timeFilter?: readonly string[] | undefined;
  /** `--jobs N`; a string is parsed as a whole number. */
  jobs?: number | string | undefined;
  /** `--log-level`. */
  logLevel?: string | undefined;
  /** `--state-dir`. */
  stateDir?: string | undefined;
  /** `-y/--yes`. */
  yes?: boolean | undefined;
  /** `--json`. */
  json?: boolean | undefined;
  /** `--config file.toml`. */
  config?: string | undefined;
}>;

/** Environment variables as `process.env` holds them; only {@link loadConfig} reads them. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/** Options of {@link loadConfig}. */
export type LoadConfigOptions = Readonly<{
  flags?: ConfigFlags;
  env?: ConfigEnv;
  /** Config file to read when `flags.config` is absent, e.g. a default path. Default: none. */
  configFile?: string | undefined;
}>;

/** Environment variables and the settings they feed. An empty value counts as unset. */
const ENV_SETTINGS: Readonly<Record<string, SettingKey>> = Object.freeze({
  DR_SOURCE_URL: 'source',
  DR_TARGET_URL: 'target',
  DR_LOG_LEVEL: 'logLevel',
  DR_JOBS: 'jobs',
  DR_STATE_DIR: 'stateDir',
});

const WHOLE_NUMBER = /^\s*[0-9]+\s*$/;

/**
 * Loads the run configuration: schema defaults < config file (`flags.config`, else
 * `configFile`) < environment (`DR_SOURCE_URL`, `DR_TARGET_URL`, `DR_LOG_LEVEL`, `DR_JOBS`,
 * `DR_STATE_DIR`) < flags. Each setting is taken whole from the highest layer that sets it (a
 * flag's table list replaces the file's). The result is validated and deep-frozen; URLs are
 * `Secret`s.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID`, `REPL_CONFIG_UNKNOWN_KEY`,
 *   `REPL_CONFIG_SOURCE_SCHEME`, `REPL_CONFIG_FILTER_SYNTAX`, `REPL_CONFIG_FILE_UNREADABLE` or
 *   `REPL_CONFIG_FILE_SYNTAX`; messages name the key, where it came from and the fix, and never
 *   show a URL unredacted.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ReplicatorConfig> {
  const flags = options.flags ?? {};
  const path = flags.config ?? options.configFile;
  const fileLayer: ConfigLayer = path === undefined ? new Map() : await readConfigFile(path);
  const layer = mergeLayers(fileLayer, envLayer(options.env ?? {}), flagLayer(flags));
  const result = configSchema.safeParse(layerInput(layer), { reportInput: true });
  if (!result.success) {
    const locate = (at: readonly PropertyKey[]) =>
      locateSetting(layer, at) ?? {
        key: formatIssuePath(at) || 'configuration',
        place: 'defaults',
      };
    throw configIssuesError(result.error.issues, { locate }, result.error);
  }
  return deepFreeze(result.data);
}

function envLayer(env: ConfigEnv): ConfigLayer {
  const layer = new Map<SettingKey, Setting>();
  for (const [variable, key] of Object.entries(ENV_SETTINGS)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    const origin = { key: variable, place: 'environment', nested: false };
    layer.set(key, { value: key === 'jobs' ? wholeNumber(value) : value, origin });
  }
  return layer;
}

function flagLayer(flags: ConfigFlags): ConfigLayer {
  const layer = new Map<SettingKey, Setting>();
  const set = (key: SettingKey, flag: string, value: unknown): void => {
    if (value !== undefined)
      layer.set(key, { value, origin: { key: flag, place: 'command line', nested: false } });
  };
  set('source', '--source', flags.source);
  set('target', '--target', flags.target);
  set('jobs', '--jobs', typeof flags.jobs === 'string' ? wholeNumber(flags.jobs) : flags.jobs);
  set('logLevel', '--log-level', flags.logLevel);
  set('stateDir', '--state-dir', flags.stateDir);
  set('yes', '--yes', flags.yes);
  set('json', '--json', flags.json);
  const list = (text: string | undefined, flag: string) =>
    text === undefined ? undefined : parseTableListFlag(text, flag);
  set('filters.includeTables', '--include-tables', list(flags.includeTables, '--include-tables'));
  set('filters.excludeTables', '--exclude-tables', list(flags.excludeTables, '--exclude-tables'));
  set(
    'filters.schemaOnlyTables',
    '--schema-only-tables',
    list(flags.schemaOnlyTables, '--schema-only-tables'),
  );
  set('filters.tableFilters', '--table-filter', flags.tableFilter?.map(parseTableFilterFlag));
  set('filters.timeFilters', '--time-filter', flags.timeFilter?.map(toTimeFilterInput));
  return layer;
}

/** The schema parses `last` from text, so a parsed flag hands the window back in its text form. */
function toTimeFilterInput(value: string): unknown {
  const filter = parseTimeFilterFlag(value);
  return { ...filter, last: `${filter.last.amount} ${filter.last.unit}` };
}

/** Digits become a number; anything else stays text so the schema reports it with its origin. */
function wholeNumber(text: string): number | string {
  return WHOLE_NUMBER.test(text) ? Number(text) : text;
}
