/**
 * Configuration layers: each source of settings (defaults live in the schema; then the config
 * file, the environment, the flags) yields a map from setting to value plus where the value came
 * from. Layers merge per setting, later wins, so error messages can name the file key, variable
 * or flag a bad value came from.
 */

const SETTING_KEYS = Object.freeze([
  'source',
  'target',
  'jobs',
  'logLevel',
  'stateDir',
  'yes',
  'json',
  'filters.includeTables',
  'filters.excludeTables',
  'filters.schemaOnlyTables',
  'filters.tableFilters',
  'filters.timeFilters',
] as const);

/** The settings a layer can set, as paths into the config schema. */
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Where a value came from: `key` as the user wrote it, `place` the file, environment or command line. */
export type Origin = Readonly<{
  key: string;
  place: string;
  /** True for file keys, whose nested keys are named by appending the rest of the path. */
  nested: boolean;
}>;

/** A setting's value, its origin, and for lists the origin of each item. */
export type Setting = Readonly<{ value: unknown; origin: Origin; items?: readonly Origin[] }>;

/** One layer: settings by key. */
export type ConfigLayer = ReadonlyMap<SettingKey, Setting>;

/** A user-facing location of a problem. */
export type Location = Readonly<{ key: string; place: string }>;

/** Merges layers per setting; later layers win, whole lists included. */
export function mergeLayers(...layers: readonly ConfigLayer[]): ConfigLayer {
  return new Map(layers.flatMap((layer) => [...layer]));
}

/** The nested object the config schema parses. */
export function layerInput(layer: ConfigLayer): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const filters: Record<string, unknown> = {};
  for (const [key, setting] of layer) {
    if (key.startsWith('filters.')) filters[key.slice('filters.'.length)] = setting.value;
    else input[key] = setting.value;
  }
  if (Object.keys(filters).length > 0) input['filters'] = filters;
  return input;
}

/** Names the origin of a schema issue path, e.g. `databases.mydb.time_filters[0].last`. */
export function locateSetting(
  layer: ConfigLayer,
  path: readonly PropertyKey[],
): Location | undefined {
  const depth = path[0] === 'filters' ? 2 : 1;
  const key = path.slice(0, depth).map(String).join('.');
  const setting = isSettingKey(key) ? layer.get(key) : undefined;
  if (setting === undefined) return undefined;
  let rest = path.slice(depth);
  let origin = setting.origin;
  const index = rest[0];
  const item = typeof index === 'number' ? setting.items?.[index] : undefined;
  if (item !== undefined) {
    origin = item;
    rest = rest.slice(1);
  }
  return { key: origin.nested ? appendPath(origin.key, rest) : origin.key, place: origin.place };
}

/** Appends path segments to a key in TOML notation, quoting segments that need it. */
export function appendPath(key: string, path: readonly PropertyKey[]): string {
  let text = key;
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += `${text === '' ? '' : '.'}${formatKeySegment(String(segment))}`;
  }
  return text;
}

function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}

function formatKeySegment(segment: string): string {
  return /^[A-Za-z0-9_-]+$/.test(segment) ? segment : JSON.stringify(segment);
}
