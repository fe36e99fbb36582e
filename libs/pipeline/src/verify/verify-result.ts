/** What a verification run reports, per table and overall; the CLI prints it as is under --json. */

/**
 * Outcome of one table:
 * - `ok`: same rows on both sides (for a table without a key: same count and hash);
 * - `different`: rows differ; `missing` / `extra` / `different` name the keys;
 * - `missing-table`: the target has no such table (every source row is missing);
 * - `schema-different`: the target table lacks columns the comparison needs; rows not compared;
 * - `skipped`: not compared by design (e.g. a schema-only table).
 */
export type VerifyStatus = 'ok' | 'different' | 'missing-table' | 'schema-different' | 'skipped';

/** A primary-key value as a JSON object by column name, values as text: `{ "id": "42" }`. */
export type KeyObject = Readonly<Record<string, string>>;

/** Result of verifying one table. */
export type TableVerifyResult = Readonly<{
  /** The table as `[schema.]table` text. */
  table: string;
  status: VerifyStatus;
  /** Rows counted on the source; null when not compared. */
  sourceRows: number | null;
  /** Rows counted on the target; null when not compared or the table is missing. */
  targetRows: number | null;
  /** Primary-key columns the keys below are made of; empty for a table without a key. */
  keyColumns: readonly string[];
  /** Keys on the source and not on the target, in key order. */
  missing: readonly KeyObject[];
  /** Keys on the target and not on the source, in key order. */
  extra: readonly KeyObject[];
  /** Keys on both sides whose rows differ, in key order. */
  different: readonly KeyObject[];
  /** True when there are more differing keys than listed (the per-table cap). */
  truncated: boolean;
  /** Key ranges compared by count and hash. */
  ranges: number;
  /** Ranges whose count or hash still differed after any re-check. */
  mismatchedRanges: number;
  /** Remarks for people, e.g. "no key: whole-table check only". */
  notes: readonly string[];
  /** Wall time spent on this table, in milliseconds. */
  durationMs: number;
}>;

/** Result of a verification run: `ok` when no table differs. */
export type VerifyReport = Readonly<{ ok: boolean; tables: readonly TableVerifyResult[] }>;

/** True when a status counts as "no difference". */
export function isCleanStatus(status: VerifyStatus): boolean {
  return status === 'ok' || status === 'skipped';
}
