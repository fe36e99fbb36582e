import { readFile } from 'node:fs/promises';
import { parse, TomlError } from 'smol-toml';
import { z } from 'zod';
import { configIssuesError } from './config-error.js';
import {
  appendPath,
  type ConfigLayer,
  type Origin,
  type Setting,
  type SettingKey,
} from './config-layer.js';
import { isReplicatorError, replicatorError } from './errors.js';
import { parseTableSelector, type TableSelector } from './identity.js';

/**
 * The TOML config file (CLI.md). Top-level keys mirror the flags; table rules use the
 * seed-compatible per-database sections:
 *
 * ```toml
 * source = "postgresql://app@db.internal/shop"   # optional; prefer DR_SOURCE_URL for secrets
 * target = "postgresql://app@pg.internal/shop"
 * jobs = 8
 * log_level = "info"
 * state_dir = ".database-replicator"
 *
 * [databases.shop]
 * exclude_tables = ["audit_log"]              # or include_tables, not both
 * schema_only = ["large_analytics_table"]
 *
 * [[databases.shop.table_filters]]
 * table = "orders"
 * where = "created_at > NOW() - INTERVAL '90 days'"
 *
 * [[databases.shop.time_filters]]
 * table = "events"
 * column = "timestamp"
 * last = "6 months"
 * ```
 *
 * Table names under `[databases.<db>]` are `[schema.]table` and are qualified with `<db>`.
 * This schema checks the file's shape (unknown keys, types); values are validated by the
 * config schema, whose errors are mapped back to the file keys recorded here.
 */

const tableFilterEntry = z.object({ table: z.string(), where: z.string() }).strict();
const timeFilterEntry = z
  .object({ table: z.string(), column: z.string(), last: z.string() })
  .strict();
const tableList = z.array(z.string());

const databaseSection = z
  .object({
    include_tables: tableList.optional(),
    exclude_tables: tableList.optional(),
    schema_only: tableList.optional(),
    table_filters: z.array(tableFilterEntry).optional(),
    time_filters: z.array(timeFilterEntry).optional(),
  })
  .strict();

const configFileSchema = z
  .object({
    source: z.unknown().optional(),
    target: z.unknown().optional(),
    jobs: z.unknown().optional(),
    log_level: z.unknown().optional(),
    state_dir: z.unknown().optional(),
    databases: z.record(z.string(), databaseSection).optional(),
  })
  .strict();

type DatabaseSection = z.output<typeof databaseSection>;

const TOP_LEVEL: Readonly<Record<string, SettingKey>> = Object.freeze({
  source: 'source',
  target: 'target',
  jobs: 'jobs',
  log_level: 'logLevel',
  state_dir: 'stateDir',
});

/** List keys of a database section and the setting each feeds. */
const SECTION_LISTS = Object.freeze([
  ['include_tables', 'filters.includeTables'],
  ['exclude_tables', 'filters.excludeTables'],
  ['schema_only', 'filters.schemaOnlyTables'],
  ['table_filters', 'filters.tableFilters'],
  ['time_filters', 'filters.timeFilters'],
] as const);

/**
 * Reads and shape-checks a config file and returns its layer.
 *
 * @throws ReplicatorError `REPL_CONFIG_FILE_UNREADABLE`, `REPL_CONFIG_FILE_SYNTAX`,
 *   `REPL_CONFIG_UNKNOWN_KEY` or `REPL_CONFIG_INVALID`.
 */
export async function readConfigFile(path: string): Promise<ConfigLayer> {
  const place = `config file ${path}`;
  const document = parseToml(await readText(path), path);
  const result = configFileSchema.safeParse(document, { reportInput: true });
  if (!result.success) {
    throw configIssuesError(
      result.error.issues,
      { locate: (at) => ({ key: appendPath('', at), place }), knownKeys },
      result.error,
    );
  }
  const layer = new Map<SettingKey, Setting>();
  for (const [fileKey, settingKey] of Object.entries(TOP_LEVEL)) {
    const value: unknown = Reflect.get(result.data, fileKey);
    if (value !== undefined)
      layer.set(settingKey, { value, origin: { key: fileKey, place, nested: true } });
  }
  for (const [settingKey, setting] of sectionSettings(result.data.databases ?? {}, place))
    layer.set(settingKey, setting);
  return layer;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'read error';
    throw replicatorError(
      'REPL_CONFIG_FILE_UNREADABLE',
      `Cannot read config file ${path} (${reason})`,
      {
        details: { configKey: '--config', path },
        cause: error,
      },
    );
  }
}

