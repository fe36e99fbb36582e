/**
 * Which tables a run replicates, and how: the selective-replication rules of the configuration
 * applied to the tables a source actually has. Pure, so every source kind shares it.
 */
import type { ReplicatorConfig } from './config-schema.js';
import { replicatorError } from './errors.js';
import {
  formatTableRef,
  resolveTableSelector,
  tableKey,
  type TableDefaults,
  type TableId,
  type TableSelector,
} from './identity.js';
import type { TimeWindow } from './time-window.js';

/** What the run does with one selected table. */
export type TablePlan = Readonly<{
  id: TableId;
  /** Create the table, copy no rows. */
  schemaOnly: boolean;
  /** SQL predicates (source dialect) every copied and replicated row must satisfy; AND-ed. */
  rowFilters: readonly string[];
  /** Rows newer than `last` by `column`. */
  timeFilters: readonly Readonly<{ column: string; last: TimeWindow }>[];
}>;

type Filters = ReplicatorConfig['filters'];

function matches(selector: TableSelector, id: TableId, defaults: TableDefaults): boolean {
  const wanted = resolveTableSelector(selector, defaults);
  return (
    wanted.table === id.table &&
    wanted.schema === id.schema &&
    (wanted.database === undefined || id.database === undefined || wanted.database === id.database)
  );
}

// A selector that names another database belongs to that database's plan.
function inDatabase(selector: TableSelector, defaults: TableDefaults): boolean {
  return (
    selector.database === undefined ||
    defaults.database === undefined ||
    selector.database === defaults.database
  );
}

/**
 * Applies include/exclude lists, schema-only tables, row filters and time filters to the tables
 * a source has. Unwritten selector parts come from `defaults` (e.g. schema `public`); with
 * `defaults.database` set, selectors naming another database are left to that database's plan.
 *
 * @throws ReplicatorError `REPL_CONFIG_TABLE_NOT_FOUND` when a selector names no existing table,
 *   so a typo never silently replicates nothing (or everything).
 */
export function planTables(
  tables: readonly TableId[],
  filters: Filters,
  defaults: TableDefaults,
): readonly TablePlan[] {
  const selectorLists: [string, readonly TableSelector[]][] = [
    ['include_tables', filters.includeTables ?? []],
    ['exclude_tables', filters.excludeTables ?? []],
    ['schema_only', filters.schemaOnlyTables],
    ['table_filters', filters.tableFilters.map((f) => f.table)],
    ['time_filters', filters.timeFilters.map((f) => f.table)],
  ];
  for (const [key, selectors] of selectorLists) {
    for (const selector of selectors.filter((s) => inDatabase(s, defaults))) {
      if (!tables.some((id) => matches(selector, id, defaults))) {
        const name = formatTableRef(resolveTableSelector(selector, defaults));
        throw replicatorError(
          'REPL_CONFIG_TABLE_NOT_FOUND',
          `${key} names table ${name}, which the source does not have`,
          {
            details: { configKey: key, table: name },
          },
        );
      }
    }
  }
  return Object.freeze(
    [...tables]
      .sort((a, b) => tableKey(a).localeCompare(tableKey(b)))
      .flatMap((id) => planTable(id, filters, defaults) ?? []),
  );
}

/**
 * The plan of one table, or `undefined` when the filters leave it out. Unlike
 * {@link planTables} it does not check that every selector names an existing table: it decides
 * for a table created while streaming.
 */
export function planTable(
  id: TableId,
  filters: Filters,
  defaults: TableDefaults,
): TablePlan | undefined {
  const included =
    (filters.includeTables === undefined ||
      filters.includeTables.some((s) => inDatabase(s, defaults) && matches(s, id, defaults))) &&
    !(filters.excludeTables ?? []).some((s) => matches(s, id, defaults));
  if (!included) return undefined;
  return Object.freeze({
    id,
    schemaOnly: filters.schemaOnlyTables.some((s) => matches(s, id, defaults)),
    rowFilters: Object.freeze(
      filters.tableFilters.filter((f) => matches(f.table, id, defaults)).map((f) => f.where),
    ),
    timeFilters: Object.freeze(
      filters.timeFilters
        .filter((f) => matches(f.table, id, defaults))
        .map((f) => Object.freeze({ column: f.column, last: f.last })),
    ),
  });
}
