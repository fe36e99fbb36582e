/**
 * Sample values of a verify report: for a differing key, the columns whose values differ with
 * their source and target values, so a person sees what differs without querying both sides.
 * Values are the wire-encoded ones both sides' row readers return (libs/core `encodeValue`);
 * masked columns (`--mask-columns`) show {@link MASKED} instead, so a report can be shared
 * without its personal data. Pure.
 */
import { replicatorError, type ChangeRow, type JsonValue } from '@database-replicator/core';
import type { KeyObject } from './verify-result.js';

/** What a masked column's values are replaced with. */
export const MASKED = '[masked]';

/** One differing column of a sampled row; a value is null when its side lacks the column. */
export type ColumnSample = Readonly<{ column: string; source: JsonValue; target: JsonValue }>;

/** One differing key and its differing columns. */
export type RowSample = Readonly<{ key: KeyObject; columns: readonly ColumnSample[] }>;

/** Masked columns by table: the table as written (`table` or `schema.table`) → column names. */
export type MaskColumns = ReadonlyMap<string, ReadonlySet<string>>;

/** No masked column. */
export const NO_MASK: MaskColumns = new Map();

/**
 * Parses `--mask-columns` values, each `table:col1,col2` (`table` may be `schema.table`);
 * repeated tables add up.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` for a value without a table or columns.
 */
export function parseMaskColumns(specs: readonly string[], origin = '--mask-columns'): MaskColumns {
  const result = new Map<string, Set<string>>();
  for (const spec of specs) {
    const colon = spec.lastIndexOf(':');
    const table = spec.slice(0, Math.max(colon, 0)).trim();
    const columns = spec
      .slice(colon + 1)
      .split(',')
      .map((column) => column.trim())
      .filter((column) => column !== '');
    if (colon < 0 || table === '' || columns.length === 0) {
      throw replicatorError(
        'REPL_CONFIG_INVALID',
        `${origin} value "${spec}" is not table:column[,column...]`,
        {
          fix: `Write ${origin} as table:col1,col2 (or schema.table:col1), once per table.`,
          details: { configKey: origin },
        },
      );
    }
    const set = result.get(table) ?? new Set<string>();
    for (const column of columns) set.add(column);
    result.set(table, set);
  }
  return result;
}

/** The masked columns of report table `table` (`schema.table`): by full name or by table name. */
export function maskedColumnsOf(mask: MaskColumns, table: string): ReadonlySet<string> {
  const bare = table.slice(table.lastIndexOf('.') + 1);
  const columns = new Set<string>();
  for (const [name, masked] of mask) {
    if (name === table || name === bare) for (const column of masked) columns.add(column);
  }
  return columns;
}

/** The columns of `source` and `target` (source order first) whose values differ. */
export function sampleRow(key: KeyObject, source: ChangeRow, target: ChangeRow): RowSample {
  const names = [...new Set([...Object.keys(source), ...Object.keys(target)])];
  const columns = names
    .map((column) => ({ column, source: source[column] ?? null, target: target[column] ?? null }))
    .filter((c) => JSON.stringify(c.source) !== JSON.stringify(c.target));
  return Object.freeze({ key, columns: Object.freeze(columns) });
}

/** `sample` with the values of `masked` columns replaced by {@link MASKED}. */
export function maskSample(sample: RowSample, masked: ReadonlySet<string>): RowSample {
  if (masked.size === 0) return sample;
  const columns = sample.columns.map((c) =>
    masked.has(c.column) ? { column: c.column, source: MASKED, target: MASKED } : c,
  );
  return Object.freeze({ key: sample.key, columns: Object.freeze(columns) });
}

/** Longest value text in {@link formatSample}; longer ones end in "…". */
const VALUE_CHARS = 40;

function valueText(value: JsonValue): string {
  const text = value === MASKED ? MASKED : JSON.stringify(value);
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS - 1)}…` : text;
}

/** One line per sample: `name: "Ann" → "Bob", email: [masked]`. */
export function formatSample(sample: RowSample): string {
  if (sample.columns.length === 0) return 'no column differs as read (canonical forms differ)';
  return sample.columns
    .map((c) =>
      c.source === MASKED
        ? `${c.column}: ${MASKED}`
        : `${c.column}: ${valueText(c.source)} → ${valueText(c.target)}`,
    )
    .join(', ');
}
