import { isReplicatorError, replicatorError } from './errors.js';
import { parseTableSelector, type TableSelector } from './identity.js';
import { indexOutsideQuotes, splitOutsideQuotes, unquoteName } from './quoted-name.js';
import { parseTimeWindow, TIME_WINDOW_EXAMPLE, type TimeWindow } from './time-window.js';

/** A row filter: only rows matching `where` (an SQL predicate, run on the source) are copied. */
export type TableFilter = Readonly<{ table: TableSelector; where: string }>;

/** A time filter: only rows whose `column` lies within the last `last` are copied. */
export type TimeFilter = Readonly<{ table: TableSelector; column: string; last: TimeWindow }>;

const TABLE_FILTER_EXAMPLE = `--table-filter "orders:created_at > '2024-01-01 00:00:00'"`;
const TIME_FILTER_EXAMPLE = '--time-filter "events:created_at:6 months"';

/**
 * Parses a `--table-filter` value, `[db.][schema.]table:SQL predicate`. The table ends at the
 * first `:` outside double quotes, so the predicate may contain colons (timestamps, casts).
 *
 * @throws ReplicatorError `REPL_CONFIG_FILTER_SYNTAX` naming the flag and showing an example.
 */
export function parseTableFilterFlag(value: string): TableFilter {
  const colon = filterIndex(value, '--table-filter', TABLE_FILTER_EXAMPLE);
  const where = value.slice(colon + 1).trim();
  if (colon === -1 || where === '') {
    throw filterSyntax(
      '--table-filter',
      value,
      'expected "table:SQL predicate"',
      TABLE_FILTER_EXAMPLE,
    );
  }
  return Object.freeze({
    table: filterTable(value.slice(0, colon), '--table-filter', TABLE_FILTER_EXAMPLE),
    where,
  });
}

/**
 * Parses a `--time-filter` value, `[db.][schema.]table:column:N unit` (unit: second, minute,
 * hour, day, week, month or year, optionally plural). Table and column may be double-quoted.
 *
 * @throws ReplicatorError `REPL_CONFIG_FILTER_SYNTAX` naming the flag and showing an example.
 */
export function parseTimeFilterFlag(value: string): TimeFilter {
  const first = filterIndex(value, '--time-filter', TIME_FILTER_EXAMPLE);
  const second =
    first === -1 ? -1 : filterIndex(value, '--time-filter', TIME_FILTER_EXAMPLE, first + 1);
  if (second === -1) {
    throw filterSyntax(
      '--time-filter',
      value,
      'expected "table:column:N unit"',
      TIME_FILTER_EXAMPLE,
    );
  }
  const last = parseTimeWindow(value.slice(second + 1));
  if (last === undefined) {
    throw filterSyntax(
      '--time-filter',
      value,
      `expected the window as ${TIME_WINDOW_EXAMPLE}`,
      TIME_FILTER_EXAMPLE,
    );
  }
  const table = filterTable(value.slice(0, first), '--time-filter', TIME_FILTER_EXAMPLE);
  const column = asFilterSyntax(
    () => unquoteName(value.slice(first + 1, second)),
    '--time-filter',
    value,
    TIME_FILTER_EXAMPLE,
  );
  return Object.freeze({ table, column, last });
}

/**
 * Parses a comma-separated table list (`--include-tables a,"b,c".d`); commas inside double
 * quotes do not split.
 *
 * @throws ReplicatorError `REPL_CONFIG_FILTER_SYNTAX` naming `flag`.
 */
export function parseTableListFlag(value: string, flag: string): readonly TableSelector[] {
  const example = `${flag} orders,sales.customers`;
  const pieces = asFilterSyntax(() => splitOutsideQuotes(value, ','), flag, value, example);
  return Object.freeze(pieces.map((piece) => filterTable(piece, flag, example)));
}

function filterIndex(value: string, flag: string, example: string, from = 0): number {
  return asFilterSyntax(() => indexOutsideQuotes(value, ':', from), flag, value, example);
}

function filterTable(text: string, flag: string, example: string): TableSelector {
  return asFilterSyntax(() => parseTableSelector(text), flag, text, example);
}

/** Runs a lexing step and reports its identifier error as a syntax error of `flag`. */
function asFilterSyntax<T>(step: () => T, flag: string, value: string, example: string): T {
  try {
    return step();
  } catch (error) {
    if (!isReplicatorError(error, 'REPL_IDENTIFIER_INVALID')) throw error;
    throw filterSyntax(flag, value, error.message, example, error);
  }
}

function filterSyntax(
  flag: string,
  value: string,
  problem: string,
  example: string,
  cause?: unknown,
): Error {
  return replicatorError(
    'REPL_CONFIG_FILTER_SYNTAX',
    `Invalid ${flag} ${JSON.stringify(value)}: ${problem}`,
    {
      fix: `Write it like ${example}; double-quote names that contain ".", "," or ":".`,
      details: { configKey: flag },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}