function parseToml(text: string, path: string): unknown {
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // The first line is the reason; the rest quotes the file, which may hold a password.
    const reason = error.message.split('\n')[0] ?? 'syntax error';
    throw replicatorError(
      'REPL_CONFIG_FILE_SYNTAX',
      `Config file ${path} is not valid TOML at line ${error.line}, column ${error.column}: ${reason}`,
      {
        details: { path, line: error.line, column: error.column },
        cause: error,
      },
    );
  }
}

/** Concatenates the sections' lists into filter settings, qualifying each table with its database. */
function sectionSettings(
  databases: Readonly<Record<string, DatabaseSection>>,
  place: string,
): Map<SettingKey, Setting> {
  const collected = new Map<SettingKey, { values: unknown[]; items: Origin[] }>();
  for (const [database, section] of Object.entries(databases)) {
    for (const [fileKey, settingKey] of SECTION_LISTS) {
      const list: readonly unknown[] = section[fileKey] ?? [];
      const entry = collected.get(settingKey) ?? { values: [], items: [] };
      list.forEach((item, index) => {
        const origin: Origin = {
          key: appendPath('databases', [database, fileKey, index]),
          place,
          nested: true,
        };
        entry.values.push(qualifyEntry(item, database, origin));
        entry.items.push(origin);
      });
      if (section[fileKey] !== undefined) collected.set(settingKey, entry);
    }
  }
  const settings = new Map<SettingKey, Setting>();
  for (const [settingKey, { values, items }] of collected) {
    const first = items[0] ?? { key: 'databases', place, nested: true };
    settings.set(settingKey, { value: values, origin: first, items });
  }
  return settings;
}

/** A table name string, or a filter entry whose `table` is one, with the table parsed and qualified. */
function qualifyEntry(item: unknown, database: string, origin: Origin): unknown {
  if (typeof item === 'string') return qualify(item, database, origin);
  if (
    typeof item === 'object' &&
    item !== null &&
    'table' in item &&
    typeof item.table === 'string'
  ) {
    return {
      ...item,
      table: qualify(item.table, database, { ...origin, key: `${origin.key}.table` }),
    };
  }
  return item;
}

function qualify(text: string, database: string, origin: Origin): TableSelector {
  let selector: TableSelector;
  try {
    selector = parseTableSelector(text);
  } catch (error) {
    if (!isReplicatorError(error)) throw error;
    throw replicatorError(
      'REPL_CONFIG_INVALID',
      `Invalid configuration: ${origin.key} (${origin.place}): ${error.message}`,
      {
        fix: 'Write the table as [schema.]table; double-quote names that contain "." or quotes.',
        details: { configKey: origin.key, origin: origin.place },
        cause: error,
      },
    );
  }
  if (selector.database !== undefined && selector.database !== database) {
    throw replicatorError(
      'REPL_CONFIG_INVALID',
      `Invalid configuration: ${origin.key} (${origin.place}) names database "${selector.database}" but is listed under [${appendPath('databases', [database])}]`,
      {
        fix: `Move the entry to [${appendPath('databases', [selector.database])}] or drop the database part.`,
        details: { configKey: origin.key, origin: origin.place },
      },
    );
  }
  return { ...selector, database };
}

/** Keys accepted at a file path, for "did you mean" suggestions. */
function knownKeys(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return Object.keys(configFileSchema.shape);
  if (path.length === 2 && path[0] === 'databases') return Object.keys(databaseSection.shape);
  if (path.length === 4 && path[2] === 'table_filters') return Object.keys(tableFilterEntry.shape);
  if (path.length === 4 && path[2] === 'time_filters') return Object.keys(timeFilterEntry.shape);
  return [];
}
